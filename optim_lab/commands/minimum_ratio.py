"""`python -m optim_lab minimum-ratio`: the book's Fig. 3.6 on real networks, one line per network.

Each small network fits sin(5πx)/(5πx), is then driven towards ‖∇L‖ ≈ 0 by minimizing ‖∇L‖²,
and the eigenvalues of its FULL Hessian (not HW2-2's Gauss–Newton) are counted:
minimum ratio = #{λ > τ}/#{λ}, with |λ| ≤ τ = zero_tol·max|λ| counted apart.
"""

from __future__ import annotations

import json

from .args import json_floats

NAME = "minimum-ratio"
HELP = "many small networks at ‖g‖ ≈ 0: training loss, gradient norm and minimum ratio of each"


def add_arguments(p) -> None:
    from ..inside.ratio import RatioConfig

    d = RatioConfig()
    p.add_argument("--networks", type=int, default=d.networks, help="how many seeded networks (1..200)")
    p.add_argument("--width", type=int, default=d.width, help="hidden units (2..64); parameters = 3·width + 1")
    p.add_argument("--activation", choices=["tanh", "relu"], default=d.activation)
    p.add_argument("--samples", type=int, default=d.samples, help="points of the regression (4..512)")
    p.add_argument("--train-steps", default=f"{d.train_steps[0]},{d.train_steps[1]}", metavar="LO,HI",
                   help="each network trains for its own number of Adam updates, log-spaced in this range")
    p.add_argument("--gnorm-steps", type=int, default=d.gnorm_steps, help="Adam updates on ‖∇L‖² afterwards")
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument("--json", action="store_true")


def run(args) -> str:
    from ..inside.ratio import RatioConfig, minimum_ratios
    from .args import pair

    lo, hi = pair(args.train_steps, "--train-steps")
    if lo != int(lo) or hi != int(hi):
        from . import UsageError

        raise UsageError(f"--train-steps: expected two whole numbers, got {args.train_steps!r}")
    cfg = RatioConfig(networks=args.networks, width=args.width, activation=args.activation, samples=args.samples,
                      train_steps=(int(lo), int(hi)), gnorm_steps=args.gnorm_steps, seed=args.seed).checked()
    dots = minimum_ratios(cfg)
    if args.json:
        return json.dumps(json_floats({"settings": {**cfg.__dict__, "hessian": "full", "params": cfg.n_params},
                                       "dots": [d.as_json() for d in dots]}), ensure_ascii=False)
    lines = [f"{cfg.networks} networks Linear(1,{cfg.width})-{cfg.activation}-Linear({cfg.width},1), {cfg.n_params} parameters; "
             f"full Hessian; |λ| ≤ {cfg.zero_tol:g}·max|λ| counted as zero",
             f"{'seed':>4} {'steps':>6} {'train loss':>11} {'‖g‖':>9} {'ratio':>6} {'+':>3} {'−':>3} {'0':>3}  ‖g‖<{cfg.gnorm_tol:g}"]
    for d in dots:
        lines.append(f"{d.seed:>4} {d.train_steps:>6} {d.loss:>11.5g} {d.grad_norm:>9.2e} {d.ratio:>6.3f} {d.n_pos:>3} "
                     f"{d.n_neg:>3} {d.n_zero:>3}  {'yes' if d.converged else 'no'}")
    lines.append(f"largest minimum ratio: {max(d.ratio for d in dots):.3f} (a local minimum would have 1)")
    return "\n".join(lines)
