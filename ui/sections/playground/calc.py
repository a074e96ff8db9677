"""§3.5 calculations: the live equation of one step, written from what the engine recorded.

θ_k = decay_k·θ_{k−1} − eff_k ⊙ d_k holds on every row by the engine's own records, whatever
the rules (book momentum carries η inside d, Adam's σ sits in eff); the decay factor is shown
only where it is not 1 (decoupled weight decay).
"""

from __future__ import annotations

from ui.common.numbers import tex
from ui.common.result import StepRecord

# The playground's one live control: every racer's η × m, m on a log grid of 41 positions from
# 1/10 to 10 (20 a decade, 3 significant digits: the URL and the selector show them as they are).
MULTIPLIERS = tuple(float(f"{10 ** (k / 20):.3g}") for k in range(-20, 21))


def _col(v, sig: int) -> str:
    return rf"\begin{{bmatrix}}{tex(v[0], sig)}\\{tex(v[1], sig)}\end{{bmatrix}}"


def step_latex(step: StepRecord, eta_inside: bool = False) -> str:
    """θ_k = θ_{k−1} − eff_k ⊙ d_k with the recorded numbers.  `eta_inside` only names the
    factor (η/σ, or 1/σ when the momentum rule already holds η)."""
    k = step.k
    factor = rf"(1/\sigma)_{{{k}}}" if eta_inside else rf"(\eta/\sigma)_{{{k}}}"
    decay = "" if step.decay == 1.0 else rf"{tex(step.decay, 6)}\,"
    return (
        rf"\underbrace{{{_col(step.theta, 4)}}}_{{\theta_{{{k}}}}} = "
        rf"{decay}{_col(step.theta_prev, 4)} - "
        rf"\underbrace{{{_col(step.eff, 3)}}}_{{{factor}}} \odot "
        rf"\underbrace{{{_col(step.direction, 3)}}}_{{d_{{{k}}}}}"
        rf"\quad(\eta_{{{k}}}={tex(step.eta, 3)})"
    )


def equal_budget(result, budget: int | None = None) -> list[tuple[int, int, int, float | None]] | None:
    """The race at an equal budget of gradient evaluations, from the engine's own counts: per
    row (gradients per step, steps the budget buys, loss there; None where the row diverged
    before).  The budget defaults to the race's steps, what a one-gradient racer spends.
    None where every racer takes one gradient a step (steps are then the fair axis)."""
    per = result.grads_per_step
    if per is None or (per == 1).all():
        return None
    budget = result.steps if budget is None else int(budget)
    rows = []
    for i in range(result.n_rows):
        k = min(result.steps, budget // int(per[i]))
        d = result.diverged(i)
        rows.append((int(per[i]), k, None if d is not None and k >= d else float(result.loss[k, i])))
    return rows
