"""`landscape` and `minimum-ratio` on the command line: exit codes and JSON (small settings)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from optim_lab.cli import main

RUN = ["--model", "mlp", "--width", "16", "--no-bn", "--optimizer", "sgd", "--lr", "0.1", "--batch-size", "32",
       "--epochs", "2", "--samples", "64"]


def _run(capsys, argv):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("plane", ["pca", "random"])
def test_landscape_json_has_the_axes_the_grid_and_the_path(capsys, plane):
    code, out, err = _run(capsys, ["landscape", *RUN, "--grid", "5", "--plane", plane, "--json"])
    assert code == 0, err
    d = json.loads(out)
    assert d["plane"] == plane and len(d["alpha"]) == len(d["beta"]) == 5
    loss = np.array(d["loss"])
    assert loss.shape == (5, 5) and np.isfinite(loss).all()
    assert d["settings"]["model"]["kind"] == "mlp" and d["settings"]["racer"]["optimizer"] == "sgd"
    path = np.array(d["path"])
    assert path.shape == (len(d["path_updates"]), 2) and np.abs(path[-1]).max() < 1e-5  # the path ends at θ*
    if plane == "random":
        assert d["alpha"][0] == -1 and d["alpha"][-1] == 1
    else:
        assert sum(d["share"]) <= 1 + 1e-9


def test_landscape_text_prints_the_plane_and_the_grid(capsys):
    code, out, _ = _run(capsys, ["landscape", *RUN, "--grid", "3"])
    assert code == 0
    assert out.startswith("plane: pca") and "beta \\ alpha" in out and len(out.splitlines()) >= 9


@pytest.mark.parametrize("argv", [["landscape", "--grid", "1"], ["landscape", "--model", "rnn"],
                                  ["landscape", *RUN, "--optimizer", "adam"], ["minimum-ratio", "--networks", "0"],
                                  ["minimum-ratio", "--train-steps", "5"], ["minimum-ratio", "--activation", "gelu"]])
def test_bad_arguments_end_with_status_2_and_one_line(capsys, argv):
    code, out, err = _run(capsys, argv)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1


def test_minimum_ratio_json_has_one_dot_per_network(capsys):
    code, out, err = _run(capsys, ["minimum-ratio", "--networks", "3", "--width", "4", "--train-steps", "20,40",
                                   "--gnorm-steps", "20", "--json"])
    assert code == 0, err
    d = json.loads(out)
    assert d["settings"]["hessian"] == "full" and d["settings"]["params"] == 13
    assert len(d["dots"]) == 3
    for dot in d["dots"]:
        assert {"loss", "grad_norm", "minimum_ratio", "positive", "negative", "zero"} <= set(dot)
        assert dot["positive"] + dot["negative"] + dot["zero"] == dot["eigenvalues"] == 13
    code, out, _ = _run(capsys, ["minimum-ratio", "--networks", "2", "--width", "4", "--train-steps", "20,40", "--gnorm-steps", "5"])
    assert code == 0 and "largest minimum ratio" in out


def test_the_sharpness_hook_rides_along_the_run_without_changing_it():
    """train … --sharpness-every K measures along the run itself (a hook of the one loop): the
    record is the same, bit for bit, with and without it; points at 0, K, 2K, … and the end."""
    from optim_lab.commands.train import sharpness_hook
    from optim_lab.engine import Racer
    from optim_lab.training.models import ModelConfig
    from optim_lab.training.train import RunConfig, train_run

    cfg = RunConfig(model=ModelConfig("mlp", 8, depth=1, bn=False), racer=Racer("sgd", lr=0.1), batch_size=None, epochs=None,
                    steps=7, samples=40).checked()
    hook = sharpness_hook(cfg, 3)
    with_hook, without = train_run(cfg, hooks=[hook]), train_run(cfg)
    assert with_hook.batch_loss == without.batch_loss
    for k, v in without.state_dict.items():
        assert np.array_equal(with_hook.state_dict[k], v), k
    assert [p["update"] for p in hook.points] == [0, 3, 6, 7] and all(p["lambda_max"] > 0 for p in hook.points)


def test_train_sharpness_every_adds_lambda_max_to_the_json(capsys):
    code, out, err = _run(capsys, ["train", *RUN, "--sharpness-every", "2", "--json"])
    assert code == 0, err
    run = json.loads(out)["runs"][0]
    assert [p["update"] for p in run["sharpness"]] == [0, 2, 4]  # 2 epochs × 2 updates: every 2 and the end
    assert all(set(p) == {"update", "lambda_max"} and p["lambda_max"] > 0 for p in run["sharpness"])
    code, out, _ = _run(capsys, ["train", *RUN, "--json"])
    assert "sharpness" not in json.loads(out)["runs"][0]
    code, out, _ = _run(capsys, ["train", *RUN, "--sharpness-every", "2"])
    assert code == 0 and "λ_max (2/η = " in out and "at update: 0:" in out
    code, _, err = _run(capsys, ["train", *RUN, "--sharpness-every", "-1"])
    assert code == 2 and "--sharpness-every" in err
