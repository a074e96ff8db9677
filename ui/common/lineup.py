"""A racer as a page configures it, and the one table of default learning rates.

Pure (no Streamlit): the sections' calculations build their line-ups from it; the racer editor
(`ui.common.racers`) draws it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from optim_lab.engine import Racer
from optim_lab.optimizers import CUSTOM, LR_MIN, OPTIMIZERS, custom_optimizer

# rules whose step is η·g (or η·velocity): they start from the surface's GD η, the others from its adaptive one
GD_FAMILY = {"sgd", "momentum", "nesterov", "momentum-book", "sam", "asgd", "sgd-schedule-free"}


@dataclass(frozen=True)
class RacerConfig:
    """One racer as a page configures it: what the engine runs, and how it is drawn."""

    optimizer: str
    lr: float | None = None
    hparams: dict = field(default_factory=dict)
    schedule: str = "constant"
    sched_params: dict = field(default_factory=dict)
    batch_size: int | None = None
    momentum_rule: str | None = None  # with optimizer == CUSTOM
    scaling_rule: str | None = None
    color: str | None = None  # None: the palette's colour of its row
    dash: str = "solid"

    _DRAWING = ("color", "dash")

    def engine_dict(self) -> dict:
        """The engine's part, JSON-able (the cache key of a race)."""
        return {k: v for k, v in dataclasses.asdict(self).items() if k not in self._DRAWING and v is not None}

    def as_dict(self) -> dict:
        """Everything set, JSON-able (what a download records)."""
        return {k: v for k, v in dataclasses.asdict(self).items() if v is not None}

    @classmethod
    def from_dict(cls, d: dict) -> RacerConfig:
        return cls(**d)

    def racer(self) -> Racer:
        return Racer(optimizer=self.optimizer, lr=self.lr, hparams=self.hparams, schedule=self.schedule,
                     sched_params=self.sched_params, batch_size=self.batch_size, momentum_rule=self.momentum_rule,
                     scaling_rule=self.scaling_rule)

    def spec(self):
        if self.optimizer == CUSTOM:
            return custom_optimizer(self.momentum_rule or "none", self.scaling_rule or "none")
        return OPTIMIZERS[self.optimizer]

    def replace(self, **changes) -> RacerConfig:
        return dataclasses.replace(self, **changes)


# The one table of default learning rates: for each surface, one that makes its default race
# worth watching (GD family, adaptive family) …
LR_HINT = {
    "textbook-saddle": (0.05, 0.05), "quadratic": (0.05, 0.1), "long-valley": (1e-6, 2.0), "softmax-ce": (1.0, 0.5),
    "softmax-mse": (1.0, 0.5), "rosenbrock": (1e-3, 0.05), "beale": (1e-3, 0.05), "himmelblau": (0.01, 0.1),
    "booth": (0.02, 0.2), "rastrigin": (2e-3, 0.05), "ackley": (0.05, 0.1), "six-hump-camel": (0.02, 0.05),
    "three-hump-camel": (0.01, 0.05), "matyas": (0.5, 0.1), "styblinski-tang": (0.01, 0.1), "monkey-saddle": (0.01, 0.02),
    "river-valley": (1.0, 0.05), "linreg": (0.05, 0.1), "logreg": (0.5, 0.1), "feature-scale": (1e-5, 0.05),
    # not a 2-D surface: the training lab's networks on the 8×8 digits (torch's customary η per family)
    "digits": (0.01, 1e-3),
}
# … where one rule needs its own on a surface (every rule's default runs 300 steps from the surface's
# start without diverging: tests/ui/common/test_lineup.py) …
RULE_LR = {
    # Nesterov's look-ahead with μ = 0.9 is stable only below ≈ 1.36/λ_max, GD's 1e-6 is above it here
    "long-valley": {"nesterov": 5e-7},
}
# … and where a section's own race needs another: section slug → surface → optimizer → η.
SECTION_LR = {
    # full batch, a mini-batch and B = 1 share one η: one that B = 1 survives
    "batch_momentum": {"linreg": {"sgd": 0.1}, "logreg": {"sgd": 1.0}},
    # the book's conventions side by side (book and PyTorch AdaGrad/RMSProp start with one η each)
    "adaptive_lr": {
        "long-valley": {"adagrad-book": 1.0, "adagrad": 1.0, "rmsprop-book": 0.1, "rmsprop": 0.1},
        "quadratic": {"adagrad-book": 0.5, "adagrad": 0.5, "rmsprop-book": 0.05, "rmsprop": 0.05},
    },
    # large enough that warm-up visibly tames Adam's first steps
    "lr_schedule": {"rosenbrock": {"adam": 0.5}},
    # the inside view's full-batch runs: large enough that λ_max climbs to 2/η within the page's updates
    "inside_network": {"digits": {"sgd": 0.1, "momentum": 0.01, "adam": 3e-3}},
    # the lab's Muon starts at torch.optim.Muon's documented η (its AdamW partner keeps its own 3e-4)
    "training_lab": {"digits": {"muon": 0.02}},
}
UI_LR_MIN, UI_LR_MAX = max(LR_MIN, 1e-8), 10.0


def default_lr(optimizer: str, surface: str, section: str | None = None) -> float:
    special = SECTION_LR.get(section or "", {}).get(surface, {})
    if optimizer in special:
        return special[optimizer]
    if optimizer in RULE_LR.get(surface, {}):
        return RULE_LR[surface][optimizer]
    if optimizer == "adadelta":
        return 1.0
    gd, ada = LR_HINT.get(surface, (1e-2, 1e-2))
    if optimizer == "radam":  # its first steps (ρ_k ≤ 5) are momentum without σ: they need GD's η too
        return min(gd, ada)
    return gd if optimizer in GD_FAMILY else ada
