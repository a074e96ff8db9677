"""What a race hands to the pages: typed, numpy only, cheap to cache.

`RaceResult` is the engine's `RunResult` as plain arrays (no tensors, no racers);
`Race` adds what the view needs to draw it (surface, names, colours, the problem).
Index conventions follow the engine: θ_k is row k of `theta` (θ_0 the start), the
quantities of step k (the update θ_{k−1} → θ_k) are row k − 1 of the (T, …) arrays.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# (T+1, K, …): one row per state θ_0 … θ_T
STATE_FIELDS = ("theta", "loss", "grad_norm", "eigvals")
# (T, K, …): one row per step k = 1 … T
STEP_FIELDS = ("lr", "sigma", "direction", "eff_step", "decay", "step_grad", "batch_loss", "epoch")


@dataclass(frozen=True)
class BatchInfo:
    """The batches one batch size drew: `indices[k − 1]` is the batch of step k."""

    indices: Sequence[Sequence[int]]
    epoch: Sequence[int]  # 0-based epoch of each step
    per_epoch: int  # ⌈N/B⌉ updates per epoch


@dataclass(frozen=True)
class StepRecord:
    """Step k of one row, as the engine applied it:
    θ_k = decay_k·θ_{k−1} − eff_k ⊙ d_k   (decay_k = 1 except for decoupled weight decay)."""

    k: int
    theta_prev: np.ndarray  # (2,) θ_{k−1}
    theta: np.ndarray  # (2,) θ_k
    eta: float  # η_k
    sigma: np.ndarray | None  # (2,) σ_k
    eff: np.ndarray | None  # (2,) the factor applied to d_k
    direction: np.ndarray | None  # (2,) d_k
    decay: float  # 1 unless decoupled weight decay shrinks θ first
    grad: np.ndarray | None  # (2,) the gradient the step used


def read_only(a: np.ndarray) -> np.ndarray:
    """`a` as a read-only array of its own memory, to be shared between sessions: a view (or an
    array on another object's memory, an unpickled buffer, a tensor) is copied first, since its
    memory could still change through its owner; figures' keys hash such an array once
    (`view._frozen_digest`)."""
    out = a if a.flags.owndata else a.copy()
    out.flags.writeable = False
    return out


@dataclass
class RaceResult:
    """One race; row i = racer i (the app races from one start)."""

    theta: np.ndarray  # (T+1, K, 2)
    loss: np.ndarray  # (T+1, K)
    grad_norm: np.ndarray  # (T+1, K)
    lr: np.ndarray  # (T, K)
    diverged_at: np.ndarray  # (K,) −1 if none
    batch_size: np.ndarray  # (K,) 0 where the surface has no samples
    epoch: np.ndarray  # (T, K)
    steps: int
    starts: np.ndarray  # (S, 2)
    step_grad: np.ndarray | None = None  # (T, K, 2)
    batch_loss: np.ndarray | None = None  # (T, K)
    sigma: np.ndarray | None = None  # (T, K, 2)
    direction: np.ndarray | None = None  # (T, K, 2) d_k
    eff_step: np.ndarray | None = None  # (T, K, 2) the factor applied to d_k
    decay: np.ndarray | None = None  # (T, K) decoupled weight decay factor (None: 1 everywhere)
    eigvals: np.ndarray | None = None  # (T+1, K, 2)
    batches: dict[int, BatchInfo] = field(default_factory=dict)
    grads_per_step: np.ndarray | None = None  # (K,) gradient evaluations a step takes (2 for SAM)

    @classmethod
    def from_engine(cls, res: Any) -> RaceResult:
        """From `optim_lab.engine.RunResult` (fields it may not record yet stay None)."""
        arrays = {f.name: getattr(res, f.name, None) for f in dataclasses.fields(cls) if f.name != "batches"}
        batches = {int(b): BatchInfo(p.indices, p.epoch, p.updates_per_epoch) for b, p in res.batches.items()}
        return cls(**arrays, batches=batches)

    def frozen(self) -> RaceResult:
        """This result made read-only, to be shared between sessions: its arrays refuse writes
        and each batch plan is a tuple of tuples (returns self)."""
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray):
                setattr(self, f.name, read_only(value))
        self.batches = {b: dataclasses.replace(info, indices=tuple(tuple(int(v) for v in ix) for ix in info.indices),
                                               epoch=tuple(int(e) for e in info.epoch))
                        for b, info in self.batches.items()}
        return self

    @property
    def n_rows(self) -> int:
        return self.theta.shape[1]

    @property
    def n_starts(self) -> int:
        return len(self.starts)

    def diverged(self, i: int) -> int | None:
        d = int(self.diverged_at[i])
        return d if d >= 0 else None

    def end(self, i: int) -> int:
        """How many states of row i are usable (θ is frozen from its divergence step on)."""
        d = self.diverged(i)
        return len(self.theta) if d is None else d

    def alive(self, i: int, k: int) -> bool:
        """Whether θ_k of row i is usable."""
        d = self.diverged(i)
        return d is None or k < d

    def usable(self, i: int, k: int) -> int:
        """k, or the last usable step before row i diverged."""
        return k if self.alive(i, k) else self.end(i) - 1

    def at(self, i: int, k: int) -> tuple[float, float]:
        x, y = self.theta[k, i]
        return float(x), float(y)

    def step(self, i: int, k: int) -> StepRecord:
        """What step k (1-based) of row i applied."""
        j = k - 1

        def row(a):
            return None if a is None else np.asarray(a[j, i], np.float64)

        decay = 1.0 if self.decay is None else float(self.decay[j, i])
        return StepRecord(k, self.theta[j, i], self.theta[k, i], float(self.lr[j, i]), row(self.sigma), row(self.eff_step),
                          row(self.direction), decay, row(self.step_grad))

    def movement(self, i: int) -> np.ndarray:
        """(T, 2) θ_k − θ_{k−1} of row i."""
        return np.diff(self.theta[:, i], axis=0)

    def then(self, after: RaceResult) -> RaceResult:
        """This race followed by `after`, which started where this one ended (plus a jump):
        states are joined, steps get one NaN row for the jump (no step of the optimizer)."""
        joined: dict[str, Any] = {}
        for name in STATE_FIELDS:
            a, b = getattr(self, name), getattr(after, name)
            joined[name] = None if a is None or b is None else np.concatenate([a, b], axis=0)
        for name in STEP_FIELDS:
            a, b = getattr(self, name), getattr(after, name)
            if a is None or b is None:
                joined[name] = None
                continue
            gap = np.full((1,) + a.shape[1:], np.nan if a.dtype.kind == "f" else 0, dtype=a.dtype)
            joined[name] = np.concatenate([a, gap, b], axis=0)
        shift = len(self.theta)  # after's θ_0 is row `shift` of the joined states
        diverged = np.where(after.diverged_at >= 0, after.diverged_at + shift, after.diverged_at)
        return dataclasses.replace(self, **joined, diverged_at=diverged, steps=self.steps + 1 + after.steps)


@dataclass
class Race:
    """A computed race and what the view needs to draw it."""

    surface: str
    params: dict
    configs: list  # RacerConfig per row
    names: list[str]
    colors: list[str]
    start: tuple[float, float]
    steps: int
    seed: int
    result: RaceResult
    problem: object
    dashes: list[str] | None = None  # per row (None: every row solid)

    @property
    def spec(self):
        return self.problem.spec

    def dash(self, i: int) -> str:
        return self.dashes[i] if self.dashes else "solid"

    def diverged(self, i: int) -> int | None:
        return self.result.diverged(i)

    def rows(self):
        """(i, name, colour) of every racer."""
        return [(i, n, self.colors[i]) for i, n in enumerate(self.names)]
