"""Downloads: CSV and JSON of a race, up to each trajectory's divergence."""

from __future__ import annotations

import csv
import io
import json

from optim_lab.engine import race
from surfaces import get_surface
from ui.common.export import race_csv, race_json
from ui.common.racers import RacerConfig
from ui.common.result import Race, RaceResult


def _race() -> Race:
    p = get_surface("rosenbrock").build()
    configs = [RacerConfig("adam", 0.05), RacerConfig("sgd", 5.0, color="#000")]
    res = RaceResult.from_engine(race(p, [c.racer() for c in configs], [(-1.5, 2.5)], 20))
    return Race("rosenbrock", {}, configs, ["Adam", "GD"], ["#111", "#000"], (-1.5, 2.5), 20, 0, res, p)


def test_csv_has_a_row_per_usable_step():
    r = _race()
    rows = list(csv.reader(io.StringIO(race_csv(r))))
    ax, ay = r.spec.axes
    assert rows[0] == ["optimizer", f"start_{ax}", f"start_{ay}", "step", ax, ay, "loss", "grad_norm", "lr", "diverged_at"]
    adam = [row for row in rows[1:] if row[0] == "Adam"]
    gd = [row for row in rows[1:] if row[0] == "GD"]
    assert len(adam) == 21 and adam[0][8] == "" and float(adam[1][8]) == 0.05
    assert [float(v) for v in adam[0][1:3]] == [-1.5, 2.5] and float(adam[-1][4]) == r.result.theta[-1, 0, 0]
    assert len(gd) == r.result.diverged(1) and gd[0][9] == str(r.result.diverged(1))


def test_json_records_settings_and_trajectories():
    r = _race()
    doc = json.loads(race_json(r))
    assert doc["surface"] == "rosenbrock" and doc["steps"] == 20 and doc["start"] == [-1.5, 2.5]
    adam, gd = doc["trajectories"]
    assert adam["optimizer"] == "Adam" and adam["config"] == {"optimizer": "adam", "lr": 0.05, "hparams": {},
                                                              "schedule": "constant", "sched_params": {}, "dash": "solid"}
    assert len(adam["theta"]) == 21 and len(gd["theta"]) == gd["diverged_at"]
