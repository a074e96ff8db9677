"""One batched loop for every optimizer, start and hyper-parameter of a view.

    θ_{k} = θ_{k−1} − (η_k/σ_k) ⊙ m_k          k = 1..T

All K = (racers × starts) trajectories live in one (K, 2) tensor.  What makes
racer A an Adam and racer B a book AdaGrad is nothing but per-row coefficient
tables (see `rules`), computed before the loop; inside it every row goes
through the same tensor operations.  A row whose θ or loss turns non-finite,
or that leaves a generous bound around the view box, is frozen afterwards and
reports `diverged_at`; the other rows are not affected (rows never mix).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from .batches import BatchPlan, plan_batches
from .optimizers import CUSTOM, OptimizerSpec, custom_optimizer, get_optimizer
from .schedules import get_schedule
from .spec import Param

DTYPE = torch.float64
MAX_STEPS = 5000
MAX_RACERS = 16
MAX_STARTS = 16384
MAX_POINT_STEPS = 5_000_000  # rows × (steps + 1): bounds memory (θ history alone is 16 B each)
BOUND_SPANS = 1e3  # leaving the box centre by more than 1000 box spans counts as divergence

STEPS = Param("steps", 100, 1, MAX_STEPS, integer=True, label_en="steps", label_zh="步数")
SEED = Param("seed", 0, 0, 2**31 - 1, integer=True, label_en="seed", label_zh="随机种子")


@dataclass(frozen=True)
class Racer:
    """One competitor: an optimizer with its hyper-parameters, learning rate and schedule."""

    optimizer: str
    lr: float | None = None  # None: the optimizer's default
    hparams: Mapping[str, float] = field(default_factory=dict)
    schedule: str = "constant"
    sched_params: Mapping[str, float] = field(default_factory=dict)
    batch_size: int | None = None  # data-backed surfaces only; None = full batch
    momentum_rule: str | None = None  # with optimizer == "custom"
    scaling_rule: str | None = None

    def spec(self) -> OptimizerSpec:
        if self.optimizer == CUSTOM:
            return custom_optimizer(self.momentum_rule or "none", self.scaling_rule or "none")
        return get_optimizer(self.optimizer)

    def resolved_lr(self) -> float:
        spec = self.spec()
        return float(spec.lr_param().check(spec.lr if self.lr is None else self.lr, f"optimizer {self.optimizer}"))


@dataclass
class RunResult:
    """Everything recorded, as numpy arrays; row k = racer (k // S), start (k % S)."""

    racers: list[Racer]
    starts: np.ndarray  # (S, 2)
    steps: int
    seed: int
    theta: np.ndarray  # (T+1, K, 2); θ_0 is the start; frozen after divergence
    loss: np.ndarray  # (T+1, K) full loss at θ_k
    grad_norm: np.ndarray  # (T+1, K) ‖∇L(θ_k)‖ of the full loss
    lr: np.ndarray  # (T, K) scheduled η of step k
    diverged_at: np.ndarray  # (K,) first step whose θ_k is unusable, −1 if none
    batch_size: np.ndarray  # (K,) 0 where the surface has no samples
    epoch: np.ndarray  # (T, K) 0-based epoch of step k
    step_grad: np.ndarray | None = None  # (T, K, 2) gradient used by step k (batch, + L2 term)
    batch_loss: np.ndarray | None = None  # (T, K) loss of step k's batch at θ_{k−1}
    sigma: np.ndarray | None = None  # (T, K, 2) σ_k of the unified update
    direction: np.ndarray | None = None  # (T, K, 2) m_k of the unified update (book momentum: the movement)
    eff_step: np.ndarray | None = None  # (T, K, 2) η_k/σ_k
    eigvals: np.ndarray | None = None  # (T+1, K, 2) ascending Hessian eigenvalues of the full loss
    batches: dict[int, BatchPlan] = field(default_factory=dict)

    @property
    def n_starts(self) -> int:
        return len(self.starts)

    def row(self, racer: int, start: int = 0) -> int:
        return racer * self.n_starts + start


def _check_starts(problem, starts) -> np.ndarray:
    arr = np.asarray(starts, dtype=np.float64).reshape(-1, 2)
    if not 1 <= len(arr) <= MAX_STARTS:
        raise ValueError(f"starts: {len(arr)} given, the allowed range is [1, {MAX_STARTS}]")
    if not np.isfinite(arr).all():
        raise ValueError("start: every coordinate must be a finite number")
    lo, hi = _bounds(problem)
    if (arr < lo).any() or (arr > hi).any():
        raise ValueError(f"start: must lie within [{lo[0]:g}, {hi[0]:g}] × [{lo[1]:g}, {hi[1]:g}]")
    return arr


def _bounds(problem) -> tuple[np.ndarray, np.ndarray]:
    x0, x1, y0, y1 = problem.box
    c = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
    span = max(x1 - x0, y1 - y0) * BOUND_SPANS
    return c - span, c + span



@dataclass
class _Tables:
    """Per-step coefficient tables, (T, K) numpy, and per-row constants (K,)."""

    a_m: np.ndarray
    b_m: np.ndarray
    c_g: np.ndarray
    c_m: np.ndarray
    a_v: np.ndarray
    b_v: np.ndarray
    q: np.ndarray
    e_out: np.ndarray
    eta: np.ndarray  # what multiplies d/σ in the loop
    lr: np.ndarray  # the scheduled η_k
    f: np.ndarray
    decay: np.ndarray  # decoupled weight decay factor 1 − η_k·wd
    wd: np.ndarray  # (K,) coupled L2 coefficient
    is_max: np.ndarray  # (K,) bool
    is_dd: np.ndarray  # (K,) bool
    beta_max: np.ndarray
    eps_extra: np.ndarray
    eta_inside: np.ndarray  # (K,) bool
    guard: bool


def _racer_tables(r: Racer, T: int) -> dict:
    spec = r.spec()
    hp = spec.resolve(dict(r.hparams))
    lr = r.resolved_lr()
    sched = get_schedule(r.schedule)
    lr_t = sched.etas(lr, T, dict(r.sched_params))
    k = np.arange(1, T + 1, dtype=np.float64)
    mrule, srule = spec.momentum_rule, spec.scaling_rule
    mc = mrule.coeffs(k, lr_t, hp)
    sc = srule.coeffs(k, hp)
    wd = hp.get("weight_decay", 0.0)
    eta = (np.ones(T) if mrule.eta_inside else lr_t) * sc.f
    return dict(
        a_m=mc.a_m, b_m=mc.b_m, c_g=mc.c_g, c_m=mc.c_m, a_v=sc.a_v, b_v=sc.b_v, q=sc.q, e_out=sc.e_out,
        eta=eta, lr=lr_t, f=sc.f,
        decay=(1.0 - lr_t * wd) if spec.decoupled else np.ones(T),
        wd=0.0 if spec.decoupled else wd,
        is_max=sc.kind == "max", is_dd=sc.kind == "adadelta", beta_max=sc.beta, eps_extra=sc.eps,
        eta_inside=mrule.eta_inside, guard=srule.needs_eps_guard,
    )


def _build_tables(racers: Sequence[Racer], T: int) -> _Tables:
    """Tables per racer: (T, R) and (R,).  Rows of one racer share them by broadcasting
    over the start axis, so a basin of 16 384 starts costs no more table memory than one."""
    per = [_racer_tables(r, T) for r in racers]

    def cols(key):
        return np.stack([p[key] for p in per], axis=1)

    def rows(key, dtype=np.float64):
        return np.array([p[key] for p in per], dtype=dtype)

    return _Tables(
        **{key: cols(key) for key in ("a_m", "b_m", "c_g", "c_m", "a_v", "b_v", "q", "e_out", "eta", "lr", "f", "decay")},
        wd=rows("wd"), is_max=rows("is_max", bool), is_dd=rows("is_dd", bool), beta_max=rows("beta_max"),
        eps_extra=rows("eps_extra"), eta_inside=rows("eta_inside", bool), guard=any(p["guard"] for p in per),
    )


class _Coef:
    """A (T, R) table as the loop wants it at step t: a Python float when every racer
    shares one value at that step (torch's fused `value=`/`alpha=` arguments then
    apply), else an (R, 1, 1) tensor that broadcasts over the starts."""

    def __init__(self, table: np.ndarray):
        self.all_zero = bool((table == 0).all())
        self.all_one = bool((table == 1).all())
        self.const = bool((table == table[:1]).all())
        shared = (table == table[:, :1]).all(axis=1)  # (T,) one value for all racers at step t
        self.scalar = table[:, 0].tolist() if shared.all() else None
        self.value = torch.as_tensor(table[0] if self.const else table, dtype=DTYPE)[..., None, None]

    def at(self, t: int):
        if self.scalar is not None:
            return self.scalar[t]
        return self.value if self.const else self.value[t]


def _weights_for(problem, racers, S, T, seed) -> tuple[dict[int, BatchPlan], np.ndarray, list | None]:
    """Batch plans per batch size, the per-row batch size, and a per-step weight builder."""
    n = problem.n_samples
    if n is None:
        for r in racers:
            if r.batch_size is not None:
                raise ValueError("batch_size: this surface has no samples; batch size applies to data-backed surfaces only")
        return {}, np.zeros(len(racers) * S, dtype=np.int64), None
    sizes = [n if r.batch_size is None else int(r.batch_size) for r in racers]
    plans = {b: plan_batches(n, b, T, seed) for b in sorted(set(sizes))}
    return plans, np.repeat(np.array(sizes, dtype=np.int64), S), sizes


def race(
    problem,
    racers: Sequence[Racer],
    starts: Sequence[Sequence[float]],
    steps: int,
    seed: int = 0,
    hessian: bool = False,
    detail: bool = True,
) -> RunResult:
    """Step every racer from every start for the same `steps`, with the same batches.

    `detail=False` records only θ, the loss and η (for large basins of starts)."""
    racers = list(racers)
    if not 1 <= len(racers) <= MAX_RACERS:
        raise ValueError(f"optimizers: {len(racers)} given, the allowed range is [1, {MAX_RACERS}]")
    T = int(STEPS.check(steps, ""))
    seed = int(SEED.check(seed, ""))
    starts_np = _check_starts(problem, starts)
    S = len(starts_np)
    K = len(racers) * S
    if K * (T + 1) > MAX_POINT_STEPS:
        raise ValueError(
            f"steps × trajectories: {T} × {K} is too much work; keep (steps + 1) × trajectories ≤ {MAX_POINT_STEPS:,}"
        )
    R = len(racers)
    tb = _build_tables(racers, T)
    plans, row_bs, sizes = _weights_for(problem, racers, S, T, seed)

    theta_hist = torch.empty(T + 1, K, 2, dtype=DTYPE)
    theta_hist[0] = torch.as_tensor(np.tile(starts_np, (R, 1)), dtype=DTYPE)
    out: dict[str, np.ndarray] = {}
    _loop(problem, tb, theta_hist, plans, sizes, R, S, detail, out)

    with torch.no_grad():
        loss_t = over_points(problem.loss, problem, theta_hist.reshape(-1, 2)).reshape(T + 1, K)
        diverged_at = _find_divergence(problem, theta_hist, loss_t)
        _freeze(theta_hist, loss_t, diverged_at)
    theta, loss = theta_hist.numpy(), loss_t.numpy()

    res = RunResult(
        racers=racers, starts=starts_np, steps=T, seed=seed, theta=theta, loss=loss,
        grad_norm=np.zeros((T + 1, K)), lr=np.repeat(tb.lr, S, axis=1), diverged_at=diverged_at,
        batch_size=row_bs, epoch=_epochs(plans, sizes, S, T, K), batches=plans,
    )
    frozen = torch.as_tensor(theta.reshape(-1, 2))
    if detail:
        res.grad_norm = np.linalg.norm(over_points(problem.grad, problem, frozen).reshape(T + 1, K, 2).numpy(), axis=-1)
        after = np.arange(1, T + 1)[:, None] >= np.where(diverged_at < 0, T + 1, diverged_at)[None, :]
        for key in ("step_grad", "batch_loss", "sigma", "direction", "eff_step"):
            arr = out[key]
            arr[after] = np.nan
            setattr(res, key, arr)
    if hessian:
        res.eigvals = eigvals2(over_points(problem.hessian, problem, frozen)).reshape(T + 1, K, 2).numpy()
    return res


def _loop(problem, tb: _Tables, theta_hist, plans, sizes, R, S, detail, out) -> None:
    """The update, once.  State tensors are (R, S, 2): racer, start, coordinate; the
    coefficients are floats or (R, 1, 1) tensors that broadcast over the starts."""
    T = tb.lr.shape[0]
    K = R * S
    # m/σ scaled once: when no rule mixes g into the direction (c_g ≡ 0), c_m joins η
    fold = bool((tb.c_g == 0).all())
    c = {key: _Coef(getattr(tb, key)) for key in ("a_m", "b_m", "c_g", "c_m", "a_v", "b_v", "q", "e_out", "decay")}
    c["step"] = _Coef(tb.eta * tb.c_m if fold else tb.eta)
    use_m = not (c["a_m"].all_zero and c["b_m"].all_one and c["c_g"].all_zero and c["c_m"].all_one)
    use_v = not c["q"].all_zero or tb.is_max.any() or tb.is_dd.any()
    any_max, any_dd = bool(tb.is_max.any()), bool(tb.is_dd.any())
    use_wd, use_decay = bool((tb.wd != 0).any()), not c["decay"].all_one

    def col(a, dtype=DTYPE):
        return torch.as_tensor(a, dtype=dtype)[:, None, None]

    wd, beta_max, eps_x, rho = col(tb.wd), col(tb.beta_max), col(tb.eps_extra), col(tb.a_v[0])
    is_max, is_dd = col(tb.is_max, torch.bool), col(tb.is_dd, torch.bool)

    weights = _WeightFeed(problem, plans, sizes, S) if plans else None
    hist = theta_hist.view(T + 1, R, S, 2)
    m, v, u, acc = (torch.zeros(R, S, 2, dtype=DTYPE) for _ in range(4))
    ones = torch.ones(R, S, 2, dtype=DTYPE)
    if detail:
        g_hist, s_hist, d_hist = (torch.empty(T, R, S, 2, dtype=DTYPE) for _ in range(3))
        bl_hist = torch.empty(T, K, dtype=DTYPE)

    with torch.no_grad():
        for t in range(T):
            th = hist[t]
            w = weights.at(t) if weights is not None else None
            g = problem.grad(theta_hist[t], w).view(R, S, 2)
            if use_wd:
                g = torch.addcmul(g, wd, th)  # coupled L2 term, as torch.optim adds it to the gradient
            if use_m:  # m ← a_m·m + b_m·g
                b = c["b_m"].at(t)
                m.mul_(c["a_m"].at(t))
                m.add_(g, alpha=b) if isinstance(b, float) else m.addcmul_(b, g)
                d = m if fold else _axpy(c["c_g"].at(t) * g, c["c_m"].at(t), m)
            else:
                d = g
            step = c["step"].at(t)
            base = th * c["decay"].at(t) if use_decay else th  # AdamW: θ(1 − η·wd) first
            if use_v:  # v ← a_v·v + b_v·g²;  σ = sqrt(q·v) + e_out
                b = c["b_v"].at(t)
                v.mul_(c["a_v"].at(t))
                v.addcmul_(g, g, value=b) if isinstance(b, float) else v.addcmul_(b, g * g)
                q = c["q"].at(t)
                sigma = (v.sqrt() if isinstance(q, float) and q == 1.0 else torch.mul(v, q).sqrt_()).add_(c["e_out"].at(t))
                if any_max:
                    u = torch.maximum(u * beta_max, g.abs() + eps_x)
                    sigma = torch.where(is_max, u, sigma)
                if any_dd:
                    sigma = torch.where(is_dd, torch.sqrt(v + eps_x) / torch.sqrt(acc + eps_x), sigma)
                if isinstance(step, float) and not (tb.guard or any_dd):
                    torch.addcdiv(base, d, sigma, value=-step, out=hist[t + 1])
                    ratio = None
                else:
                    ratio = d / sigma
                    if tb.guard:  # book rules have no ε: σ = 0 only where every gradient so far is 0
                        ratio = torch.where(d == 0, torch.zeros_like(ratio), ratio)
                    if any_dd:  # Δ ← ρΔ + (1−ρ)(g/σ)²; ρ is Adadelta's a_v, constant over the steps
                        acc = torch.where(is_dd, torch.addcmul(acc * rho, 1 - rho, ratio * ratio), acc)
            else:
                sigma, ratio = ones, d
            if ratio is not None:
                if isinstance(step, float):
                    torch.add(base, ratio, alpha=-step, out=hist[t + 1])
                else:
                    torch.addcmul(base, step, ratio, value=-1.0, out=hist[t + 1])
            if detail:
                g_hist[t] = g
                s_hist[t] = sigma
                d_hist[t] = d if not fold else d * c["c_m"].at(t)
                if w is not None:
                    bl_hist[t] = problem.loss(theta_hist[t], w)
    if detail:
        f = torch.as_tensor(tb.f, dtype=DTYPE)[:, :, None, None]
        inside = col(tb.eta_inside, torch.bool)
        lr = torch.as_tensor(tb.lr, dtype=DTYPE)[:, :, None, None]
        sigma_true = torch.where(inside, s_hist, s_hist / f)
        out["step_grad"] = g_hist.reshape(T, K, 2).numpy()
        out["sigma"] = sigma_true.reshape(T, K, 2).numpy()
        out["direction"] = d_hist.reshape(T, K, 2).numpy()
        out["eff_step"] = (lr / sigma_true).reshape(T, K, 2).numpy()
        if weights is None:
            bl_hist = over_points(problem.loss, problem, theta_hist[:-1].reshape(-1, 2)).reshape(T, K)
        out["batch_loss"] = bl_hist.numpy()


POINT_SAMPLES_PER_CHUNK = 1_000_000  # points × samples evaluated at once after the loop (bounds memory)


def over_points(fn, problem, pts: torch.Tensor) -> torch.Tensor:
    """fn(pts) for a function of (P, 2) points, in chunks when every point costs a pass
    over N samples: 16 000 points × 200 samples at once would hold ~25 MB per
    intermediate (and autograd keeps several)."""
    n = getattr(problem, "n_samples", None) or 1
    chunk = max(1024, POINT_SAMPLES_PER_CHUNK // n)
    if len(pts) <= chunk:
        return fn(pts)
    return torch.cat([fn(pts[i : i + chunk]) for i in range(0, len(pts), chunk)])


def _axpy(x: torch.Tensor, a, y: torch.Tensor) -> torch.Tensor:
    """x + a·y for a float or a broadcasting tensor a."""
    return torch.add(x, y, alpha=a) if isinstance(a, float) else torch.addcmul(x, a, y)


class _WeightFeed:
    """The (K, N) sample weights of step t: 1/|batch| (mean losses) or 1 (summed
    losses) on the batch's samples, 0 elsewhere."""

    def __init__(self, problem, plans: dict[int, BatchPlan], sizes: list[int], S: int):
        self.sum = problem.reduction == "sum"
        self.order = sorted(plans)
        self.masks = torch.stack([plans[b].mask for b in self.order], dim=1)  # (T, G, N)
        self.group = torch.as_tensor(np.repeat([self.order.index(b) for b in sizes], S), dtype=torch.long)
        counts = self.masks.sum(-1, keepdim=True).to(DTYPE)
        self.scale = torch.ones_like(counts) if self.sum else 1.0 / counts  # (T, G, 1)

    def at(self, t: int) -> torch.Tensor:
        w = self.masks[t].to(DTYPE) * self.scale[t]
        return w[self.group]


def _epochs(plans, sizes, S, T, K) -> np.ndarray:
    if not plans:
        return np.zeros((T, K), dtype=np.int64)
    per_racer = np.stack([np.asarray(plans[b].epoch) for b in sizes], axis=1)
    return np.repeat(per_racer, S, axis=1)


def _find_divergence(problem, theta: torch.Tensor, loss: torch.Tensor) -> np.ndarray:
    """First step k whose θ_k is non-finite or out of bounds, or whose loss is not finite; −1 if none."""
    lo, hi = _bounds(problem)
    low, high = torch.aminmax(theta.reshape(-1))  # one pass; NaN propagates into both
    fine = bool(low >= lo.max()) and bool(high <= hi.min())  # stricter than needed, so exact when true
    if fine and bool(torch.isfinite(loss.sum())):  # the common case: no per-row pass
        return np.full(theta.shape[1], -1, dtype=np.int64)
    centre = torch.as_tensor((lo + hi) / 2, dtype=DTYPE)
    reach = float((hi - lo)[0] / 2)
    dev = (theta - centre).abs().amax(-1)
    bad = ~(dev <= reach) | ~torch.isfinite(loss)  # NaN fails every comparison
    any_bad = bad.any(0)
    first = bad.to(torch.uint8).argmax(0)
    return torch.where(any_bad, first, -1).numpy().astype(np.int64)


def _freeze(theta: torch.Tensor, loss: torch.Tensor, diverged_at: np.ndarray) -> None:
    """In place: a diverged row keeps its last usable θ and loss from then on."""
    if not (diverged_at > 0).any():
        return
    steps = theta.shape[0]
    last = torch.as_tensor(np.where(diverged_at > 0, diverged_at - 1, steps - 1))
    idx = torch.minimum(torch.arange(steps)[:, None], last[None, :])  # (T+1, K)
    theta.copy_(theta.gather(0, idx[..., None].expand_as(theta)))
    loss.copy_(loss.gather(0, idx))


def eigvals2(h: torch.Tensor) -> torch.Tensor:
    """Ascending eigenvalues of symmetric 2×2 matrices (..., 2, 2), closed form:
    λ = (a+c)/2 ∓ hypot((a−c)/2, b)."""
    a, b, c = h[..., 0, 0], 0.5 * (h[..., 0, 1] + h[..., 1, 0]), h[..., 1, 1]
    mean = 0.5 * (a + c)
    r = torch.hypot(0.5 * (a - c), b)
    return torch.stack([mean - r, mean + r], dim=-1)
