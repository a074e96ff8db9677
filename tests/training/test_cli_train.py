"""`python -m optim_lab train`: JSON, text, several runs, bad arguments (exit 2, one line)."""

from __future__ import annotations

import json

import pytest

from optim_lab.cli import main


def _run(capsys, *argv):
    rc = main(["train", *argv])
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_json_has_settings_and_every_epoch(capsys):
    rc, out, err = _run(capsys, "--samples", "60", "--epochs", "2", "--batch-size", "20", "--json",
                        "--optimizer", "sgd", "--optimizer", "adam", "--lr", "0.01", "--width", "4")
    assert rc == 0, err
    data = json.loads(out)
    assert len(data["runs"]) == 2
    run = data["runs"][0]
    assert run["settings"]["racer"]["optimizer"] == "sgd" and run["settings"]["batch_size"] == 20
    assert run["settings"]["model"]["width"] == 4
    assert [e["updates"] for e in run["epochs"]] == [3, 6]
    assert set(run["epochs"][0]) == {"epoch", "updates", "train_loss", "train_acc", "val_loss", "val_acc"}
    assert run["diverged_at"] is None


def test_steps_full_batch_mlp_text(capsys):
    rc, out, err = _run(capsys, "--model", "mlp", "--width", "16", "--depth", "1", "--activation", "tanh", "--no-bn",
                        "--loss", "mse", "--batch-size", "full", "--steps", "3", "--samples", "50", "--optimizer", "sgd",
                        "--lr", "0.5", "--schedule", "step", "--sched", "step_size=2")
    assert rc == 0, err
    assert "epoch" in out and "updates" in out
    assert out.count("\n") >= 4


def test_divergence_is_reported(capsys):
    rc, out, err = _run(capsys, "--samples", "60", "--epochs", "3", "--no-bn", "--optimizer", "sgd", "--lr", "90",
                        "--width", "4", "--json")
    assert rc == 0, err
    run = json.loads(out)["runs"][0]
    assert run["diverged_at"] is not None and run["diverged_at"] >= 1


@pytest.mark.parametrize("argv, needle", [
    (["--batch-size", "huge"], "--batch-size"),
    (["--batch-size", "0"], "batch_size"),
    (["--blocks", "4"], "blocks"),
    (["--epochs", "2", "--steps", "5"], "not allowed"),
    (["--optimizer", "nope"], "optimizer"),
    (["--opt", "beta9=1"], "beta9"),
    (["--epochs", "15", "--batch-size", "1"], "updates"),
    (["--model", "mlp", "--batch-size", "1", "--steps", "3"], "BatchNorm1d"),
    (["--samples", "5"], "samples"),
    (["--optimizer", "sgd"] * 5, "at most"),
])
def test_bad_arguments_exit_2_with_one_line(capsys, argv, needle):
    rc, out, err = _run(capsys, *argv)
    assert rc == 2 and out == ""
    assert err.count("\n") == 1 and needle in err, err
