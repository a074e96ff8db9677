"""Trajectories as CSV and JSON text: what `run --format csv|json` prints and what the
pages' download buttons hand out, written once.

A `Trajectory` is one row of a race, cut where it diverged; the writers never see
tensors, so the command line and the UI feed them alike.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

CSV_COLUMNS = ("optimizer", "start_{x}", "start_{y}", "step", "{x}", "{y}", "loss", "grad_norm", "lr", "diverged_at")


@dataclass
class Trajectory:
    """θ_0 … θ_n of one row (n = T, or the last usable step before divergence)."""

    name: str
    start: Sequence[float]
    theta: np.ndarray  # (n+1, 2)
    loss: np.ndarray  # (n+1,)
    grad_norm: np.ndarray  # (n+1,)
    lr: np.ndarray  # (n,) η_k of steps 1..n
    diverged_at: int | None
    extra: dict = field(default_factory=dict)  # settings shown beside the numbers in JSON


def trajectories(result, names: Sequence[str], cut: bool = False) -> list[Trajectory]:
    """Every row of an engine `RunResult` (row = racer × start); `cut` drops the frozen
    steps after a divergence."""
    out = []
    for k in range(result.theta.shape[1]):
        d = int(result.diverged_at[k])
        end = result.theta.shape[0] if (d < 0 or not cut) else d
        out.append(Trajectory(
            name=names[k // result.n_starts], start=[float(v) for v in result.starts[k % result.n_starts]],
            theta=result.theta[:end, k], loss=result.loss[:end, k], grad_norm=result.grad_norm[:end, k],
            lr=result.lr[: end - 1, k], diverged_at=None if d < 0 else d,
        ))
    return out


def to_csv(trajs: Iterable[Trajectory], axes: Sequence[str] = ("x", "y")) -> str:
    """One line per trajectory and step: start, θ_k, L(θ_k), ‖∇L(θ_k)‖, η_k (empty at k = 0)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([c.format(x=axes[0], y=axes[1]) for c in CSV_COLUMNS])
    for t in trajs:
        d = "" if t.diverged_at is None else t.diverged_at
        for k in range(len(t.theta)):
            w.writerow([t.name, *t.start, k, *clean(t.theta[k]), *clean([t.loss[k], t.grad_norm[k]]),
                        clean([t.lr[k - 1]])[0] if k else "", d])
    return buf.getvalue().rstrip("\n")


def to_json(meta: dict, trajs: Iterable[Trajectory]) -> str:
    """The settings `meta` and every trajectory; non-finite numbers become null."""
    doc = dict(meta)
    doc["trajectories"] = [
        {"optimizer": t.name, "start": list(t.start), **t.extra, "theta": clean(t.theta), "loss": clean(t.loss),
         "grad_norm": clean(t.grad_norm), "lr": clean(t.lr), "diverged_at": t.diverged_at}
        for t in trajs
    ]
    return json.dumps(json_floats(doc), ensure_ascii=False)


def clean(a) -> list:
    """numpy → JSON lists; non-finite values become None."""
    arr = np.asarray(a, dtype=np.float64)
    if not arr.size:
        return []
    return np.where(np.isfinite(arr), arr, np.nan).tolist()


def json_floats(x):
    """NaN and ±inf → None, recursively (JSON has no non-finite numbers)."""
    if isinstance(x, float):
        return x if np.isfinite(x) else None
    if isinstance(x, list | tuple):
        return [json_floats(v) for v in x]
    if isinstance(x, dict):
        return {k: json_floats(v) for k, v in x.items()}
    return x
