"""Pure calculations of the inside-network page: plain configs in, plain numpy data out.

Everything heavy is in `optim_lab.inside`; this module turns the page's settings into
engine configs and the engine's results into arrays and dicts the figures and the
Streamlit cache can hold (no tensors, no modules).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
import torch

from optim_lab.engine import Racer
from optim_lab.inside import experiments as ex
from optim_lab.inside import ratio as rt
from optim_lab.inside import runs

VIEWS = ("net", "eos", "sharp", "ratio")
NET_OPTIMIZERS = ("sgd", "momentum", "adam")
BATCHES = ("16", "64", "full")
PLANES = ("pca", "random")
GRID_N = 25
NET_SAMPLES = 400  # the page's runs train on a stratified subset: a slice costs GRID_N² passes over it


@dataclass(frozen=True)
class NetSetting:
    """The "your network" view: one training-lab run, λ_max along it, its error surface."""

    kind: str = "mlp"
    optimizer: str = "sgd"
    lr: float = 0.1
    batch: str = "full"
    steps: int = 300
    plane: str = "pca"
    seed: int = 0

    def run_config(self):
        from optim_lab.training.models import ModelConfig
        from optim_lab.training.train import RunConfig

        hp = {"momentum": 0.9} if self.optimizer == "momentum" else {}
        model = ModelConfig("mlp", 64, depth=2, activation="tanh", bn=False) if self.kind == "mlp" else ModelConfig("cnn", 8, blocks=2)
        return RunConfig(model=model, racer=Racer(self.optimizer, lr=float(self.lr), hparams=hp), loss="ce",
                         batch_size=None if self.batch == "full" else int(self.batch), epochs=None, steps=int(self.steps),
                         samples=NET_SAMPLES, seed=int(self.seed)).checked()

    @property
    def every(self) -> int:
        return max(1, int(self.steps) // 20)


def net_run(s: NetSetting, progress: Callable[[int, int], None] | None = None, grid: int = GRID_N) -> dict:
    """Train, measure λ_max every steps/20 updates, slice the loss around θ* (GRID_N²)."""
    r = runs.run(s.run_config(), sharpness_every=s.every, snapshots=40, progress=progress)
    a = r.trace.as_arrays()
    out = {"setting": asdict(s), "diverged_at": r.trace.diverged_at, "updates": r.trace.updates, "loss": a["loss"],
           "sharp_update": a["sharp_update"], "lambda_max": a["lambda_max"], "preconditioned": a["preconditioned"],
           "threshold": a["threshold"], "lr": float(s.lr), "full_batch": s.batch == "full"}
    if r.trace.diverged_at is not None:
        return out
    sl, plane = runs.landscape(r, s.plane, grid, seed=s.seed)
    out.update(alpha=sl.alpha, beta=sl.beta, surface=sl.loss, path=sl.path, path_loss=sl.path_loss,
               share=None if sl.share is None else sl.share, plane=s.plane, theta=runs.as_numpy(plane.theta),
               dirs=runs.as_numpy(plane.dirs), train_loss=r.trace.final_loss, val_acc=r.val_acc(),
               buffers={k: v.detach().numpy().copy() for k, v in r.model.named_buffers()},
               path_updates=np.asarray(r.trace.snapshot_updates))
    return out


def curvature(s: NetSetting, theta: np.ndarray, dirs: np.ndarray, a: float, b: float,
              buffers: dict[str, np.ndarray] | None = None) -> dict:
    """The plane's 2 × 2 Hessian at (a, b), for the point inspector (rebuilds the data and the
    model: weights θ* and BN's running statistics from the trained run)."""
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
    lam = info["eigvals"]
    kind = "minimum" if lam[0] > 0 else "maximum" if lam[1] < 0 else "saddle"
    return {"at": info["at"], "loss": info["loss"], "grad": info["grad"], "hessian": info["hessian"], "eigvals": lam,
            "kind": kind, "ratio": float((lam > 0).mean())}


def eos(cfg: ex.EosConfig, progress=None) -> dict:
    out = {"runs": []}
    for r in ex.edge_of_stability(cfg, progress):
        out["runs"].append({"lr": r.lr, "update": r.update, "lambda_max": r.lambda_max, "curve": r.curve,
                            "threshold": r.threshold, "loss": r.loss, "summary": r.summary(), "optimizer": r.optimizer})
    return out


def sharp_flat(cfg: ex.SharpFlatConfig, progress=None) -> dict:
    return {"runs": [{**r.as_json(), "alpha": r.alpha, "curve": r.curve} for r in ex.sharp_vs_flat(cfg, progress)]}


def ratio(cfg: rt.RatioConfig, progress=None) -> dict:
    dots = rt.minimum_ratios(cfg, progress)
    return {"dots": [d.as_json() for d in dots], "params": cfg.n_params, "zero_tol": cfg.zero_tol, "gnorm_tol": cfg.gnorm_tol}


def eos_config(optimizer: str, lr1: float, lr2: float) -> ex.EosConfig:
    return ex.EosConfig(lrs=(float(lr1), float(lr2)), optimizer=optimizer).checked()


def sharp_config(small: int, large: str, lr: float) -> ex.SharpFlatConfig:
    return ex.SharpFlatConfig(batches=(int(small), None if large == "full" else int(large)), lr=float(lr)).checked()


def ratio_config(networks: int, width: int, activation: str) -> rt.RatioConfig:
    return rt.RatioConfig(networks=int(networks), width=int(width), activation=activation).checked()


def surface_box(d: dict) -> tuple[float, float, float, float]:
    return float(d["alpha"][0]), float(d["alpha"][-1]), float(d["beta"][0]), float(d["beta"][-1])
