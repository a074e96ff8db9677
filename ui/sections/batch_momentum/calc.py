"""§3.2 calculations: each batch's own error surface, its minimum and gradients; the epoch
counters; the batch window the view animates; momentum's parts and past-gradient weights.

Pure: the functions take a built problem or a `RaceResult`; the page holds their bounded
`st.cache_data` wrappers (plain keys in, numpy out).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from optim_lab.family import positions
from surfaces.base import DTYPE, Grid, newton
from ui.common.result import RaceResult
from ui.sections.batch_momentum.figures import MAX_BATCH_FRAMES  # frames: consecutive batches the view animates

BAR_WINDOW = 40  # past gradients shown inside the momentum
LAMBDA_RANGE = (0.0, 0.99, 0.01)  # the momentum slider: from, to, step
LAMBDA_POSITIONS = positions(*LAMBDA_RANGE)  # every value it can take: the live control's family


def batch_surfaces(problem, batches: list[list[int]], sites: Grid) -> np.ndarray:
    """(F, n, n) loss of each batch on the grid (one per-sample evaluation, one matmul)."""
    with torch.no_grad():
        per = problem.per_sample(sites.tensor())  # (P, N)
        z = per @ problem.batch_weights(batches).T  # (P, F)
    z = z.T.reshape(len(batches), len(sites.ys), len(sites.xs)).numpy()
    return np.where(np.isfinite(z), z, np.nan)


def batch_grads(problem, batches: list[list[int]], points: np.ndarray) -> np.ndarray:
    """(F, 2) gradient of batch f at points[f]."""
    th = torch.as_tensor(np.asarray(points, np.float64).reshape(-1, 2), dtype=DTYPE)
    with torch.no_grad():
        return problem.grad(th, problem.batch_weights(batches)).numpy()


def full_grads(problem, points: np.ndarray) -> np.ndarray:
    th = torch.as_tensor(np.asarray(points, np.float64).reshape(-1, 2), dtype=DTYPE)
    with torch.no_grad():
        return problem.grad(th).numpy()


def batch_minima(problem, batches: list[list[int]], starts: np.ndarray, box, iters: int = 60) -> np.ndarray:
    """(F, 2): for each batch, the minimum of its loss nearest to starts[f], by Newton's method
    (pseudo-inverse of the batch Hessian, so a batch whose minima form a line, e.g. one sample
    of a linear regression, gives the point of that line reached from the start).  NaN where
    the batch has no finite minimum near the view (e.g. one sample of a logistic regression)."""
    w = problem.batch_weights(batches)
    start = torch.as_tensor(np.asarray(starts, np.float64).reshape(-1, 2), dtype=DTYPE)
    x0, x1, y0, y1 = box
    span = max(x1 - x0, y1 - y0)
    th = newton(problem, start, w, iters=iters, max_step=0.5 * span, tol=1e-12 * span)
    with torch.no_grad():
        g0 = problem.grad(start, w).norm(dim=1)
        g_end = problem.grad(th, w).norm(dim=1)
    out = th.numpy().copy()
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    far = (np.abs(out[:, 0] - cx) > 1.5 * (x1 - x0)) | (np.abs(out[:, 1] - cy) > 1.5 * (y1 - y0))
    stuck = g_end.numpy() > 1e-6 * np.maximum(g0.numpy(), 1e-12)
    out[far | stuck | ~np.isfinite(out).all(axis=1)] = np.nan
    return out


# -- part 1: batches -------------------------------------------------------------------------------
BATCH_KINDS = ("full", "mini", "one")


def default_batch_size(n: int) -> int:
    return max(1, min(n, round(n / 5)))


def batch_sizes(n: int, mini: int) -> dict[str, int]:
    return {"full": n, "mini": int(mini), "one": 1}


@dataclass(frozen=True)
class EpochCount:
    """Where step k of a run with batch size B falls: ⌈N/B⌉ updates per epoch."""

    batch_size: int
    per_epoch: int
    epoch: int  # 1-based epoch of step k
    update: int  # 1-based update within that epoch
    epochs_done: float  # epochs the whole run covers


def epoch_count(result: RaceResult, i: int, n: int, k: int, steps: int) -> EpochCount:
    b = int(result.batch_size[i]) or n
    per = math.ceil(n / b)
    return EpochCount(b, per, int(result.epoch[k - 1, i]) + 1, (k - 1) % per + 1, steps / per)


def per_epoch(n: int, b: int) -> int:
    return math.ceil(n / b)


def epoch_axis_end(n: int, sizes, steps: int) -> float:
    """The epoch count of the run with the fewest epochs: up to there every run has data."""
    return min(steps / per_epoch(n, b) for b in sizes)


@dataclass(frozen=True)
class LossCurves:
    """One run's full loss at θ_k and its batch's loss at θ_{k−1}, on an axis of updates or epochs."""

    x: np.ndarray
    loss: np.ndarray
    x_batch: np.ndarray
    batch_loss: np.ndarray
    mark: float  # where the selected step sits on that axis


def loss_curves(result: RaceResult, i: int, n: int, k: int, by_epochs: bool) -> LossCurves:
    scale = per_epoch(n, int(result.batch_size[i]) or n) if by_epochs else 1
    end = result.end(i)
    batch_loss = result.batch_loss[: max(end - 1, 0), i]
    return LossCurves(np.arange(end) / scale, result.loss[:end, i], np.arange(len(batch_loss)) / scale, batch_loss, k / scale)


@dataclass(frozen=True)
class BatchWindow:
    """The consecutive steps the batch view animates, and the batch each step used."""

    steps: list[int]  # k of each frame
    batches: tuple[tuple[int, ...], ...]  # sample indices of each frame's batch
    points: np.ndarray  # (F, 2) θ_{k−1}, where each step's gradient was taken
    grads: np.ndarray  # (F, 2) the batch gradient each step used
    active: int  # the frame of the selected step

    @property
    def first(self) -> int:
        return self.steps[0]


def batch_window(result: RaceResult, i: int, k: int, at_most: int = MAX_BATCH_FRAMES) -> BatchWindow:
    """Up to `at_most` steps around step k of row i (before its divergence), k among them."""
    d = result.diverged(i)
    last = result.steps if d is None else max(1, d - 1)
    nf = min(at_most, last)
    k = min(k, last)
    first = max(1, min(k, last - nf + 1))
    window = list(range(first, first + nf))
    plan = result.batches[int(result.batch_size[i])].indices
    batches = tuple(tuple(int(v) for v in plan[j - 1]) for j in window)
    points = np.array([result.theta[j - 1, i] for j in window], np.float64)
    grads = np.array([result.step_grad[j - 1, i] for j in window], np.float64)
    return BatchWindow(window, batches, points, grads, k - first)


def next_batch(result: RaceResult, i: int, k: int) -> tuple[int, ...] | None:
    """The batch of step k + 1 of row i (None after the last step)."""
    plan = result.batches[int(result.batch_size[i])].indices
    return tuple(int(v) for v in plan[k]) if k < len(plan) else None


# -- part 2: momentum -------------------------------------------------------------------------------
@dataclass(frozen=True)
class MomentumStep:
    """Book momentum at step k: m_k = λ·m_{k−1} − η_k·g_{k−1}, and θ_k = θ_{k−1} + m_k.

    m is read off the trajectory (θ_k − θ_{k−1}), so it does not depend on how the engine
    records its internals."""

    k: int
    theta: np.ndarray  # (2,) θ_{k−1}, where the step starts
    m_prev: np.ndarray  # (2,) m_{k−1}
    m: np.ndarray  # (2,) m_k, the movement of step k
    grad: np.ndarray  # (2,) g_{k−1}
    eta: float
    lam: float

    @property
    def kept(self) -> np.ndarray:
        return self.lam * self.m_prev

    @property
    def pushed(self) -> np.ndarray:
        return -self.eta * self.grad


def momentum_step(result: RaceResult, i: int, k: int, lam: float) -> MomentumStep:
    move = result.movement(i)
    m_prev = move[k - 2] if k >= 2 else np.zeros(2)
    s = result.step(i, k)
    return MomentumStep(k, np.asarray(s.theta_prev, np.float64), np.asarray(m_prev, np.float64), np.asarray(move[k - 1]),
                        s.grad, s.eta, lam)


ARROW_KEYS = ("prev", "grad", "move")


ARROW_GAP = 0.07  # between side-by-side arrows, as a share of the view: their labels must not touch


def arrow_offsets(parts: dict, delta: float) -> dict:
    """Nearly collinear arrows would hide each other: draw them on three parallel rails
    (drawing only: the lengths and directions stay true).  λm takes the middle rail; m the
    outer rail on the side its label sits (labels sit beyond each head, towards the arrow's
    direction), −ηg the other outer rail, so no label lands on another arrow."""
    zero = np.zeros(2)
    a, b = parts["prev"], parts["grad"]
    na, nb = float(np.hypot(*a)), float(np.hypot(*b))
    if na == 0 or nb == 0 or abs(float(a @ b)) < 0.9 * na * nb:
        return {"prev": zero, "grad": zero, "move": zero}
    u = a / na
    perp = np.array([-u[1], u[0]])

    def label_side(v) -> float:  # the side of the rails the arrow's label is drawn on
        return 1.0 if float(perp @ np.where(v >= 0, 1.0, -1.0)) >= 0 else -1.0

    side = label_side(parts["move"])
    return {"prev": zero, "grad": -side * delta * perp, "move": side * delta * perp}


def momentum_arrows(step: MomentumStep, box) -> tuple[list[tuple[str, tuple, tuple]], float]:
    """([(part, from, to)], scale): λm_{k−1} from θ, then −ηg from its tip, and the movement m_k
    from θ, all scaled by one factor so the longest is a quarter of the view."""
    x0, x1, y0, y1 = box
    span = min(x1 - x0, y1 - y0)
    parts = {"prev": step.kept, "grad": step.pushed, "move": step.m}
    longest = max(float(np.hypot(*v)) for v in parts.values())
    scale = 0.25 * span / longest if longest > 0 else 1.0
    shift = arrow_offsets(parts, ARROW_GAP * span)
    theta = step.theta
    tip = theta + scale * parts["prev"]
    out = []
    for key, frm, to in (("prev", theta, tip), ("grad", tip, tip + scale * parts["grad"]),
                         ("move", theta, theta + scale * parts["move"])):
        frm, to = frm + shift[key], to + shift[key]
        if float(np.hypot(*(to - frm))) > 1e-9 * span:
            out.append((key, (float(frm[0]), float(frm[1])), (float(to[0]), float(to[1]))))
    return out, scale


def past_gradient_weights(result: RaceResult, i: int, k: int, lam: float, window: int = BAR_WINDOW):
    """(j, book weights, PyTorch weights): how much of g_j is inside the movement of step k.
    Book: λ^{k−j}·η_j (η inside m); PyTorch: η_k·μ^{k−j} (η applied at the step)."""
    js = np.arange(max(1, k - window + 1), k + 1)
    book = lam ** (k - js) * result.lr[js - 1, i]
    torch_ = float(result.lr[k - 1, i]) * lam ** (k - js)
    return js - 1, book, torch_
