"""The two presets of the inside views, as plain functions of a frozen config.

Edge of stability (Cohen et al. 2021): full-batch gradient descent with step η on a tanh
MLP, loss "half-mse" = ½‖out − onehot‖² (no softmax) averaged over a subset of the digits.  λ_max
rises while training ("progressive sharpening") until it reaches 2/η — §3.3's stability
limit of a quadratic — and then hovers there while the loss keeps falling, not
monotonically.  The step size the network trains at sets its own curvature.

Sharp vs flat minima (Keskar et al. 2017): the same network, the same η, trained with a
small and with a large batch until both reach the same training loss.  The large batch
ends where λ_max is larger (sharper); the loss along a random filter-normalized direction
through each solution shows the same on one chart; validation accuracy is reported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from ..engine import Racer
from ..training.train import ENGINE_LIMITS
from .hessian import adam_threshold, lambda_max
from .landscape import line, random_directions
from .trace import TraceConfig, accuracy, traced

DTYPE = torch.float32
LATE = 0.25  # "where λ_max ends": the last quarter of the measurements


def digits(samples: int | None, seed: int = 0, normalize: bool = False, dtype=DTYPE):
    """(x_train, y_train, x_val, y_val) of the training lab's split; a stratified subset of
    `samples` training digits; pixels in [0, 1] or z-scored with the training statistics."""
    from ..training.data import load_digits_split, subset

    sp = load_digits_split(0)
    x, y = subset(sp.x_train, sp.y_train, samples, seed)
    xv = sp.x_val
    if normalize:
        x, xv = (x - sp.mean) / sp.std, (xv - sp.mean) / sp.std
    return x.to(dtype), y, xv.to(dtype), sp.y_val


def mlp(width: int, depth: int, activation: str, seed: int, dtype=DTYPE) -> torch.nn.Module:
    from ..training.models import ModelConfig, build_model

    return build_model(ModelConfig("mlp", width, depth=depth, activation=activation, bn=False), seed, dtype)


# -- edge of stability -------------------------------------------------------------------
EOS_OPTIMIZERS = ("sgd", "adam")
EOS_DEFAULT_LRS = {"sgd": (0.2, 0.1), "adam": (2e-3, 5e-4)}


@dataclass(frozen=True)
class EosConfig:
    """Full-batch training at each η of `lrs`.  optimizer "sgd": plain gradient descent, λ_max
    against 2/η; "adam": Adam (β₁ = 0.9), preconditioned sharpness against 38/η."""

    lrs: tuple[float, ...] = EOS_DEFAULT_LRS["sgd"]
    optimizer: str = "sgd"
    samples: int = 500
    width: int = 64
    depth: int = 2
    steps: int = 1500
    every: int = 50
    seed: int = 0

    def checked(self) -> EosConfig:
        if self.optimizer not in EOS_OPTIMIZERS:
            raise ValueError(f"optimizer: {self.optimizer!r} is not one of {', '.join(EOS_OPTIMIZERS)}")
        if not 1 <= len(self.lrs) <= 3 or not all(1e-5 <= lr <= 2.0 for lr in self.lrs):
            raise ValueError(f"learning rates: 1 to 3 values in [1e-5, 2], got {self.lrs}")
        if not 20 <= self.samples <= 1347:
            raise ValueError(f"samples: {self.samples} is outside the allowed range [20, 1347]")
        if not 8 <= self.width <= 256 or not 1 <= self.depth <= 4:
            raise ValueError(f"network: width {self.width} (8..256), depth {self.depth} (1..4)")
        if not 1 <= self.steps <= ENGINE_LIMITS.updates or not 1 <= self.every <= self.steps:
            raise ValueError(f"steps: {self.steps} (1..{ENGINE_LIMITS.updates}), every {self.every} (1..steps)")
        return self


@dataclass
class EosRun:
    lr: float
    update: np.ndarray  # (M,) where λ_max was measured
    lambda_max: np.ndarray  # (M,)
    loss: np.ndarray  # (T,) full-batch training loss at θ_{k−1} of every update
    diverged_at: int | None
    optimizer: str = "sgd"
    preconditioned: np.ndarray | None = None  # (M,) Adam: λ_max(P^{-1/2} H P^{-1/2}); NaN at update 0

    @property
    def threshold(self) -> float:
        """2/η for gradient descent; (2 + 2β₁)/(η(1 − β₁)) = 38/η for Adam."""
        return adam_threshold(self.lr, 0.9) if self.optimizer == "adam" else 2.0 / self.lr

    @property
    def curve(self) -> np.ndarray:
        """The sharpness compared with the threshold: λ_max (GD) or the preconditioned one (Adam)."""
        return self.preconditioned if self.optimizer == "adam" else self.lambda_max

    def summary(self) -> dict:
        """Where the sharpness starts, peaks and ends (median of the last quarter), relative to its threshold."""
        c = self.curve
        ok = np.isfinite(c)
        cu, c = self.update[ok], c[ok]
        late = c[-max(1, int(round(LATE * len(c)))):]
        loss = self.loss[np.isfinite(self.loss)]
        return {
            "optimizer": self.optimizer, "lr": self.lr, "two_over_lr": 2.0 / self.lr, "threshold": self.threshold,
            "lambda_first": float(c[0]), "lambda_max_peak": float(c.max()), "lambda_end": float(np.median(late)),
            "end_over_threshold": float(np.median(late) / self.threshold),
            "first_reach": int(cu[np.argmax(c >= self.threshold)]) if (c >= self.threshold).any() else None,
            "loss_first": float(loss[0]) if loss.size else float("nan"),
            "loss_last": float(loss[-1]) if loss.size else float("nan"),
            "loss_rises": int((np.diff(loss) > 0).sum()),
            "diverged_at": self.diverged_at,
        }


def edge_of_stability(cfg: EosConfig = EosConfig(), progress: Callable[[int, int], None] | None = None) -> list[EosRun]:
    """Full-batch GD (`Racer("sgd", lr=η)`) or Adam from the same initial weights, once per η."""
    cfg = cfg.checked()
    x, y, _, _ = digits(cfg.samples, cfg.seed)
    runs = []
    n = len(cfg.lrs)
    for i, lr in enumerate(cfg.lrs):
        model = mlp(cfg.width, cfg.depth, "tanh", cfg.seed)
        report = None if progress is None else (lambda k, total, i=i: progress(i * total + k, n * total))
        tr = traced(model, x, y, "half-mse", TraceConfig(Racer(cfg.optimizer, lr=float(lr)), cfg.steps, None, cfg.every), report)
        a = tr.as_arrays()
        runs.append(EosRun(float(lr), a["sharp_update"], a["lambda_max"], a["loss"], tr.diverged_at, cfg.optimizer,
                           a["preconditioned"] if cfg.optimizer == "adam" else None))
    return runs


# -- sharp vs flat --------------------------------------------------------------------------
@dataclass(frozen=True)
class SharpFlatConfig:
    batches: tuple[int | None, ...] = (16, None)  # small, large (None = full batch)
    lr: float = 0.1
    target_loss: float = 0.02  # cross-entropy both runs train down to
    max_steps: int = 3000
    samples: int | None = None  # the whole training split
    width: int = 64
    depth: int = 2
    seed: int = 0
    direction_seed: int = 0
    span: float = 1.0  # α ∈ [−span, span] along the direction
    points: int = 41

    def checked(self) -> SharpFlatConfig:
        if len(self.batches) != 2:
            raise ValueError("batches: exactly two batch sizes (small, large)")
        if not 1e-4 <= self.lr <= 2.0:
            raise ValueError(f"lr: {self.lr} is outside the allowed range [1e-4, 2]")
        if not 1e-4 <= self.target_loss <= 2.0 or not 1 <= self.max_steps <= ENGINE_LIMITS.updates:
            raise ValueError(f"target loss {self.target_loss} (1e-4..2), max steps {self.max_steps} (1..{ENGINE_LIMITS.updates})")
        if not 3 <= self.points <= 201 or not 0 < self.span <= 10:
            raise ValueError(f"curve: {self.points} points (3..201) over span {self.span} (0..10]")
        return self


@dataclass
class SolutionRun:
    batch: int | None  # None: full batch
    updates: int
    epochs: float
    reached: bool
    train_loss: float
    train_acc: float
    val_acc: float
    lambda_max: float
    alpha: np.ndarray  # (points,)
    curve: np.ndarray  # (points,) training loss along the solution's own filter-normalized direction
    loss: np.ndarray = field(default_factory=lambda: np.zeros(0))  # per update (batch loss)

    def as_json(self) -> dict:
        return {k: getattr(self, k) for k in ("batch", "updates", "epochs", "reached", "train_loss", "train_acc", "val_acc",
                                              "lambda_max")}


def sharp_vs_flat(cfg: SharpFlatConfig = SharpFlatConfig(), progress: Callable[[int, int], None] | None = None) -> list[SolutionRun]:
    cfg = cfg.checked()
    x, y, xv, yv = digits(cfg.samples, cfg.seed, normalize=True)
    alpha = np.linspace(-cfg.span, cfg.span, cfg.points)
    out = []
    for i, batch in enumerate(cfg.batches):
        model = mlp(cfg.width, cfg.depth, "relu", cfg.seed)
        lc = TraceConfig(Racer("sgd", lr=cfg.lr), cfg.max_steps, batch, every=0, seed=cfg.seed, stop_loss=cfg.target_loss)
        tr = traced(model, x, y, "ce", lc)
        s = lambda_max(model, x, y, "ce", tol=1e-4, max_iter=200)
        d = random_directions(model, cfg.direction_seed, k=1)[0]
        curve = line(model, x, y, d, alpha, "ce")
        B = len(y) if batch is None else min(batch, len(y))
        out.append(SolutionRun(batch, tr.updates, tr.updates * B / len(y), tr.reached, tr.final_loss,
                               accuracy(model, x, y), accuracy(model, xv, yv), s.lambda_max, alpha, curve,
                               np.asarray(tr.loss)))
        if progress is not None:
            progress(i + 1, len(cfg.batches))
    return out
