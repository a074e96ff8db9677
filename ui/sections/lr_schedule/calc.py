"""§3.4 calculations: the schedule's knob defaults, the race's line-up, and what the page
reads off a race (the move of step k, RAdam's rectifier).  Pure."""

from __future__ import annotations

import numpy as np

from optim_lab.rules import radam_rectifier
from optim_lab.schedules import SCHEDULES
from ui.common.figures import PALETTE
from ui.common.lineup import RacerConfig, default_lr
from ui.common.result import RaceResult

SECTION = "lr_schedule"
COLORS = {"sched": PALETTE[0], "const": PALETTE[1], "radam": PALETTE[2]}
STEP_LIKE = {"t_max", "warmup", "step_size"}  # counted in steps: a slider over the UI's step range
LIVE_WARMUP_POSITIONS = 120  # the live warm-up control: at most this many exact runs, 1..steps
SCHED_ETA = "ls-sched-eta"  # the `meta` of the scheduled run's η_t curve


def warmup_positions(steps: int, current: int | None = None) -> np.ndarray:
    """The warm-up lengths the live control offers: 1..steps, every step when steps ≤ 120,
    else 120 evenly spread whole steps (each a value the classic slider can take), and the
    classic slider's `current` value among them (the live control starts where the slider is,
    not at its nearest neighbour)."""
    spread = np.linspace(1, max(steps, 1), min(max(steps, 1), LIVE_WARMUP_POSITIONS)).round()
    if current is not None and 1 <= current <= steps:
        spread = np.append(spread, current)
    return np.unique(spread).astype(np.int64)
RADAM_BETA2 = 0.999  # torch.optim.RAdam's default


def lr_default(optimizer: str, surface: str) -> float:
    return default_lr(optimizer, surface, SECTION)


def step_knob_default(name: str, schedule: str, steps: int, registry_default) -> int:
    """Step-counted knobs start where they show something in `steps` steps."""
    if name == "t_max":
        return steps
    if name == "warmup" and schedule == "warmup-cosine":
        return min(50, max(1, steps // 6))
    return registry_default


def lineup(base: RacerConfig, schedule: str, sched_params: dict, with_radam: bool) -> tuple[list[RacerConfig], list[str]]:
    """(configs, roles): the scheduled run (unless the schedule is constant), the constant-η run, and RAdam."""
    configs, roles = [], []
    if schedule != "constant":
        configs.append(base.replace(schedule=schedule, sched_params=sched_params, color=COLORS["sched"]))
        roles.append("sched")
    configs.append(base.replace(schedule="constant", sched_params={}, color=COLORS["const"],
                                dash="dash" if schedule != "constant" else "solid"))
    roles.append("const")
    if with_radam and not (base.optimizer == "radam" and schedule == "constant"):
        configs.append(RacerConfig("radam", base.lr, {}, "constant", {}, base.batch_size, color=COLORS["radam"]))
        roles.append("radam")
    return configs, roles


def scheduled_etas(configs: list[RacerConfig], steps: int) -> list[np.ndarray]:
    """(T,) η_t of each config's schedule."""
    return [SCHEDULES[c.schedule].etas(c.lr, steps, c.sched_params) for c in configs]


def step_arrows(result: RaceResult, colors: list[str], k: int) -> list[dict]:
    """Step k of every run still going, as an arrow θ_{k−1} → θ_k."""
    return [{"from": result.at(i, k - 1), "to": result.at(i, k), "color": colors[i]}
            for i in range(result.n_rows) if result.alive(i, k)]


def move_lengths(result: RaceResult, i: int) -> np.ndarray:
    """(T,) ‖θ_k − θ_{k−1}‖ of row i."""
    return np.linalg.norm(result.movement(i), axis=1)


def radam_beta2(configs: list[RacerConfig]) -> float | None:
    """β₂ of the race's RAdam (None: no RAdam in the race)."""
    radams = [c for c in configs if c.optimizer == "radam"]
    if not radams:
        return None
    chosen = next((c.hparams.get("beta2") for c in radams if c.hparams), None)
    return RADAM_BETA2 if chosen is None else chosen


def rectifier(steps: int, beta2: float) -> tuple[np.ndarray, int | None]:
    """(r_t for t = 1..T, NaN on the plain-momentum steps; the first rectified step or None)."""
    r = radam_rectifier(np.arange(1, steps + 1, dtype=np.float64), beta2)
    done = np.flatnonzero(~np.isnan(r))
    return r, int(done[0]) + 1 if done.size else None
