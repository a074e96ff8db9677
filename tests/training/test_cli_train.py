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


def test_the_command_line_takes_the_engines_limits_and_shows_the_edge_of_stability(capsys):
    """450 full-batch updates (a page allows 400): the run trains, and λ_max of Cohen et al.'s
    square loss settles at 2/η = 10 (the edge of stability, small scale)."""
    import numpy as np

    rc, out, err = _run(capsys, "--model", "mlp", "--depth", "2", "--width", "32", "--activation", "tanh", "--loss", "half-mse",
                        "--no-bn", "--optimizer", "sgd", "--lr", "0.2", "--batch-size", "full", "--samples", "200",
                        "--steps", "450", "--sharpness-every", "50", "--json")
    assert rc == 0, err
    run = json.loads(out)["runs"][0]
    assert run["updates"] == 450 and run["diverged_at"] is None and run["settings"]["loss"] == "half-mse"
    lam = np.array([p["lambda_max"] for p in run["sharpness"]])
    assert [p["update"] for p in run["sharpness"]] == list(range(0, 451, 50))
    assert 0.9 <= np.median(lam[len(lam) // 2 :]) / 10.0 <= 1.2, lam
    rc, _, err = _run(capsys, "--samples", "60", "--steps", "20001", "--batch-size", "full")
    assert rc == 2 and "steps" in err and "20000" in err


def test_export_script_writes_the_pages_script_which_prints_the_same_epochs(capsys, tmp_path):
    from optim_lab.engine import Racer
    from optim_lab.training.codegen import script
    from optim_lab.training.models import ModelConfig
    from optim_lab.training.train import ENGINE_LIMITS, RunConfig

    path = tmp_path / "adam_run.py"
    rc, out, err = _run(capsys, "--samples", "80", "--epochs", "2", "--batch-size", "32", "--optimizer", "adam", "--lr", "0.01",
                        "--width", "4", "--export-script", str(path), "--json")
    assert rc == 0, err
    cfg = RunConfig(model=ModelConfig(width=4), racer=Racer("adam", lr=0.01), batch_size=32, epochs=2, samples=80)
    assert path.read_text(encoding="utf-8") == script(cfg.checked(ENGINE_LIMITS), filename="adam_run.py")  # the page's script
    ns = {"__name__": "exported"}
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), ns)  # noqa: S102 — the file we just wrote
    assert ns["main"](["--json"]) == json.loads(out)["runs"][0]["epochs"]  # the same records, bit for bit
    capsys.readouterr()
    rc, _, err = _run(capsys, "--optimizer", "sgd", "--optimizer", "adam", "--export-script", str(path))
    assert rc == 2 and "one" in err
    rc, _, err = _run(capsys, "--samples", "60", "--epochs", "1", "--export-script", str(tmp_path / "no" / "dir.py"))
    assert rc == 2 and "--export-script" in err


def test_muon_trains_from_the_command_line_as_the_lab_trains_it(capsys):
    """`train --optimizer muon`: the one loop's Muon + AdamW hybrid (a Muon-only run would refuse the
    biases), the same numbers as the lab's run of the same settings."""
    from optim_lab.engine import Racer
    from optim_lab.training.models import ModelConfig
    from optim_lab.training.train import RunConfig, train_run

    rc, out, err = _run(capsys, "--samples", "60", "--epochs", "2", "--batch-size", "20", "--json", "--optimizer", "muon",
                        "--lr", "0.02", "--width", "4", "--opt", "weight_decay=0.05")
    assert rc == 0, err
    run = json.loads(out)["runs"][0]
    assert run["diverged_at"] is None
    lab = train_run(RunConfig(model=ModelConfig(width=4), racer=Racer("muon", lr=0.02, hparams={"weight_decay": 0.05}),
                              batch_size=20, epochs=2, samples=60))
    assert [e["val_loss"] for e in run["epochs"]] == [e.val_loss for e in lab.epochs]


def test_a_muon_run_says_what_muon_and_adamw_step_as_the_lab_s_note_does(capsys):
    from optim_lab.engine import Racer
    from optim_lab.training.loop import muon_split_counts
    from optim_lab.training.models import ModelConfig, build_model

    rc, out, err = _run(capsys, "--samples", "60", "--epochs", "1", "--optimizer", "muon", "--width", "4")
    assert rc == 0, err
    n = muon_split_counts(build_model(ModelConfig(width=4), 0), Racer("muon"))
    assert n["muon_n"] == 3 and n["adamw_n"] == 9  # the lab's CNN: 2 kernels + 1 hidden matrix; 3 biases, 4 BN, the head's 2
    line = next(x for x in out.splitlines() if x.strip().startswith("Muon steps"))
    assert f"Muon steps {n['muon_n']} tensors, {n['muon_p']} weights" in line
    assert f"AdamW (lr {n['lr']:g}, weight decay {n['wd']:g}) steps {n['adamw_n']} tensors, {n['adamw_p']} weights" in line
    rc, out, _ = _run(capsys, "--samples", "60", "--epochs", "1", "--optimizer", "adam", "--width", "4")
    assert rc == 0 and "Muon steps" not in out
