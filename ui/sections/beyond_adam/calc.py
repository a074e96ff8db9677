"""Beyond Adam: the line-ups of the 2-D parts, what the page reads off a race, and SAM on the
real network (a job of the worker pool).  Pure: no Streamlit here.

Every sentence of the page that states a number is one of these functions, and the tests of
`tests/ui/sections/beyond_adam/` hold it on the engine's numbers (for the presets and for
settings the presets do not use).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ui.common.figures import PALETTE
from ui.common.lineup import RacerConfig
from ui.common.result import RaceResult

PARTS = ("lion", "sam", "sf", "wsd", "muon")
SURFACE = {"lion": "long-valley", "sf": "river-valley", "wsd": "river-valley", "muon": "quadratic"}
DEFAULT_LR = {"lion": 1.0, "sf": 1.0, "wsd": 1.0, "muon": 0.05}
DEFAULT_STEPS = {"lion": 300, "sf": 300, "wsd": 300, "muon": 100}
LR_RANGE = {"lion": (0.05, 5.0), "sf": (0.05, 2.0), "wsd": (0.05, 2.0), "muon": (1e-3, 0.5)}
WSD_DECAY = 0.2  # the decay phase: the last 20 % of the steps (Hägele et al. 2024 use 10–20 %)
MUON_SCALE = 0.7  # Newton–Schulz of a 1×2 matrix: its direction times ≈ 0.7 (five steps, torch's coefficients)
LATE = 20  # "keeps jumping", "bouncing": read off the last LATE steps (of the run, or before WSD's decay)
COMPARABLE = 1.05  # schedule-free "comparable" to the cosine run told the horizon: within 5 % at T/2 and at T
WSD_DROP = 2.0  # the decay's drop the page calls a drop
COLORS = PALETTE


# == the 2-D parts' line-ups =========================================================================
def lineup(part: str, lr: float, steps: int) -> tuple[list[RacerConfig], list[str]]:
    """(configs, roles) of a 2-D part at peak η `lr` over `steps` steps."""
    T = int(steps)
    if part == "lion":
        return ([RacerConfig("lion", lr, color=COLORS[0]), RacerConfig("adam", lr, color=COLORS[1]),
                 RacerConfig("lion", lr, schedule="cosine", sched_params={"t_max": T, "eta_min": 0.0}, color=COLORS[2],
                             dash="dash")],
                ["lion", "adam", "lion_cos"])
    if part == "sf":
        half = max(1, T // 2)
        return ([RacerConfig("sgd-schedule-free", lr, color=COLORS[0]),
                 RacerConfig("sgd", lr, schedule="cosine", sched_params={"t_max": T, "eta_min": 0.0}, color=COLORS[1]),
                 RacerConfig("sgd", lr, schedule="cosine", sched_params={"t_max": half, "eta_min": 0.0}, color=COLORS[2],
                             dash="dash"),
                 RacerConfig("sgd", lr, color=COLORS[3], dash="dot")],
                ["sf", "cos_T", "cos_half", "const"])
    if part == "wsd":
        return ([RacerConfig("sgd", lr, schedule="wsd", sched_params=wsd_params(T), color=COLORS[0]),
                 RacerConfig("sgd", lr, schedule="cosine", sched_params={"t_max": T, "eta_min": 0.0}, color=COLORS[1],
                             dash="dash"),
                 RacerConfig("sgd", lr, color=COLORS[2], dash="dot")],
                ["wsd", "cos", "const"])
    if part == "muon":
        return ([RacerConfig("muon", lr, {"weight_decay": 0.0}, color=COLORS[0]),
                 RacerConfig("momentum", lr, color=COLORS[1], dash="dash")],
                ["muon", "momentum"])
    raise ValueError(f"part: {part!r} is not a 2-D part")


def wsd_params(steps: int) -> dict:
    """WSD over `steps`: one warm-up step, η held, then a linear decay to 0 over the last 20 %."""
    T = int(steps)
    return {"warmup": 1, "t_max": T, "decay_steps": max(1, int(round(WSD_DECAY * T))), "eta_min": 0.0}


# == what the page reads off a race ===================================================================
def coordinate_steps(result: RaceResult, i: int) -> np.ndarray:
    """(T, 2) |Δθ_i| of row i: each coordinate's own step."""
    return np.abs(np.diff(result.theta[:, i], axis=0))


def bouncing(path: np.ndarray) -> bool:
    """Whether a coordinate's path (n,) keeps jumping to and fro at its end: its step turns back
    on at least half of the last LATE steps."""
    s = np.sign(np.diff(path[-LATE - 1:]))
    return bool((s[1:] * s[:-1] < 0).sum() >= LATE // 2)


def lion_claim(result: RaceResult, roles: list[str]) -> dict:
    """Lion's steps over η_k, per coordinate (all exactly 1), Adam's range, the final losses, and
    whether constant-η Lion keeps jumping across the steep direction w: its w-step turns back on
    at least half of its last LATE steps."""
    li, ai, ci = roles.index("lion"), roles.index("adam"), roles.index("lion_cos")
    lr = result.lr
    lion = coordinate_steps(result, li) / lr[:, li, None]
    lion_cos = coordinate_steps(result, ci) / np.maximum(lr[:, ci, None], 1e-300)
    adam = coordinate_steps(result, ai) / lr[:, ai, None]
    live_cos = lr[:, ci] > 0
    return {"lion_min": float(lion.min()), "lion_max": float(lion.max()),
            "cos_min": float(lion_cos[live_cos].min()), "cos_max": float(lion_cos[live_cos].max()),
            "adam_min": float(adam.min()), "adam_max": float(adam.max()),
            "adam_first": float(adam[0].min()), "adam_last_b": float(adam[-1, 0]), "adam_last_w": float(adam[-1, 1]),
            "loss_lion": float(result.loss[-1, li]), "loss_adam": float(result.loss[-1, ai]),
            "loss_cos": float(result.loss[-1, ci]),
            "jumps": bouncing(result.theta[:, li, 1])}


def horizon_losses(result: RaceResult, roles: list[str]) -> dict:
    """Schedule-free against cosine: at T/2 and T, the one schedule-free run and the cosine run told
    that horizon; the cosine run planned for T looked at T/2; constant η at T."""
    T = result.loss.shape[0] - 1
    half = max(1, T // 2)
    L = result.loss
    sf, cT, ch, const = (roles.index(r) for r in ("sf", "cos_T", "cos_half", "const"))
    out = {"T": T, "half": half, "sf_half": float(L[half, sf]), "sf_T": float(L[T, sf]), "cos_told_half": float(L[half, ch]),
           "cos_told_T": float(L[T, cT]), "cos_planned_T_at_half": float(L[half, cT]), "const_T": float(L[T, const])}
    out["ratio"] = max(out["sf_half"] / out["cos_told_half"], out["sf_T"] / out["cos_told_T"])
    out["comparable"] = out["ratio"] <= COMPARABLE
    return out


def sf_claim_key(h: dict) -> str:
    """"Comparable without knowing T" only where it holds at both horizons; else the sentence that
    says the cosine run told the horizon ended lower."""
    return "ba_sf_claim" if h["comparable"] else "ba_sf_claim_not"


def wsd_claim(result: RaceResult, roles: list[str]) -> dict:
    """The loss where WSD's decay starts and at T, against cosine and constant η at T; whether the
    path bounces between the walls (along w₂) in the steps before the decay."""
    T = result.loss.shape[0] - 1
    d = wsd_params(T)["decay_steps"]
    w, c, k = (roles.index(r) for r in ("wsd", "cos", "const"))
    L = result.loss
    before, end = float(L[T - d, w]), float(L[T, w])
    return {"T": T, "D": d, "start": T - d, "before": before, "end": end, "drop": before / max(end, 1e-300),
            "cos": float(L[T, c]), "const": float(L[T, k]), "const_at_start": float(L[T - d, k]),
            "bounces": bouncing(result.theta[:T - d + 1, w, 1])}


def wsd_claim_key(w: dict) -> str:
    """The drop sentence where the path bounced and the decay at least halved the loss; else the
    sentence that says the decay changed little."""
    return "ba_wsd_claim" if w["bounces"] and w["drop"] >= WSD_DROP else "ba_wsd_claim_small"


def muon_ratio(result: RaceResult, roles: list[str]) -> np.ndarray:
    """(T,) ‖Δθ‖/η_k of Muon's row (its direction times the Newton–Schulz scale)."""
    i = roles.index("muon")
    return np.linalg.norm(np.diff(result.theta[:, i], axis=0), axis=1) / result.lr[:, i]


# == SAM on the real network (a job of the worker pool) ===============================================
SAM_LRS = (0.05, 0.1, 0.2)
SAM_RHOS = (0.05, 0.1, 0.2)
SAM_BATCHES = ("full", "32")
SAM_ACTIVATIONS = ("relu", "tanh")
LOSSES_CLOSE = 1.25  # "the training losses are close": the larger within 25 % of the smaller


@dataclass(frozen=True)
class SamSetting:
    """SGD and SAM over plain SGD from the same initial weights, on the same samples and batches,
    for the same number of updates (SAM spends two gradients on each)."""

    lr: float = 0.1
    rho: float = 0.1
    batch: str = "full"  # "full" or a batch size
    activation: str = "relu"
    steps: int = 300
    samples: int = 500
    width: int = 32
    depth: int = 2
    every: int = 25  # λ_max every k updates
    seed: int = 0

    def checked(self) -> SamSetting:
        if not 1e-3 <= self.lr <= 1.0 or not 0.0 < self.rho <= 1.0:
            raise ValueError(f"lr {self.lr} (1e-3..1), rho {self.rho} (0..1]")
        if self.batch != "full" and not 1 <= int(self.batch) <= self.samples:
            raise ValueError(f"batch: {self.batch!r} is neither 'full' nor 1..{self.samples}")
        if self.activation not in SAM_ACTIVATIONS or not 8 <= self.width <= 128 or not 1 <= self.depth <= 3:
            raise ValueError(f"network: {self.activation}, width {self.width} (8..128), depth {self.depth} (1..3)")
        if not 10 <= self.steps <= 400 or not 1 <= self.every <= self.steps or not 50 <= self.samples <= 1347:
            raise ValueError(f"steps {self.steps} (10..400), every {self.every}, samples {self.samples} (50..1347)")
        return self

    @property
    def batch_size(self) -> int | None:
        return None if self.batch == "full" else int(self.batch)


def sam_runs(s: SamSetting, report=None, should_stop=None) -> dict:
    """Train SGD, then SAM, measuring λ_max of the training loss every `every` updates (the inside
    views' meter, warm-started power iteration).  `report(partial, k, total)` gets the runs so far,
    the one in progress included, at each measurement."""
    import torch

    from optim_lab.engine import Racer
    from optim_lab.inside.experiments import digits, mlp
    from optim_lab.inside.runs import criterion_of
    from optim_lab.inside.sharpness import SharpnessHook
    from optim_lab.training.loop import Every, fit

    s = s.checked()
    x, y, _, _ = digits(s.samples, s.seed, normalize=True)
    crit = criterion_of("ce")
    runs: list[dict] = []
    for j, name in enumerate(("sgd", "sam")):
        model = mlp(s.width, s.depth, s.activation, s.seed)
        run = {"optimizer": name, "update": [], "lambda_max": [], "loss": [], "diverged_at": None}
        runs.append(run)

        sharp = SharpnessHook(s.every, x, y, "ce")

        def measured(f, run=run, j=j, sharp=sharp):
            p = sharp.points[-1]
            run["update"].append(p["update"])
            run["lambda_max"].append(p["lambda_max"])
            with torch.no_grad():
                run["loss"].append(float(crit(f.model(x), y)))
            if report is not None:
                report({"runs": [dict(r) for r in runs]}, j * s.steps + f.k, 2 * s.steps)

        hp = {"rho": s.rho} if name == "sam" else {}
        f = fit(model, x, y, crit, Racer(name, lr=s.lr, hparams=hp), s.steps, batch_size=s.batch_size, seed=s.seed,
                hooks=[sharp, Every(s.every, measured)], should_stop=should_stop)
        run["diverged_at"] = f.diverged_at
        if f.stopped:
            break
    return {"runs": runs}


def sam_task(s: SamSetting, report, should_stop) -> dict:
    return sam_runs(s, report, should_stop)


def sam_claim(d: dict) -> tuple[str, dict]:
    """The sentence under SAM's chart: SAM's final λ_max against SGD's (only when neither diverged),
    and under `losses` the sentence on the two training losses (close, or not)."""
    sgd, sam = d["runs"]
    if sgd["diverged_at"] is not None or sam["diverged_at"] is not None or not sam["lambda_max"]:
        return "ba_sam_diverged", {}
    a, b = sgd["lambda_max"][-1], sam["lambda_max"][-1]
    values = {"sgd": a, "sam": b, "x": a / b, "loss_sgd": sgd["loss"][-1], "loss_sam": sam["loss"][-1],
              "k": sam["update"][-1]}
    lo, hi = sorted((values["loss_sgd"], values["loss_sam"]))
    values["losses"] = "ba_sam_losses_close" if hi <= LOSSES_CLOSE * lo else "ba_sam_losses_differ"
    return ("ba_sam_claim" if b < a else "ba_sam_claim_not"), values
