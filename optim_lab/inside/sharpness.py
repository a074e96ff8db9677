"""Sharpness along training: λ_max of the training loss every k updates, beside the line 2/η.

§3.3's lesson on a quadratic: gradient descent with step η is stable along a direction of
curvature λ only while λ < 2/η.  On a real network the curvature is not fixed — it
changes with the weights the optimizer visits.  Measuring λ_max every k updates (power
iteration warm-started from the previous eigenvector, so a measurement costs a few
Hessian-vector products) shows what the step size does to it.

For Adam the step is η·P⁻¹m̂ with P = (1 − β₁ᵏ)·diag(√v̂ₖ + ε); the curvature that step feels
is the *preconditioned sharpness* λ_max(P^{-1/2} H P^{-1/2}) (Cohen et al. 2022), whose
stability threshold is (2 + 2β₁)/(η(1 − β₁)) — 38/η at β₁ = 0.9.
"""

from __future__ import annotations

import torch

from ..training.loop import Every
from .hessian import Criterion, adam_threshold, eval_mode, flat_params, loss_fn, preconditioned_sharpness, top_eigen

TOL = 1e-3  # relative change of the Rayleigh quotient that ends a measurement
MAX_ITER = 50


def is_adam(racer) -> bool:
    spec = racer.spec()
    return spec.momentum == "ema" and spec.scaling == "adam"


def adam_preconditioner(model: torch.nn.Module, opt) -> torch.Tensor | None:
    """P (flat, like θ) = (1 − β₁ᵏ)(√(v/(1 − β₂ᵏ)) + ε) from a LabOptimizer stepping Adam, after k ≥ 1 steps."""
    if not is_adam(opt.racer) or opt.k == 0:
        return None
    hp = opt.racer.spec().resolve(dict(opt.racer.hparams))
    b1, b2, eps, k = hp["beta1"], hp["beta2"], hp["eps"], opt.k
    parts = []
    for p in model.parameters():
        st = opt.state.get(p)
        if not st:
            parts.append(torch.ones(p.numel(), dtype=p.dtype))
            continue
        v = st["moments"].v.reshape(-1)
        parts.append((1 - b1**k) * ((v / (1 - b2**k)).sqrt() + eps))
    return torch.cat(parts).detach()


class SharpnessMeter:
    """λ_max of the loss over the fixed samples (x, y), remembered between calls (warm start).

    `points` collects {"update", "lambda_max"} (plus "preconditioned" and "threshold" for Adam)."""

    def __init__(self, x: torch.Tensor, y: torch.Tensor, loss: Criterion, tol: float = TOL, max_iter: int = MAX_ITER):
        self.x, self.y, self.loss = x, y, loss
        self.tol, self.max_iter = tol, max_iter
        self._v = None
        self._pv = None
        self.points: list[dict] = []

    def measure(self, model: torch.nn.Module, update: int, opt=None) -> dict:
        with eval_mode(model):
            L = loss_fn(model, self.x, self.y, self.loss)
            theta = flat_params(model)
            s = top_eigen(L, theta, self._v, self.tol, self.max_iter)
            self._v = s.vector
            point = {"update": int(update), "lambda_max": s.lambda_max, "iterations": s.iterations}
            P = adam_preconditioner(model, opt) if opt is not None else None
            if P is not None:
                ps = preconditioned_sharpness(L, theta, P, self._pv, self.tol, self.max_iter)
                self._pv = ps.vector
                hp = opt.racer.spec().resolve(dict(opt.racer.hparams))
                point["preconditioned"] = ps.lambda_max
                point["threshold"] = adam_threshold(float(opt.param_groups[0]["lr"]), hp["beta1"])
        self.points.append(point)
        return point


class SharpnessHook(Every):
    """A hook of the one training loop (`optim_lab.training.loop.fit`): λ_max of the loss over
    the fixed samples (x, y) at updates 0, k, 2k, … and at the end of the run (for Adam also
    the preconditioned sharpness).  `points` are the meter's, in order."""

    def __init__(self, every: int, x: torch.Tensor, y: torch.Tensor, loss: Criterion, tol: float = TOL,
                 max_iter: int = MAX_ITER):
        super().__init__(every, lambda f: self.meter.measure(f.model, f.k, f.opt))
        self.meter = SharpnessMeter(x, y, loss, tol, max_iter)

    @property
    def points(self) -> list[dict]:
        return self.meter.points
