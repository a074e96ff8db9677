"""The maps as jobs: each task is the library's map of the same setting, reports its progress
chunk by chunk, gives up between chunks when asked, and takes plain data only."""

from __future__ import annotations

import dataclasses
import pickle

import numpy as np

from optim_lab.engine import Racer
from optim_lab.maps import basins as B
from optim_lab.maps import fractal as F
from optim_lab.maps import sweep as S
from optim_lab.maps import tasks as T
from surfaces import FORMULA_SURFACE, build_problem, get_surface

RACERS = [Racer("sgd", lr=0.02), Racer("momentum", lr=0.02, hparams={"momentum": 0.9})]
BASINS = {"surface": "six-hump-camel", "params": {}, "racers": [dataclasses.asdict(r) for r in RACERS], "grid": 12,
          "steps": 40, "seed": 0}
SWEEP = {"surface": "quadratic", "params": {"cond": 10.0}, "racer": dataclasses.asdict(Racer("momentum")),
         "x": dataclasses.asdict(S.Axis("lr", 0.02, 1.0, 10, True)), "y": dataclasses.asdict(S.Axis("momentum", 0.0, 0.9, 8)),
         "start": [-2.5, 1.5], "steps": 30, "seed": 0}
FRACTAL = {"box": [0.0, 2.0, 0.0, 2.0], "grid": 80, "steps": 20, "seed": 3}


def _run(fn, args, stop_after=None):
    reports = []

    def report(partial, k, total):
        reports.append((partial, k, total))

    def should_stop():
        return stop_after is not None and len(reports) >= stop_after

    pickle.dumps(args)  # what the pool sends to its child
    return fn(args, report, should_stop), reports


def test_each_task_is_the_library_map_of_its_setting():
    bmap, reports = _run(T.basins_task, BASINS)
    want = B.basin_map(get_surface("six-hump-camel").build(), RACERS, 12, 40)
    assert np.array_equal(bmap.basin, want.basin) and np.array_equal(bmap.steps_needed, want.steps_needed)
    assert reports[-1] == (None, 144, 144)

    smap, reports = _run(T.sweep_task, SWEEP)
    want = S.sweep_map(get_surface("quadratic").build(cond=10.0), Racer("momentum"), S.Axis("lr", 0.02, 1.0, 10, True),
                       S.Axis("momentum", 0.0, 0.9, 8), (-2.5, 1.5), 30)
    assert np.array_equal(smap.final_loss, want.final_loss, equal_nan=True)
    assert [r[1:] for r in reports] == [(0, 1), (1, 1)]

    fmap, reports = _run(T.fractal_task, FRACTAL)
    want = F.fractal_map((0.0, 2.0, 0.0, 2.0), 80, 20, 3)
    assert np.array_equal(fmap.converged, want.converged)  # chunked for progress: the same map
    assert [r[1] for r in reports] == [4096, 6400] and pickle.loads(pickle.dumps(fmap)).converged_share == fmap.converged_share


def test_a_task_gives_up_between_chunks_when_asked():
    out, reports = _run(T.fractal_task, FRACTAL, stop_after=1)
    assert out is None and len(reports) == 1


def test_small_maps_stay_in_the_script_run_and_the_fractal_never_does():
    assert T.inline("basins", BASINS) and T.inline("sweep", SWEEP)
    assert not T.inline("fractal", FRACTAL | {"grid": 16, "steps": 20})
    default_basins = BASINS | {"grid": 64, "steps": 200}  # the page's default: 64 × 64 starts × 2 racers × 200 steps
    assert T.work("basins", default_basins) == 2 * 64 * 64 * 201 and not T.inline("basins", default_basins)


def test_the_formula_surface_is_built_from_its_settings():
    p = build_problem(FORMULA_SURFACE, {"formula": "x**2 + 3*y**2", "x_min": -1.0, "x_max": 1.0, "y_min": -2.0, "y_max": 2.0})
    assert tuple(float(v) for v in p.box) == (-1.0, 1.0, -2.0, 2.0)
