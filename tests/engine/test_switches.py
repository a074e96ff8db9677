"""Boolean hyper-parameters (torch's flags) end to end: one parse in `Param.check`, the command
line and `Racer(hparams=...)` give the same run, and `list optimizers` names each rule's source."""

from __future__ import annotations

import json

import numpy as np
import pytest

from optim_lab.cli import main
from optim_lab.engine import Racer, race
from optim_lab.optimizers import OPTIMIZERS
from surfaces import get_surface
from surfaces.spec import resolve, switch

FLAG = switch("amsgrad", False, "AMSGrad", "AMSGrad")


@pytest.mark.parametrize(("given", "want"), [(True, True), (False, False), (1, True), (0.0, False), ("true", True),
                                            ("False", False), (" on ", True), ("0", False)])
def test_a_switch_takes_bools_zero_one_and_the_words(given, want):
    assert resolve("optimizer adam", (FLAG,), {"amsgrad": given}) == {"amsgrad": want}


@pytest.mark.parametrize("bad", [2, 0.5, "maybe", None, [True, False]])
def test_a_switch_refuses_anything_else_in_one_message(bad):
    with pytest.raises(ValueError, match="amsgrad"):
        resolve("optimizer adam", (FLAG,), {"amsgrad": bad})


def test_the_command_line_switch_is_the_racer_switch(capsys):
    argv = ["run", "--surface", "rosenbrock", "--optimizer", "adam", "--opt", "amsgrad=true", "--opt", "maximize=false",
            "--lr", "0.01", "--steps", "30"]
    assert main(argv) == 0
    got = json.loads(capsys.readouterr().out)["trajectories"][0]
    problem = get_surface("rosenbrock").build()
    on = race(problem, [Racer("adam", lr=0.01, hparams={"amsgrad": True})], [problem.start], 30)
    off = race(problem, [Racer("adam", lr=0.01)], [problem.start], 30)
    xy = np.array(got["theta"])
    np.testing.assert_array_equal(xy, on.theta[:, 0])
    assert not np.array_equal(on.theta[:, 0], off.theta[:, 0])


def test_list_optimizers_names_each_torch_class_or_paper(capsys):
    assert main(["list", "optimizers", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert set(rows) == set(OPTIMIZERS)
    for name, spec in OPTIMIZERS.items():
        if spec.torch_name:
            assert rows[name]["reference"] == f"torch.optim.{spec.torch_name}"
        elif spec.convention == "paper":
            assert rows[name]["reference"].split(",")[0].endswith(("2021", "2023", "2024"))
    assert {"rprop", "asgd", "adafactor", "muon", "lion", "sam", "sgd-schedule-free", "adamw-schedule-free"} <= set(rows)
    assert any(p["boolean"] for p in rows["adam"]["params"])
