"""`python -m optim_lab bench`: the engine against torch's own tools, in one run.

Every figure is the best of a few repeats measured here, now; the verdict of
each row compares two numbers from this same run, never a stored constant.
"""

from __future__ import annotations

import os
import platform

import numpy as np
import torch
from torch.func import hessian, vmap

from surfaces import get_surface

from .engine import Racer, eigvals2, race
from .optimizers import get_optimizer
from .timing import best_of, best_of_pair

RACE_OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "radam",
                   "rprop", "asgd", "adafactor", "muon", "lion", "sam", "sgd-schedule-free", "adamw-schedule-free")




def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "cpu": cpu, "cores": os.cpu_count(), "torch_threads": torch.get_num_threads(), "python": platform.python_version(),
        "torch": torch.__version__, "numpy": np.__version__,
    }


def reference_optimizer(name: str, params, lr: float):
    """The reference implementation of a registry optimizer with its defaults: its torch.optim
    class, or the authors' package (lion-pytorch, schedulefree: `make bench` runs with the
    dev requirements).  SAM's reference is torch's SGD stepped with the second gradient."""
    spec = get_optimizer(name)
    if spec.torch_name:
        extra = {"momentum": 0.9} if name in ("momentum", "nesterov") else {}
        if name == "nesterov":
            extra["nesterov"] = True
        return getattr(torch.optim, spec.torch_name)(params, lr=lr, **extra)
    if name == "lion":
        import lion_pytorch

        return lion_pytorch.Lion(params, lr=lr)
    if name == "sam":
        return torch.optim.SGD(params, lr=lr)
    import schedulefree

    cls = {"sgd-schedule-free": schedulefree.SGDScheduleFree, "adamw-schedule-free": schedulefree.AdamWScheduleFree}[name]
    opt = cls(params, lr=lr)
    opt.train()
    return opt


def _torch_optim_loop(problem, name: str, start, steps: int) -> None:
    # torch's Muon takes matrices: θ is the 1×2 matrix the race treats it as
    p = torch.tensor([start] if name == "muon" else start, dtype=torch.float64, requires_grad=True)
    opt = reference_optimizer(name, [p], 1e-3)
    rho = get_optimizer(name).sam
    losses, norms = [], []
    with torch.no_grad():
        for _ in range(steps):
            x = p.detach().reshape(1, 2)
            losses.append(float(problem.loss(x)[0]))
            g = problem.grad(x)[0]
            norms.append(float(g.norm()))
            if rho:  # SAM: the gradient at θ + ρ·g/‖g‖
                g = problem.grad(x + rho * g / (g.norm() + 1e-12))[0]
            p.grad = g.reshape(p.shape)
            opt.step()


def bench_race(quick: bool) -> dict:
    problem = get_surface("rosenbrock").build()
    start, steps = (-1.5, 2.0), 1000
    racers = [Racer(n, lr=1e-3) for n in RACE_OPTIMIZERS]
    reps = 3 if quick else 7
    t_engine = best_of(lambda: race(problem, racers, [start], steps), reps)
    t_torch = best_of(lambda: [_torch_optim_loop(problem, n, start, steps) for n in RACE_OPTIMIZERS], 1 if quick else 3)
    ratio = t_torch / t_engine
    return {
        "name": "race", "what": f"{len(RACE_OPTIMIZERS)} optimizers (torch.optim's, Lion, SAM, schedule-free) × 1 start "
                                "× 1000 steps, rosenbrock, loss and ‖g‖ recorded",
        "ours_s": t_engine, "baseline": "one reference loop per optimizer", "baseline_s": t_torch, "ratio": ratio,
        "target": "≥ 8× faster and < 240 ms", "ok": ratio >= 8 and t_engine < 0.240,
    }


def bench_lab_optimizer(name: str, quick: bool) -> dict:
    """One epoch of a float32 MLP (bias-free: Muon takes matrices) with LabOptimizer against the reference."""
    from .torch_optim import LabOptimizer

    gen = torch.Generator().manual_seed(0)
    x, y = torch.randn(2048, 64, generator=gen), torch.randint(0, 10, (2048,), generator=gen)
    batches = [(x[i : i + 64], y[i : i + 64]) for i in range(0, len(x), 64)]
    reps = 2 if quick else 5

    def model():
        torch.manual_seed(0)
        return torch.nn.Sequential(torch.nn.Linear(64, 256, bias=False), torch.nn.ReLU(),
                                   torch.nn.Linear(256, 256, bias=False), torch.nn.ReLU(), torch.nn.Linear(256, 10, bias=False))

    def epochs(make_opt):
        net = model()
        opt = make_opt(net.parameters())

        def epoch():
            for xb, yb in batches:
                opt.zero_grad()
                torch.nn.functional.cross_entropy(net(xb), yb).backward()
                opt.step()
        return epoch

    lr = 1e-3 if name == "muon" else 1e-4
    ours = epochs(lambda ps: LabOptimizer(ps, Racer(name, lr=lr), total_steps=len(batches) * (reps + 1)))  # + warm-up
    theirs = epochs(lambda ps: reference_optimizer(name, ps, lr))
    t_ours, t_theirs = best_of_pair(ours, theirs, reps)  # in turns: the machine's load hits both alike
    ref = "torch.optim.Muon" if name == "muon" else "lion_pytorch.Lion"
    return {
        "name": f"lab-{name}", "what": f"one epoch, 32 batches of 64, float32 MLP 64-256-256-10, LabOptimizer({name})",
        "ours_s": t_ours, "baseline": ref, "baseline_s": t_theirs, "ratio": t_theirs / t_ours,
        "target": "≥ 0.9× the reference's speed", "ok": t_theirs / t_ours >= 0.9,
    }


def bench_basin(quick: bool) -> dict:
    problem = get_surface("rosenbrock").build()
    n, steps = 128, 300
    x0, x1, y0, y1 = problem.box
    gx, gy = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    starts = np.stack([gx.ravel(), gy.ravel()], axis=1)
    racer = [Racer("adam", lr=1e-2)]

    def ours():
        race(problem, racer, starts, steps, detail=False)

    def theirs():
        p = torch.tensor(starts, dtype=torch.float64, requires_grad=True)
        opt = torch.optim.Adam([p], lr=1e-2)
        hist = torch.empty(steps + 1, len(starts), 2, dtype=torch.float64)
        hist[0] = p.detach()
        with torch.no_grad():
            for k in range(steps):
                p.grad = problem.grad(p.detach())
                opt.step()
                hist[k + 1] = p.detach()
            problem.loss(hist.reshape(-1, 2))

    reps = 2 if quick else 5
    t_ours, t_theirs = best_of(ours, reps), best_of(theirs, reps)
    return {
        "name": "basin", "what": "128 × 128 starts × 300 steps of Adam, rosenbrock",
        "ours_s": t_ours, "baseline": "torch.optim.Adam on one (16384, 2) parameter", "baseline_s": t_theirs,
        "ratio": t_theirs / t_ours, "target": "< 0.3 s and no slower than torch.optim.Adam",
        "ok": t_ours < 0.3 and t_ours <= t_theirs * 1.0,
    }


def bench_hessian(quick: bool) -> dict:
    problem = get_surface("rosenbrock").build()
    n = 200
    x0, x1, y0, y1 = problem.box
    gx, gy = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    pts = torch.as_tensor(np.stack([gx.ravel(), gy.ravel()], axis=1))

    def ours():
        return eigvals2(problem.hessian(pts))

    def single(x):
        return problem.loss(x.unsqueeze(0))[0]

    def theirs():
        return torch.linalg.eigvalsh(vmap(hessian(single))(pts))

    err = float((ours() - theirs()).abs().max() / theirs().abs().max())
    reps = 3 if quick else 7
    t_ours, t_theirs = best_of(ours, reps), best_of(theirs, reps)
    ratio = t_theirs / t_ours
    return {
        "name": "hessian", "what": "Hessian eigenvalues on a 200 × 200 grid, rosenbrock",
        "ours_s": t_ours, "baseline": "torch.func.vmap(hessian) + eigvalsh", "baseline_s": t_theirs, "ratio": ratio,
        "target": "< 50 ms and ≥ 2× faster", "ok": t_ours < 0.050 and ratio >= 2, "max_rel_diff": err,
    }


def bench_family(quick: bool) -> dict:
    """§3.3's live η: GD at all 120 positions of the η slider (× 1000 steps, paths and ‖g‖ kept) in
    one batched call, against the one race the page runs anyway (its 4 default racers, 1000 steps,
    with the records and Hessian eigenvalues the page draws).  The payload per view is measured
    in the browser (`make bench-ui`)."""
    from .family import family, positions

    problem = get_surface("long-valley").build()
    start, steps = problem.start, 1000
    h = problem.hessian(torch.tensor([list(start)], dtype=torch.float64))[0].numpy()
    unit = 2.0 / float(np.linalg.eigvalsh(0.5 * (h + h.T))[-1])
    us = positions(0.01, 1.2, 0.01)
    racers = [Racer("sgd", lr=0.95 * unit), Racer("adagrad-book", lr=10.0), Racer("rmsprop-book", lr=1.0),
              Racer("adam", lr=1.0)]
    reps = 3 if quick else 5
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as the app runs 2-D pages (ui/shell.py): with 2 threads on a busy machine a (120, 2) matmul waits ms
    try:
        t_family = best_of(lambda: family(problem, Racer("sgd"), "lr", us * unit, start, steps), reps)
        t_race = best_of(lambda: race(problem, racers, [start], steps, hessian=True), reps)
    finally:
        torch.set_num_threads(threads)
    ratio = t_race / t_family
    return {
        "name": "family", "what": f"§3.3 live η: GD × {len(us)} η positions × {steps} steps, long valley, one engine.sweep, 1 thread",
        "ours_s": t_family, "baseline": "the page's one race (4 racers, records + Hessian)", "baseline_s": t_race,
        "ratio": ratio, "target": "family ≤ 2× the race (ratio ≥ 0.5)", "ok": ratio >= 0.5,
    }


# the playground's 8 default racers on its default surface (rosenbrock): its line-up, each with
# the default η of `ui.common.lineup` for rosenbrock (GD family 10⁻³, the others 0.05), build-your-own
# at its default heavy ball × AdaGrad
PLAYGROUND_RACERS = (Racer("sgd", lr=1e-3), Racer("momentum", lr=1e-3), Racer("rmsprop", lr=0.05), Racer("adam", lr=0.05),
                     Racer("adagrad", lr=0.05), Racer("nesterov", lr=1e-3), Racer("adamw", lr=0.05),
                     Racer("custom", lr=0.05, momentum_rule="heavy-ball", scaling_rule="adagrad"))
PLAYGROUND_MULTIPLIERS = tuple(float(f"{10 ** (k / 20):.3g}") for k in range(-20, 21))  # = ui.sections.playground.calc's


def bench_playground_family(quick: bool) -> dict:
    """The playground's live η × m: its 8 default racers × the 41 positions of m × 1000 steps,
    paths and ‖g‖ kept, as ONE batched loop (`family.race_family`), against the page's one race
    (8 racers, 1000 steps, records + Hessian eigenvalues), 1 thread as the app runs 2-D pages."""
    from .family import race_family

    problem = get_surface("rosenbrock").build()
    start, steps = (-1.5, 2.0), 1000
    ms = np.array(PLAYGROUND_MULTIPLIERS)
    reps = 2 if quick else 4
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        t_family = best_of(lambda: race_family(problem, PLAYGROUND_RACERS, "lr", [r.lr * ms for r in PLAYGROUND_RACERS],
                                               start, steps), reps)
        t_race = best_of(lambda: race(problem, PLAYGROUND_RACERS, [start], steps, hessian=True), reps)
    finally:
        torch.set_num_threads(threads)
    ratio = t_race / t_family
    return {
        "name": "pg-family", "what": f"playground live η × m: 8 racers × {len(ms)} positions × {steps} steps as one loop, "
                                     "rosenbrock, 1 thread",
        "ours_s": t_family, "baseline": "the page's one race (8 racers, records + Hessian)", "baseline_s": t_race,
        "ratio": ratio, "target": "family ≤ 2× the race (ratio ≥ 0.5)", "ok": ratio >= 0.5,
    }


ROWS = {"race": bench_race, "basin": bench_basin, "hessian": bench_hessian, "family": bench_family,
        "pg-family": bench_playground_family, "lab-muon": lambda q: bench_lab_optimizer("muon", q),
        "lab-lion": lambda q: bench_lab_optimizer("lion", q)}


def run_all(quick: bool = False, only: str | None = None) -> tuple[list[dict], dict]:
    """Every row (`only`: the engine's row of that name, e.g. "race", alone)."""
    if only is not None:
        if only not in ROWS:
            raise ValueError(f"bench --only {only}: not a row here (rows: {', '.join(ROWS)})")
        return [ROWS[only](quick)], machine()
    rows = [bench_race(quick), bench_basin(quick), bench_hessian(quick), bench_family(quick),
            bench_playground_family(quick), bench_lab_optimizer("muon", quick), bench_lab_optimizer("lion", quick)]
    from .maps.bench import bench_rows as maps_rows  # the maps' rows (sweep batched vs per cell, the fractal map)

    rows += maps_rows(quick)
    from .inside.bench import bench_rows as inside_rows  # the inside views' rows (λ_max by power iteration, a loss slice)

    rows += inside_rows(quick)
    from .training.bench import (
        bench_rows as training_rows,  # the training lab's rows (an epoch vs torch.optim.Adam, presets, worst run)
    )

    rows += training_rows(quick)
    return rows, machine()


def format_table(rows: list[dict], mach: dict) -> str:
    head = (f"machine: {mach['cpu']}, {mach['cores']} cores, torch {mach['torch']} ({mach['torch_threads']} threads), "
            f"python {mach['python']}, numpy {mach['numpy']}")
    lines = [head, "", f"{'case':<8} {'ours':>10} {'baseline':>10} {'ratio':>8}  {'target':<40} ok  what / baseline"]
    for r in rows:
        lines.append(
            f"{r['name']:<8} {r['ours_s'] * 1e3:>8.1f}ms {r['baseline_s'] * 1e3:>8.1f}ms {r['ratio']:>7.1f}×  "
            f"{r['target']:<40} {'yes' if r['ok'] else 'NO ':<3} {r['what']} / {r['baseline']}"
        )
    return "\n".join(lines)
