"""§3.6 calculations: softmax, the logit gap, what a race did on each loss.  Pure."""

from __future__ import annotations

import math

import numpy as np

from ui.common.result import RaceResult

SURFACES = ("softmax-ce", "softmax-mse")
THIRD_LOGIT = -1000.0  # the surfaces fix y₃ so that only y₁, y₂ move


def softmax(logits) -> np.ndarray:
    """y′_i = exp(y_i) / Σ_j exp(y_j), computed after subtracting the largest logit (no overflow)."""
    y = np.asarray(logits, dtype=np.float64)
    e = np.exp(y - y.max())
    return e / e.sum()


def exp_shifted(logits) -> np.ndarray:
    """e^(y_i − max y): the numerators softmax divides, after the shift that prevents overflow."""
    y = np.asarray(logits, dtype=np.float64)
    return np.exp(y - y.max())


def parse_logits(text: str, lo: int = 2, hi: int = 8, bound: float = 1000.0) -> list[float]:
    """'3, 1, -3' (commas, spaces, ；， or semicolons) → [3.0, 1.0, -3.0]; ValueError with a catalog key."""
    for sep in ("，", "；", ";", "\t"):
        text = text.replace(sep, ",")
    parts = [p for chunk in text.split(",") for p in chunk.split()]
    if not lo <= len(parts) <= hi:
        raise ValueError("cl_bad_count")
    try:
        vals = [float(p) for p in parts]
    except ValueError:
        raise ValueError("cl_bad_number") from None
    if not all(math.isfinite(v) and abs(v) <= bound for v in vals):
        raise ValueError("cl_bad_range")
    return vals


def top_two_gap(logits) -> tuple[float, float]:
    """(Δ = largest − second-largest logit, p_max / p_second); the ratio is exactly e^Δ."""
    y = np.sort(np.asarray(logits, dtype=np.float64))[::-1]
    p = np.sort(softmax(logits))[::-1]
    return float(y[0] - y[1]), float(p[0] / p[1]) if p[1] > 0 else math.inf


def moved(result: RaceResult, i: int, start) -> float:
    """How far row i got from the start (to its last usable point)."""
    return float(np.linalg.norm(np.asarray(result.at(i, result.end(i) - 1)) - np.asarray(start)))


def p_first(result: RaceResult, i: int) -> float:
    """y′₁, the probability of the right class, at row i's last usable point."""
    y1, y2 = result.at(i, result.end(i) - 1)
    return float(softmax([y1, y2, THIRD_LOGIT])[0])


def gmap_top(gnorms) -> float:
    """The top of the gradient maps' shared colour scale: the next whole decade above every ‖g‖."""
    return float(np.ceil(np.log10(max(float(np.max(g)) for g in gnorms))))
