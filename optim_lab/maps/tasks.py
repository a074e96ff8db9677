"""The maps as jobs of the worker pool: one top-level task per map kind, `fn(args, report, should_stop)`.

`args` is plain data (the page's canonical setting); the task builds the problem itself (a forked
child gets no live objects), reports `(None, done, total)` after each chunk of cells, checks
`should_stop()` between chunks and returns the map (a dataclass of numpy arrays), or None when
stopped.  `work(kind, args)` is the size of a map in point-steps (cells × rows × steps), what the
page compares with `INLINE_WORK` to decide whether the map is small enough to stay in the script run.
"""

from __future__ import annotations

from surfaces import build_problem

from ..engine import Racer
from . import basins as B
from . import fractal as F
from . import sweep as S

FRACTAL_CHUNK = 4096  # cells per chunk of a fractal job: progress every chunk (same map as one chunk)
# A map this small stays in the script run.  Measured on this 2-core machine (shared by 8 sessions,
# load 3–16): 0.4–2.6 s for 0.41 M point-steps (basins 32 × 32 × 2 racers × 200 steps, sweeps
# 64 × 64 × 100 steps), 0.16 s at best, so ≈ 0.4 µs per point-step idle and up to ≈ 5 µs loaded:
# 150 000 point-steps stay under 0.1 s idle and about 0.5 s at the worst load seen; everything larger,
# the pages' defaults among it (basins 1.6 M, sweeps 0.41 M), is a job.  The fractal's network step
# costs ≈ 10× a surface step (128 × 128 × 100: 8 s loaded), so it is always a job.
INLINE_WORK = 150_000


def racers_of(dicts) -> list[Racer]:
    return [Racer(**{k: v for k, v in d.items()}) for d in dicts]


def _progress(report):
    return lambda done, total: report(None, done, total)


def basins_task(args: dict, report, should_stop):
    """args: surface, params, racers (Racer fields as dicts), grid, steps, seed."""
    problem = build_problem(args["surface"], args["params"])
    racers = racers_of(args["racers"])
    return B.basin_map(problem, racers, int(args["grid"]), int(args["steps"]), seed=int(args["seed"]),
                       progress=_progress(report), should_stop=should_stop)


def sweep_task(args: dict, report, should_stop):
    """args: surface, params, racer (a dict), x, y (Axis fields as dicts), start, steps, seed.  One
    batched call: progress is 0 of 1, then 1 of 1."""
    problem = build_problem(args["surface"], args["params"])
    racer = racers_of([args["racer"]])[0]
    report(None, 0, 1)
    if should_stop():
        return None
    out = S.sweep_map(problem, racer, S.Axis(**args["x"]), S.Axis(**args["y"]), tuple(args["start"]), int(args["steps"]),
                      int(args["seed"]))
    report(None, 1, 1)
    return out


def fractal_task(args: dict, report, should_stop):
    """args: box (log10 η_in from, to, log10 η_out from, to), grid, steps, seed."""
    return F.fractal_map(tuple(args["box"]), int(args["grid"]), int(args["steps"]), int(args["seed"]), chunk=FRACTAL_CHUNK,
                         progress=_progress(report), should_stop=should_stop)


TASKS = {"basins": f"{__name__}:basins_task", "sweep": f"{__name__}:sweep_task", "fractal": f"{__name__}:fractal_task"}


def work(kind: str, args: dict) -> int:
    """Point-steps of a map: rows × cells × (steps + 1)."""
    if kind == "basins":
        return len(args["racers"]) * int(args["grid"]) ** 2 * (int(args["steps"]) + 1)
    if kind == "sweep":
        return int(args["x"]["n"]) * int(args["y"]["n"]) * (int(args["steps"]) + 1)
    return int(args["grid"]) ** 2 * (int(args["steps"]) + 1)


def inline(kind: str, args: dict) -> bool:
    """Small enough for the script run (see INLINE_WORK); the fractal never is."""
    return kind != "fractal" and work(kind, args) <= INLINE_WORK


def run_inline(kind: str, args: dict):
    """The same task in the calling process, without progress (a small map, or the command line)."""
    fn = {"basins": basins_task, "sweep": sweep_task, "fractal": fractal_task}[kind]
    return fn(args, lambda *a: None, lambda: False)
