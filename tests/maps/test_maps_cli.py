"""`python -m optim_lab basins` and `sweep`: JSON shapes, the codes, one-line errors (exit 2)."""

from __future__ import annotations

import json

import pytest

from optim_lab.cli import main


def cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_basins_json(capsys):
    code, out, _ = cli(capsys, "basins", "--surface", "himmelblau", "--optimizer", "sgd", "--optimizer", "momentum",
                       "--lr", "0.01", "--grid", "12", "--steps", "80", "--json")
    assert code == 0
    d = json.loads(out)
    assert len(d["x"]) == len(d["y"]) == 12 and len(d["minima"]) == 4
    assert [m["optimizer"] for m in d["maps"]] == ["sgd", "momentum"]
    basin = d["maps"][0]["basin"]
    assert len(basin) == 12 and len(basin[0]) == 12
    assert {v for row in basin for v in row} <= {-2, -1, 0, 1, 2, 3}
    assert d["codes"] == {"not_converged": -1, "diverged": -2}


def test_sweep_json_and_text(capsys):
    code, out, _ = cli(capsys, "sweep", "--surface", "quadratic", "--optimizer", "momentum", "--x", "lr=0.01:1:16:log",
                       "--y", "momentum=0:0.9:8", "--start", "-2.5,1.5", "--steps", "60", "--json")
    assert code == 0
    d = json.loads(out)
    assert d["x"]["name"] == "lr" and d["x"]["log"] and len(d["x"]["values"]) == 16
    assert len(d["final_loss"]) == 8 and len(d["final_loss"][0]) == 16
    assert d["boundary"][0] == pytest.approx([0.2, 0.0])
    assert any(v >= 0 for row in d["diverged_at"] for v in row) and any(v == -1 for row in d["diverged_at"] for v in row)
    code, out, _ = cli(capsys, "sweep", "--surface", "linreg", "--optimizer", "sgd", "--x", "lr=0.001:0.5:6:log",
                       "--y", "batch_size=1:40:4", "--steps", "20")
    assert code == 0 and "linreg" in out


@pytest.mark.parametrize("argv", [
    ["sweep", "--surface", "quadratic", "--x", "lr=0.01:1", "--y", "momentum=0:0.9:8"],
    ["sweep", "--surface", "quadratic", "--optimizer", "momentum", "--x", "lr=0.01:1:8:log", "--y", "mom=0:0.9:8"],
    ["sweep", "--surface", "quadratic", "--optimizer", "sgd", "--optimizer", "adam", "--x", "lr=0.01:1:8", "--y", "lr=0:1:8"],
    ["sweep", "--surface", "quadratic", "--x", "lr=0.01:1:8:log", "--y", "batch_size=1:4:4"],
    ["basins", "--surface", "himmelblau", "--grid", "256", "--steps", "1000"],
    ["basins", "--surface", "himmelblau", "--grid", "1"],
])
def test_bad_arguments_exit_2_with_one_line(capsys, argv):
    code, out, err = cli(capsys, *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("optim_lab: error:")
