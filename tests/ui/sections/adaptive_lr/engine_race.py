"""The race §3.3 runs for a URL query, rebuilt from the engine and the page's pure pieces
(the page's defaults where the query says nothing): the oracle of the tests of the default
view, the presets and the question."""

from __future__ import annotations

from optim_lab.engine import race
from surfaces import get_surface
from ui.sections.adaptive_lr.calc import ALPHA, DEFAULT_STEPS, ETA_UNITS, LINEUP, OWN_LR, SURFACES, configs, curvature, lr_default


def race_of(query: dict[str, str]):
    """(problem, {racer id: row}, RunResult) for `query`."""
    surface = query.get("surface", SURFACES[0])
    params = {k[2:]: float(v) for k, v in query.items() if k.startswith("s_")}
    problem = get_surface(surface).build(**params)
    start = (float(query.get("x0", problem.start[0])), float(query.get("y0", problem.start[1])))
    unit = 2.0 / curvature(problem, start)[1]
    lrs = {r: float(query.get(f"eta_{'u' if r == 'gd' else 'u2'}", ETA_UNITS[r])) * unit for r in ("gd", "gd2")}
    lrs |= {r: float(query.get(f"lr_{r}", lr_default(r, surface))) for r in OWN_LR}
    lrs["agd"] = lrs["agb"]
    hparams = {r: {"alpha": float(query.get(f"a_{r}", a))} for r, a in ALPHA.items()}
    ids = [r for r in LINEUP if query.get(r, "1" if LINEUP[r].on else "0") == "1"]
    racers = [c.racer() for c in configs(ids, lrs, hparams)]
    result = race(problem, racers, [start], int(query.get("steps", DEFAULT_STEPS)))
    return problem, {r: i for i, r in enumerate(ids)}, result
