"""Pure calculations of the inside-network page: plain configs in, plain numpy data out.

Everything heavy is in `optim_lab.inside`; this module turns the page's settings into
engine configs and the engine's results into arrays and dicts that a worker process can
send back (no tensors, no modules).  The `*_task` functions are the page's jobs:
`fn(args, report, should_stop) -> result`, run on the worker pool (`ui.common.jobs`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np
import torch

from optim_lab.analysis import classify
from optim_lab.engine import Racer
from optim_lab.inside import experiments as ex
from optim_lab.inside import ratio as rt
from optim_lab.inside import runs

VIEWS = ("net", "eos", "sharp", "ratio")
BATCHES = ("16", "64", "full")
PLANES = ("pca", "random")
GRID_N = 25
NET_SAMPLES = 400  # the page's runs train on a stratified subset: a slice costs GRID_N² passes over it
NEAR_PLANE = 0.8  # the PCA plane keeps at least this share of the path's variance: "the path lies almost in it"
PLANE_ASPECT = 1.6  # the slice's box is widened along its short side to at most 1.6 : 1 (no thin strip)
PLANE_TOL = 1e-6  # the point inspector's zero eigenvalue, relative (as the 2-D pages' inspector)


def divergence(loss, diverged_at: int | None, start: float | None = None, end: float | None = None) -> int | None:
    """The update at which a run diverged, or None when it trained.

    Where the loop stopped the run (a non-finite or unbounded loss or weight) that update.
    Otherwise a run whose training loss ends above where it started did not train either
    (η = 2 on the MLP: the loss climbs from 2.3 to ≈ 60 and stays finite): it diverged at the
    first update from which every recorded loss stays above the starting loss.  `loss` is the
    loss at θ_{k−1} of each update k; `start`/`end` default to its first and last value."""
    if diverged_at is not None:
        return int(diverged_at)
    a = np.asarray(loss, dtype=np.float64)
    if a.size == 0:
        return None
    start = float(a[0]) if start is None else float(start)
    end = float(a[-1]) if end is None else float(end)
    if np.isfinite(end) and end <= start:
        return None
    below = np.flatnonzero(np.isfinite(a) & (a <= start))
    return max(1, int(below[-1]) + 1 if below.size else 1)


def cut(update, values, k: int | None):
    """The measurements taken up to update k (all of them when k is None)."""
    u, v = np.asarray(update), np.asarray(values)
    if k is None:
        return u, v
    keep = u <= k
    return u[keep], v[keep]


# == your network ====================================================================================
@dataclass(frozen=True)
class NetSetting:
    """The "your network" view: one training-lab run, λ_max along it, its error surface.
    `racer` is the racer editor's engine part (`RacerConfig.engine_dict()`)."""

    kind: str = "mlp"
    racer: dict = field(default_factory=lambda: {"optimizer": "sgd", "lr": 0.1})
    batch: str = "full"
    steps: int = 300
    plane: str = "pca"
    seed: int = 0

    @property
    def optimizer(self) -> str:
        return self.racer["optimizer"]

    @property
    def lr(self) -> float:
        return float(Racer(**self.racer).resolved_lr())

    def run_config(self):
        from optim_lab.training.models import ModelConfig
        from optim_lab.training.train import RunConfig

        model = ModelConfig("mlp", 64, depth=2, activation="tanh", bn=False) if self.kind == "mlp" else ModelConfig("cnn", 8, blocks=2)
        return RunConfig(model=model, racer=Racer(**self.racer), loss="ce",
                         batch_size=None if self.batch == "full" else int(self.batch), epochs=None, steps=int(self.steps),
                         samples=NET_SAMPLES, seed=int(self.seed)).checked()

    @property
    def every(self) -> int:
        return max(1, int(self.steps) // 20)


def net_run(s: NetSetting, progress: Callable[[int, int], None] | None = None, grid: int = GRID_N,
            should_stop: Callable[[], bool] | None = None) -> dict:
    """Train, measure λ_max every steps/20 updates, slice the loss around θ* (GRID_N²) —
    unless the run diverged: then its curves up to that update and its final numbers only."""
    r = runs.run(s.run_config(), sharpness_every=s.every, snapshots=40, progress=progress, should_stop=should_stop)
    a = r.trace.as_arrays()
    start = r.trace.full_loss[0][1] if r.trace.full_loss else None
    k = divergence(a["loss"], r.trace.diverged_at, start, r.trace.final_loss if r.trace.diverged_at is None else None)
    out = {"setting": asdict(s), "diverged_at": k, "updates": r.trace.updates, "loss": a["loss"],
           "sharp_update": a["sharp_update"], "lambda_max": a["lambda_max"], "preconditioned": a["preconditioned"],
           "threshold": a["threshold"], "lr": s.lr, "full_batch": s.batch == "full", "start_loss": start,
           "train_loss": r.trace.final_loss, "val_acc": r.val_acc() if r.trace.diverged_at is None else float("nan")}
    if k is not None:
        return out
    from optim_lab.inside.landscape import default_extent, project

    base = runs.plane_of(r, s.plane, seed=s.seed)
    box = default_extent(base, project(r.trajectory, base.theta, base.dirs))
    sl, plane = runs.landscape(r, s.plane, grid, seed=s.seed, extent=widen(box, PLANE_ASPECT))
    out.update(alpha=sl.alpha, beta=sl.beta, surface=sl.loss, path=sl.path, path_loss=sl.path_loss,
               share=None if sl.share is None else [float(x) for x in sl.share], plane=s.plane, theta=runs.as_numpy(plane.theta),
               dirs=runs.as_numpy(plane.dirs), buffers={k_: v.detach().numpy().copy() for k_, v in r.model.named_buffers()},
               path_updates=np.asarray(r.trace.snapshot_updates))
    return out


def widen(box, aspect: float = PLANE_ASPECT) -> tuple[float, float, float, float]:
    """The box with its short side grown (about its centre) until long : short ≤ aspect; the
    units stay equal, so the slice is drawn to scale and fills a chart instead of a strip."""
    x0, x1, y0, y1 = (float(v) for v in box)
    w, h = x1 - x0, y1 - y0
    if w > aspect * h:
        c, h = (y0 + y1) / 2, w / aspect
        return x0, x1, c - h / 2, c + h / 2
    if h > aspect * w:
        c, w = (x0 + x1) / 2, h / aspect
        return c - w / 2, c + w / 2, y0, y1
    return x0, x1, y0, y1


def net_task(s: NetSetting, report, should_stop) -> dict:
    return net_run(s, lambda k, n: report(None, k, n), should_stop=should_stop)


def curvature(s: NetSetting, theta: np.ndarray, dirs: np.ndarray, a: float, b: float,
              buffers: dict[str, np.ndarray] | None = None) -> dict:
    """The plane's 2 × 2 Hessian at (a, b), for the point inspector (rebuilds the data and the
    model: weights θ* and BN's running statistics from the trained run); its kind from the
    one classifier (`optim_lab.analysis.classify`)."""
    from optim_lab.inside.hessian import load_flat
    from optim_lab.inside.landscape import Plane, plane_curvature
    from optim_lab.training.train import prepare

    p = prepare(s.run_config())
    dtype = next(p.model.parameters()).dtype
    load_flat(p.model, torch.as_tensor(theta, dtype=dtype))
    with torch.no_grad():
        for name, buf in p.model.named_buffers():
            if buffers and name in buffers:
                buf.copy_(torch.as_tensor(buffers[name]))
    plane = Plane(torch.as_tensor(theta, dtype=dtype), torch.as_tensor(dirs, dtype=dtype), s.plane)
    info = plane_curvature(p.model, p.test_tfm(p.x_train), p.y_train, plane, float(a), float(b), runs.criterion_of("ce"))
    lam = np.asarray(info["eigvals"], dtype=np.float64)
    return {"at": info["at"], "loss": info["loss"], "grad": info["grad"], "hessian": info["hessian"], "eigvals": lam,
            "kind": classify(lam, PLANE_TOL)}


def curvature_task(args: tuple, report, should_stop) -> dict:
    s, theta, dirs, a, b, buffers = args
    return curvature(s, theta, dirs, a, b, buffers)


# == edge of stability ================================================================================
def _eos_run(r: ex.EosRun) -> dict:
    k = divergence(r.loss, r.diverged_at)
    out = {"lr": r.lr, "update": r.update, "lambda_max": r.lambda_max, "curve": r.curve, "threshold": r.threshold,
           "loss": r.loss, "optimizer": r.optimizer, "diverged_at": k}
    ok = np.isfinite(np.asarray(r.curve, dtype=np.float64))
    out["summary"] = r.summary() if ok.any() else None
    return out


def eos(cfg: ex.EosConfig, progress=None, partial=None) -> dict:
    """One run per η, each from the same initial weights (the engine's `edge_of_stability`, one η
    at a time, so that each finished run can be shown while the next trains)."""
    out = {"runs": []}
    n = len(cfg.lrs)
    for i, lr in enumerate(cfg.lrs):
        one = ex.EosConfig(**{**asdict(cfg), "lrs": (lr,)})
        report = None if progress is None else (lambda k, total, i=i: progress(i * total + k, n * total))
        out["runs"].append(_eos_run(ex.edge_of_stability(one, report)[0]))
        if partial is not None and i + 1 < n:
            partial(out, (i + 1) * cfg.steps, n * cfg.steps)
    return out


def eos_task(cfg: ex.EosConfig, report, should_stop) -> dict:
    """The runs finished so far are the partial result (every progress report carries them)."""
    last = {"runs": None}

    def partial(out, k, n):
        last["runs"] = {"runs": list(out["runs"])}
        report(last["runs"], k, n)

    return eos(cfg, lambda k, n: report(last["runs"], k, n), partial=partial)


def eos_row(r: dict) -> tuple[str, dict]:
    """Which sentence tells how run r went, and its numbers: diverged (and whether λ_max
    already lay above the limit at the start), reached the limit, or not within the updates."""
    s, k = r["summary"], r["diverged_at"]
    if k is not None:
        first = None if s is None else s["lambda_first"]
        above = first is not None and first >= r["threshold"]
        return ("in_eos_row_diverged_above" if above else "in_eos_row_diverged"), {"lr": r["lr"], "k": k, "first": first,
                                                                                   "thr": r["threshold"]}
    values = {"lr": r["lr"], "first": s["lambda_first"], "thr": s["threshold"], "reach": s["first_reach"],
              "end": s["lambda_end"], "ratio": s["end_over_threshold"]}
    return ("in_eos_row" if s["first_reach"] is not None else "in_eos_row_never"), values


# == sharp vs flat ======================================================================================
def sharp_flat(cfg: ex.SharpFlatConfig, progress=None) -> dict:
    out = {"runs": []}
    for r in ex.sharp_vs_flat(cfg, progress):
        row = {**r.as_json(), "alpha": r.alpha, "curve": r.curve}
        # the loss must end below its start and stay finite: a batch that blew up has no "minimum" to compare
        row["diverged_at"] = divergence(r.loss, None, end=r.train_loss) if np.isfinite(r.train_loss) else max(1, len(r.loss))
        out["runs"].append(row)
    return out


def sharp_task(cfg: ex.SharpFlatConfig, report, should_stop) -> dict:
    return sharp_flat(cfg, lambda k, n: report(None, k, n))


def sharp_claim(runs_: list[dict]) -> tuple[str, dict]:
    """The sentence under the sharp-vs-flat chart: the comparison holds only when both runs
    reached the same training loss without diverging."""
    small, large = runs_
    if any(r["diverged_at"] is not None for r in runs_):
        return "in_sharp_diverged", {}
    if not (small["reached"] and large["reached"]):
        return "in_sharp_not_reached", {}
    key = "in_sharp_claim" if large["lambda_max"] > small["lambda_max"] else "in_sharp_claim_not"
    return key, {"large": large["lambda_max"], "small": small["lambda_max"], "x": large["lambda_max"] / small["lambda_max"]}


# == minimum ratio ========================================================================================
def ratio(cfg: rt.RatioConfig, progress=None) -> dict:
    dots = rt.minimum_ratios(cfg, progress)
    return {"dots": [d.as_json() for d in dots], "params": cfg.n_params, "zero_tol": cfg.zero_tol, "gnorm_tol": cfg.gnorm_tol}


def ratio_claim(dots: list[dict]) -> tuple[str, dict]:
    """The book's conclusion (no network stopped at a local minimum) only while it holds."""
    best = max(d["minimum_ratio"] for d in dots)
    minima = sum(d["minimum_ratio"] >= 1.0 for d in dots)
    return ("in_ratio_claim" if minima == 0 else "in_ratio_claim_minima"), {"max": best, "m": minima, "n": len(dots)}


def ratio_task(cfg: rt.RatioConfig, report, should_stop) -> dict:
    return ratio(cfg, lambda k, n: report(None, k, n))


def eos_config(optimizer: str, lr1: float, lr2: float) -> ex.EosConfig:
    return ex.EosConfig(lrs=(float(lr1), float(lr2)), optimizer=optimizer).checked()


def sharp_config(small: int, large: str, lr: float) -> ex.SharpFlatConfig:
    return ex.SharpFlatConfig(batches=(int(small), None if large == "full" else int(large)), lr=float(lr)).checked()


def ratio_config(networks: int, width: int, activation: str) -> rt.RatioConfig:
    return rt.RatioConfig(networks=int(networks), width=int(width), activation=activation).checked()


def surface_box(d: dict) -> tuple[float, float, float, float]:
    return float(d["alpha"][0]), float(d["alpha"][-1]), float(d["beta"][0]), float(d["beta"][-1])


def plane_caption(d: dict) -> tuple[str, dict]:
    """What the page may say about the plane: "the path lies almost in it" only when the PCA
    plane keeps ≥ NEAR_PLANE of the path's variance."""
    if d["plane"] != "pca":
        return "in_surface_random", {}
    s1, s2 = d["share"]
    return ("in_surface_pca" if s1 + s2 >= NEAR_PLANE else "in_surface_pca_far"), {"s1": s1, "s2": s2}
