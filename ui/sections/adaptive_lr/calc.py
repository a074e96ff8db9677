"""§3.3 calculations: η in units of 2/λ_max, the line-up, the positions of GD's η, and the
per-coordinate numbers of a race (pure: the page caches)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from optim_lab.family import positions
from ui.common.lineup import RacerConfig, default_lr
from ui.common.result import RaceResult

SECTION = "adaptive_lr"
SURFACES = ("long-valley", "quadratic")


@dataclass(frozen=True)
class Entrant:
    optimizer: str
    schedule: str
    color: str
    dash: str = "solid"
    on: bool = False  # in the race by default


# racer id (its URL keys: the switch `<id>`, η `lr_<id>`) → what runs; "agd" is book AdaGrad with
# η/√(t+1) and shares agb's η, "gd"/"gd2" take η in units of 2/λ_max.  Colours from the one
# palette (Okabe–Ito, `ui.common.figures.theme`), each racer with its own dash; Adam in black.
LINEUP = {
    "gd": Entrant("sgd", "constant", "#0072B2", "solid", on=True),
    "gd2": Entrant("sgd", "constant", "#56B4E9", "dash"),
    "agb": Entrant("adagrad-book", "constant", "#D55E00", "dashdot", on=True),
    "agd": Entrant("adagrad-book", "inverse-time", "#E69F00", "longdash"),
    "agt": Entrant("adagrad", "constant", "#999999", "longdashdot"),
    "rmb": Entrant("rmsprop-book", "constant", "#009E73", "24px,6px,8px,6px", on=True),
    "rmt": Entrant("rmsprop", "constant", "#CC79A7", "12px,5px,4px,5px,4px,5px"),
    "adam": Entrant("adam", "constant", "#000000", "30px,8px", on=True),
}
OWN_LR = ("agb", "agt", "rmb", "rmt", "adam")  # racers with a learning-rate slider of their own
# RMSProp's α (the book gives none): 0.99 as in PyTorch.  With a small α, σ follows |g| almost
# step by step, so η·g/σ ≈ ±η: on the valley floor the run hops by η every step and never settles.
ALPHA = {"rmb": 0.99, "rmt": 0.99}
DEFAULT_STEPS = 1000
ETA_UNITS = {"gd": 0.95, "gd2": 0.05}  # GD's η in units of 2/λ_max, by default
ETA_RANGE = (0.01, 1.2, 0.01)  # the η sliders (units of 2/λ_max): from, to, step
ETA_POSITIONS = positions(*ETA_RANGE)  # every value GD's η slider can take: its live family


def lr_default(racer_id: str, surface: str) -> float:
    return default_lr(LINEUP[racer_id].optimizer, surface, SECTION)


def curvature(problem, point) -> tuple[float, float]:
    """(λ_min, λ_max) of the full loss's Hessian at `point` (constant for quadratic losses)."""
    with torch.no_grad():
        h = problem.hessian(torch.tensor([list(point)], dtype=torch.float64))[0].numpy()
    lo, hi = np.linalg.eigvalsh(0.5 * (h + h.T)).tolist()
    return float(lo), float(hi)


def configs(ids: list[str], lrs: dict[str, float], hparams: dict[str, dict]) -> list[RacerConfig]:
    return [RacerConfig(LINEUP[r].optimizer, lrs[r], hparams.get(r, {}), LINEUP[r].schedule, color=LINEUP[r].color,
                        dash=LINEUP[r].dash) for r in ids]


@dataclass(frozen=True)
class StepNumbers:
    """Step k of one racer: η_k, σ_k, the factor applied per coordinate, and the move in y."""

    eta: float
    sigma: np.ndarray  # (2,)
    eff: np.ndarray  # (2,)
    dy: float


def step_numbers(result: RaceResult, i: int, k: int) -> StepNumbers | None:
    """None once the racer has diverged."""
    if not result.alive(i, k):
        return None
    s = result.step(i, k)
    return StepNumbers(s.eta, s.sigma, s.eff, float(s.theta[1] - s.theta_prev[1]))


def abs_moves_y(result: RaceResult, i: int) -> np.ndarray:
    """(T,) |θ_k − θ_{k−1}| along the second coordinate."""
    return np.abs(result.movement(i)[:, 1])
