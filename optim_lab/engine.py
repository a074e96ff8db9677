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

from surfaces.spec import Param, resolve

from .batches import BatchPlan, plan_batches
from .optimizers import CUSTOM, OptimizerSpec, custom_optimizer, get_optimizer
from .schedules import get_schedule
from .update import RowCoeffs, State, Tables, apply, row_coeffs, sam_point, sam_row_point

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
    eff_step: np.ndarray | None = None  # (T, K, 2) the factor applied to d: θ_k = θ_{k−1}·decay_k − eff_step ⊙ direction
    decay: np.ndarray | None = None  # (T, K) decoupled weight decay factor of step k (1 except AdamW)
    eigvals: np.ndarray | None = None  # (T+1, K, 2) ascending Hessian eigenvalues of the full loss
    batches: dict[int, BatchPlan] = field(default_factory=dict)
    grads_per_step: np.ndarray | None = None  # (K,) gradient evaluations one step of the row takes: 2 for SAM, else 1

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



def grads_per_step(r: Racer) -> int:
    """Gradient evaluations one step of `r` takes: 2 for SAM's gradient with ρ > 0 (`sam`, and
    build-your-own with SAM's gradient), else 1."""
    spec = r.spec()
    return spec.gradient_evaluations(spec.resolve(dict(r.hparams)))


def _row_coeffs(r: Racer, T: int) -> RowCoeffs:
    spec = r.spec()
    lr_t = get_schedule(r.schedule).etas(r.resolved_lr(), T, dict(r.sched_params))
    return row_coeffs(spec, spec.resolve(dict(r.hparams)), lr_t)


def _weights_for(problem, batch_sizes, S, T, seed) -> tuple[dict[int, BatchPlan], np.ndarray, list | None]:
    """Batch plans per batch size, the per-row batch size, and a per-step weight builder.
    `batch_sizes`: one per racer (None = full batch)."""
    n = problem.n_samples
    if n is None:
        if any(b is not None for b in batch_sizes):
            raise ValueError("batch_size: this surface has no samples; batch size applies to data-backed surfaces only")
        return {}, np.zeros(len(batch_sizes) * S, dtype=np.int64), None
    sizes = [n if b is None else int(b) for b in batch_sizes]
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
    tables = Tables([_row_coeffs(r, T) for r in racers], rest=(1, 1), param_dims=1)
    plans, row_bs, sizes = _weights_for(problem, [r.batch_size for r in racers], S, T, seed)

    theta_hist = torch.empty(T + 1, K, 2, dtype=DTYPE)
    theta_hist[0] = torch.as_tensor(np.tile(starts_np, (R, 1)), dtype=DTYPE)
    out: dict[str, np.ndarray] = {}
    _loop(problem, tables, theta_hist, plans, sizes, R, S, detail, out)

    with torch.no_grad():
        loss_t = over_points(problem.loss, problem, theta_hist.reshape(-1, 2)).reshape(T + 1, K)
        diverged_at = _find_divergence(problem, theta_hist, loss_t)
        _freeze(theta_hist, loss_t, diverged_at)
    theta, loss = theta_hist.numpy(), loss_t.numpy()

    res = RunResult(
        racers=racers, starts=starts_np, steps=T, seed=seed, theta=theta, loss=loss,
        grad_norm=np.zeros((T + 1, K)), lr=np.repeat(tables.lr, S, axis=1), diverged_at=diverged_at,
        batch_size=row_bs, epoch=_epochs(plans, sizes, S, T, K), batches=plans,
        grads_per_step=np.repeat(np.array([grads_per_step(r) for r in racers], dtype=np.int64), S),
    )
    frozen = torch.as_tensor(theta.reshape(-1, 2))
    if detail:
        res.grad_norm = np.linalg.norm(over_points(problem.grad, problem, frozen).reshape(T + 1, K, 2).numpy(), axis=-1)
        after = np.arange(1, T + 1)[:, None] >= np.where(diverged_at < 0, T + 1, diverged_at)[None, :]
        res.decay = np.repeat(tables.decay, S, axis=1)
        for key in ("step_grad", "batch_loss", "sigma", "direction", "eff_step"):
            arr = out[key]
            arr[after] = np.nan
            setattr(res, key, arr)
    if hessian:
        res.eigvals = eigvals2(over_points(problem.hessian, problem, frozen)).reshape(T + 1, K, 2).numpy()
    return res


BATCH_SIZE = "batch_size"  # a sweep axis of data-backed surfaces: rows step with batches of different sizes


def batched_coeffs(r: Racer, T: int, axes: Mapping[str, np.ndarray]) -> tuple[RowCoeffs, int]:
    """The coefficients of R rows of one racer whose values of `axes` differ per row, in one
    call of its rules and schedule (no per-row loop): `axes` maps "lr", a hyper-parameter of
    the optimizer or a parameter of its schedule to R values; each array is checked against
    its `Param` in one pass.  Returns (coefficients broadcasting to (T, R), R)."""
    spec = r.spec()
    sched = get_schedule(r.schedule)
    opt_names = {p.name for p in spec.params}
    sched_names = {p.name for p in sched.params}
    lens = {len(np.ravel(v)) for v in axes.values()}
    if len(lens) != 1:
        raise ValueError(f"sweep axes: every axis needs one value per row, got lengths {sorted(lens)}")
    R = lens.pop()
    hp_vals, sp_vals = dict(r.hparams), dict(r.sched_params)
    lr = r.resolved_lr()
    for name, values in axes.items():
        row = np.ravel(np.asarray(values, dtype=np.float64))
        if name == "lr":
            lr = spec.lr_param().check_array(row, f"optimizer {r.optimizer}").reshape(1, R)
        elif name in opt_names and name in sched_names:
            raise ValueError(f"sweep axis {name!r}: both the optimizer and the schedule have it")
        elif name in opt_names:
            hp_vals[name] = row
        elif name in sched_names:
            sp_vals[name] = row
        else:
            allowed = ", ".join(["lr", *sorted(opt_names | sched_names)])
            raise ValueError(f"sweep axis {name!r}: not a parameter of {r.optimizer} or its schedule (allowed: {allowed})")
    hp = {k: np.reshape(v, (1, R)) if np.ndim(v) else v
          for k, v in resolve(f"optimizer {r.optimizer}", spec.params, hp_vals).items()}
    lr_t = sched.etas(lr, T, sp_vals)
    lr_t = lr_t[:, None] if lr_t.ndim == 1 else lr_t
    return row_coeffs(spec, hp, lr_t), R


@dataclass
class SweepResult:
    """R runs of one racer from one start, each row with its own hyper-parameter values."""

    racer: Racer
    axes: dict[str, np.ndarray]  # name → (R,) the value of each row
    start: np.ndarray  # (2,)
    steps: int
    seed: int
    theta: np.ndarray  # (R, 2) θ_T (the last usable θ where a row diverged)
    loss: np.ndarray  # (T+1, R) full loss at θ_k, frozen after divergence
    diverged_at: np.ndarray  # (R,) first unusable step, −1 if none
    batch_size: np.ndarray  # (R,) 0 where the surface has no samples
    path: np.ndarray | None = None  # (T+1, R, 2) every θ_k, frozen after divergence (with paths=True)


def sweep(problem, racer: Racer, axes: Mapping[str, Sequence[float]], start: Sequence[float], steps: int,
          seed: int = 0, paths: bool = False) -> SweepResult:
    """One racer from one start, R rows whose values of `axes` differ (a hyper-parameter map):
    one batched call — coefficient tables built for all rows at once (`batched_coeffs`,
    `Tables.batched`), then the same `_loop`/`apply` as `race`.  `axes` may name
    "batch_size" on data-backed surfaces: rows are grouped by batch size with the same
    seeded batches, as in a race.  Bounded like a race: rows × (steps + 1) ≤ MAX_POINT_STEPS.
    `paths=True` keeps every row's whole path (a family of runs, `optim_lab.family`)."""
    T = int(STEPS.check(steps, ""))
    seed = int(SEED.check(seed, ""))
    start_np = _check_starts(problem, [start])
    axes = {k: np.ravel(np.asarray(v, dtype=np.float64)) for k, v in axes.items()}
    if not axes:
        raise ValueError("sweep: name at least one axis")
    coeff_axes = {k: v for k, v in axes.items() if k != BATCH_SIZE}
    R = len(next(iter(axes.values())))
    if not 1 <= R <= MAX_STARTS * MAX_RACERS:
        raise ValueError(f"sweep: {R} rows, the allowed range is [1, {MAX_STARTS * MAX_RACERS}]")
    if R * (T + 1) > MAX_POINT_STEPS:
        raise ValueError(f"steps × rows: {T} × {R} is too much work; keep (steps + 1) × rows ≤ {MAX_POINT_STEPS:,}")
    coeffs, n = batched_coeffs(racer, T, coeff_axes or {"lr": np.full(R, racer.resolved_lr())})
    if n != R:
        raise ValueError(f"sweep axes: every axis needs one value per row, got {n} and {R}")
    if BATCH_SIZE in axes:
        if problem.n_samples is None:
            raise ValueError("batch_size: this surface has no samples; batch size applies to data-backed surfaces only")
        b = Param(BATCH_SIZE, 1, 1, problem.n_samples, integer=True).check_array(axes[BATCH_SIZE], "")
        batch_sizes = [int(v) for v in b]
    else:
        batch_sizes = [racer.batch_size] * R
    tables = Tables.batched(coeffs, R, rest=(1, 1), param_dims=1)
    theta_hist, loss_t, diverged_at, row_bs = _rows(problem, tables, start_np[0], batch_sizes, T, seed)
    return SweepResult(racer=racer, axes=axes, start=start_np[0], steps=T, seed=seed, theta=theta_hist[-1].numpy().copy(),
                       loss=loss_t.numpy(), diverged_at=diverged_at, batch_size=row_bs,
                       path=theta_hist.numpy() if paths else None)


def sweeps(problem, racers: Sequence[Racer], axes: Sequence[Mapping[str, Sequence[float]]], start: Sequence[float],
           steps: int, seed: int = 0, paths: bool = False) -> list[SweepResult]:
    """Several racers' sweeps from one start as ONE batched loop: racer i's rows are its values
    of `axes[i]` (as `sweep` takes them; batch size is the racer's own), all racers' rows step
    together through the same `_loop`/`apply` (`Tables.stacked`), as a race steps its racers.
    One result per racer, as `sweep` returns it (its arrays views of the shared ones)."""
    racers = list(racers)
    if not racers or len(racers) != len(axes):
        raise ValueError(f"sweeps: {len(racers)} racers and {len(axes)} axes; give one axes mapping per racer (at least one)")
    T = int(STEPS.check(steps, ""))
    seed = int(SEED.check(seed, ""))
    start_np = _check_starts(problem, [start])
    blocks, all_axes = [], []
    for r, ax in zip(racers, axes, strict=True):
        ax = {k: np.ravel(np.asarray(v, dtype=np.float64)) for k, v in ax.items()}
        if not ax or BATCH_SIZE in ax:
            raise ValueError("sweeps: name at least one axis per racer (batch size is each racer's own)")
        blocks.append(batched_coeffs(r, T, ax))
        all_axes.append(ax)
    R = sum(n for _, n in blocks)
    if not 1 <= R <= MAX_STARTS * MAX_RACERS:
        raise ValueError(f"sweeps: {R} rows, the allowed range is [1, {MAX_STARTS * MAX_RACERS}]")
    if R * (T + 1) > MAX_POINT_STEPS:
        raise ValueError(f"steps × rows: {T} × {R} is too much work; keep (steps + 1) × rows ≤ {MAX_POINT_STEPS:,}")
    tables = Tables.stacked(blocks, rest=(1, 1), param_dims=1)
    sizes_of = [r.batch_size for r, (_, n) in zip(racers, blocks, strict=True) for _ in range(n)]
    theta_hist, loss_t, diverged_at, row_bs = _rows(problem, tables, start_np[0], sizes_of, T, seed)
    theta, loss = theta_hist.numpy(), loss_t.numpy()
    out, a = [], 0
    for r, ax, (_, n) in zip(racers, all_axes, blocks, strict=True):
        rows = slice(a, a + n)
        out.append(SweepResult(racer=r, axes=ax, start=start_np[0], steps=T, seed=seed, theta=theta[-1, rows].copy(),
                               loss=loss[:, rows], diverged_at=diverged_at[rows], batch_size=row_bs[rows],
                               path=theta[:, rows] if paths else None))
        a += n
    return out


def _rows(problem, tables: Tables, start: np.ndarray, batch_sizes: list, T: int, seed: int):
    """R rows from one start through `_loop` (a sweep's, or several racers' sweeps): the paths
    (T+1, R, 2), the loss at every point and each row's divergence step (rows frozen after it),
    and each row's batch size."""
    R = tables.R
    plans, row_bs, sizes = _weights_for(problem, batch_sizes, 1, T, seed)
    theta_hist = torch.empty(T + 1, R, 2, dtype=DTYPE)
    theta_hist[0] = torch.as_tensor(start, dtype=DTYPE)
    _loop(problem, tables, theta_hist, plans, sizes, R, 1, False, {})
    with torch.no_grad():
        loss_t = over_points(problem.loss, problem, theta_hist.reshape(-1, 2)).reshape(T + 1, R)
        diverged_at = _find_divergence(problem, theta_hist, loss_t)
        _freeze(theta_hist, loss_t, diverged_at)
    return theta_hist, loss_t, diverged_at, row_bs


def _loop(problem, tables: Tables, theta_hist, plans, sizes, R, S, detail, out) -> None:
    """θ_k = θ_{k−1}·decay_k − (η_k/σ_k) ⊙ d_k for every row, k = 1..T.  State is
    (R, S, 2): racer, start, coordinate; racers differ only in their coefficients."""
    T, K = tables.T, R * S
    weights = _WeightFeed(problem, plans, sizes, S) if plans else None
    hist = theta_hist.view(T + 1, R, S, 2)
    state = State.zeros_like(hist[0])
    if detail:
        g_hist, d_hist, s_hist = (torch.ones(T, R, S, 2, dtype=DTYPE) for _ in range(3))
        bl_hist = torch.empty(T, K, dtype=DTYPE)
        # the records are written through numpy views: a copy into a row costs a third of torch's
        g_rec, d_rec, s_rec = g_hist.numpy(), d_hist.numpy(), s_hist.numpy()
    h_rec = hist.numpy()
    stepped = hist[0].clone() if tables.anchored else None  # schedule-free steps y; the history shows x
    # SAM's one row of a one-start race without batches: its second gradient at its own point alone
    one_sam = tables.sam_row is not None and S == 1 and weights is None
    point = torch.empty(1, 2, dtype=DTYPE)  # that point, written through its numpy view
    with torch.no_grad():
        for t in range(T):
            w = weights.at(t) if weights is not None else None
            c = tables.at(t)
            at = hist[t] if stepped is None else stepped
            g = problem.grad(at.reshape(K, 2), w).view(R, S, 2)
            if tables.sam:  # SAM: the step's gradient is the one at θ + ρ·g/‖g‖ (same batch)
                xy = sam_row_point(at, g, c, tables) if one_sam else None
                if xy is None:
                    g = problem.grad(sam_point(at, g, c, tables).reshape(K, 2), w).view(R, S, 2)
                else:  # the other rows keep g: the gradient at their θ, where ρ = 0 leaves them
                    point.numpy()[0] = xy
                    g.numpy()[tables.sam_row, 0] = problem.grad(point).numpy()[0]
            step = apply(at, g, state, c, tables, out=hist[t + 1] if stepped is None else None)
            if stepped is not None:
                stepped = step.theta
                h_rec[t + 1] = step.report.numpy()
            if detail:
                g_rec[t], d_rec[t] = step.g.numpy(), step.d.numpy()
                if step.sigma is not None:
                    s_rec[t] = step.sigma.numpy()
                if w is not None:
                    bl_hist[t] = problem.loss(theta_hist[t], w)
    if detail:
        def per_row(table):  # (T, R) → (T, R, 1, 1)
            return torch.as_tensor(table, dtype=DTYPE)[:, :, None, None]

        out["step_grad"] = g_hist.reshape(T, K, 2).numpy()
        out["direction"] = d_hist.reshape(T, K, 2).numpy()
        out["sigma"] = (s_hist / per_row(tables.f)).reshape(T, K, 2).numpy()  # σ of the unified form: f_k moved from η to σ
        out["eff_step"] = (per_row(tables.eta) / s_hist).reshape(T, K, 2).numpy()  # the factor actually applied to d
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


class _WeightFeed:
    """The (K, N) sample weights of step t: each row gets its batch size's batch of step t,
    weighted by `Problem.batch_weights` (1/|batch| for mean losses, 1 for summed ones)."""

    def __init__(self, problem, plans: dict[int, BatchPlan], sizes: list[int], S: int):
        self.problem = problem
        order = sorted(plans)
        self.masks = torch.stack([plans[b].mask for b in order], dim=1)  # (T, G, N)
        self.group = torch.as_tensor(np.repeat([order.index(b) for b in sizes], S), dtype=torch.long)

    def at(self, t: int) -> torch.Tensor:
        return self.problem.batch_weights(self.masks[t])[self.group]


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
