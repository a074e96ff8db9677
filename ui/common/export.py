"""A race as CSV and JSON text (pure: what the download buttons hand out).

The same trajectories the command line's `run --format csv|json` writes, with the
page's names and settings; a candidate to move down next to the command line.
"""

from __future__ import annotations

import csv
import io
import json

from ui.common.result import Race

CSV_COLUMNS = ("optimizer", "step", "{x}", "{y}", "loss", "grad_norm", "lr", "diverged_at")


def race_csv(race: Race) -> str:
    """One row per racer and usable step: θ_k, L(θ_k), ‖∇L(θ_k)‖, η_k (empty for k = 0)."""
    r = race.result
    ax, ay = race.spec.axes
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([c.format(x=ax, y=ay) for c in CSV_COLUMNS])
    for i, name, _ in race.rows():
        d = r.diverged(i)
        for k in range(r.end(i)):
            w.writerow([name, k, r.theta[k, i, 0], r.theta[k, i, 1], r.loss[k, i], r.grad_norm[k, i],
                        r.lr[k - 1, i] if k else "", "" if d is None else d])
    return buf.getvalue()


def race_json(race: Race) -> str:
    """The settings of the race and every trajectory up to its divergence."""
    r = race.result
    doc = {
        "surface": race.surface, "params": race.params, "start": list(race.start), "steps": race.steps, "seed": race.seed,
        "trajectories": [
            {"name": name, "config": race.configs[i].as_dict(), "diverged_at": r.diverged(i),
             "theta": r.theta[: r.end(i), i].tolist(), "loss": r.loss[: r.end(i), i].tolist()}
            for i, name, _ in race.rows()
        ],
    }
    return json.dumps(doc, ensure_ascii=False)
