"""Benchmark rows of the inside views (shaped like `optim_lab.bench`'s; measured in the same run).

- lambda: λ_max of a small network's training loss by power iteration on Hessian-vector
  products against `torch.func.hessian` + `eigvalsh` of the same loss (the answers must
  agree to 1e-3 relative; the time ratio is reported).
- slice: a 41 × 41 loss slice evaluated batched (`vmap` over weight vectors) against a
  loop of `load_state_dict` + forward.  The case is a small MLP on 64 digits — the regime
  where per-point overhead, not arithmetic, is what batching removes; on big models with
  thousands of samples both are bound by the same arithmetic and end up alike.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ..timing import best_of
from . import hessian as hs
from . import landscape as ls


def _digits(n: int, dtype):
    from .experiments import digits

    x, y, _, _ = digits(n, 0, normalize=True, dtype=dtype)
    return x, y


def bench_lambda(quick: bool) -> dict:
    x, y = _digits(256, torch.float64)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 16), nn.Tanh(), nn.Linear(16, 10)).double()
    L = hs.loss_fn(model, x, y, "ce")
    theta = hs.flat_params(model)
    box = {}

    def ours():
        box["ours"] = hs.top_eigen(L, theta, tol=1e-6, max_iter=500).lambda_max

    def theirs():
        box["theirs"] = float(torch.linalg.eigvalsh(torch.func.hessian(L)(theta))[-1])

    reps = 2 if quick else 5
    t_ours, t_theirs = best_of(ours, reps), best_of(theirs, 1 if quick else 3)
    rel = abs(box["ours"] - box["theirs"]) / abs(box["theirs"])
    return {
        "name": "lambda", "what": f"λ_max of an MLP 64-16-10 ({theta.numel()} parameters) over 256 digits",
        "ours_s": t_ours, "baseline": "torch.func.hessian + eigvalsh", "baseline_s": t_theirs, "ratio": t_theirs / t_ours,
        "target": "agree ≤ 1e-3 relative", "ok": rel <= 1e-3, "max_rel_diff": rel,
        "lambda_power": box["ours"], "lambda_full": box["theirs"],
    }


def bench_slice(quick: bool) -> dict:
    x, y = _digits(64, torch.float32)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 16), nn.ReLU(), nn.Linear(16, 10))
    plane = ls.make_plane(model, "random", seed=0)
    alpha = np.linspace(-1, 1, 41)
    A, B = np.meshgrid(alpha, alpha)
    thetas = torch.stack([plane.point(a, b) for a, b in zip(A.ravel(), B.ravel(), strict=True)])
    flat = hs.Flat.of(model)
    box = {}

    def ours():
        box["ours"] = ls.grid(model, x, y, plane, alpha, alpha, "ce").loss.ravel()

    def theirs():
        out = []
        model.eval()
        with torch.no_grad():
            for th in thetas:
                model.load_state_dict(flat.unflatten(th), strict=False)
                out.append(float(nn.functional.cross_entropy(model(x), y)))
        box["theirs"] = np.asarray(out)

    reps = 2 if quick else 5
    t_ours, t_theirs = best_of(ours, reps), best_of(theirs, 1 if quick else 3)
    err = float(np.abs(box["ours"] - box["theirs"]).max())
    ratio = t_theirs / t_ours
    return {
        "name": "slice", "what": "41 × 41 loss slice, MLP 64-16-10 over 64 digits (float32)",
        "ours_s": t_ours, "baseline": "loop of load_state_dict + forward", "baseline_s": t_theirs, "ratio": ratio,
        "target": "≥ 5× faster, same numbers", "ok": ratio >= 5 and err < 1e-5, "max_abs_diff": err,
    }


def bench_rows(quick: bool) -> list[dict]:
    return [bench_lambda(quick), bench_slice(quick)]
