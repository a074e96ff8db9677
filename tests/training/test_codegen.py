"""The generated script reproduces the app's numbers, epoch by epoch, exactly.

Every optimizer of the registry (both conventions, and a custom rule pair) and every
schedule: the script's written-out update — the one allowed second copy of an update, in
the same operations and order as the engine's — must give the same per-epoch numbers as
`train_run` with LabOptimizer, bit for bit, in float64 and in the app's float32.  Most
cases exec the script in-process through its `main(argv)`; one runs it as a real
subprocess with no flags at all, at the app's defaults; settings nobody picked come from
hypothesis."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optim_lab.engine import Racer
from optim_lab.optimizers import OPTIMIZERS
from optim_lab.rules import MOMENTUM, SCALING
from optim_lab.schedules import SCHEDULES
from optim_lab.training.codegen import MOMENTUM_CODE, SCALING_CODE, script, unwritten
from optim_lab.training.models import ModelConfig
from optim_lab.training.train import RunConfig, train_run
from tests.oracles import SCHED_DB

KEYS = ("updates", "train_loss", "train_acc", "val_loss", "val_acc")


def _numbers(epochs) -> np.ndarray:
    return np.array([[getattr(e, k) if not isinstance(e, dict) else e[k] for k in KEYS] for e in epochs], dtype=float)


def _exec(src: str, argv: list[str]):
    ns = {"__name__": "generated_script"}
    exec(compile(src, "train_digits.py", "exec"), ns)  # noqa: S102 — our own generated text
    return ns["main"](argv)


def _small(racer: Racer, **kw) -> RunConfig:
    # no BN: the ε-free book rules turn the round-off gradient of a bias before BN into ±η jumps
    base = dict(model=ModelConfig(width=4, blocks=2, bn=False), racer=racer, batch_size=16, epochs=2, samples=100,
                dtype="float64", seed=1)
    return RunConfig(**{**base, **kw})


WRITTEN = [n for n in OPTIMIZERS if unwritten(Racer(n)) is None]
# the book's optimizers and torch's classic ones are written out; what the engine gained beyond them is refused
BEYOND = ["rprop", "asgd", "adafactor", "muon", "lion", "sam", "sgd-schedule-free", "adamw-schedule-free"]
SWITCHED = [Racer("adam", hparams={"amsgrad": True}), Racer("adamw", hparams={"amsgrad": True}),
            Racer("rmsprop", hparams={"centered": True}), Racer("rmsprop", hparams={"momentum": 0.9}),
            Racer("sgd", hparams={"maximize": True}), Racer("adagrad", hparams={"initial_accumulator_value": 0.1}),
            Racer("nadam", hparams={"decoupled_weight_decay": True}),
            Racer("custom", lr=0.05, momentum_rule="heavy-ball", scaling_rule="adam", hparams={"rho": 0.05})]


def test_every_rule_is_written_out_or_refused():
    """Each rule the script writes out is the engine's; every optimizer is either written out or
    refused with its reason — never a script that would print other numbers."""
    assert set(MOMENTUM_CODE) <= set(MOMENTUM) and set(SCALING_CODE) <= set(SCALING)
    assert sorted(set(OPTIMIZERS) - set(WRITTEN)) == sorted(BEYOND)
    for n in ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "radam", "nadam", "adamax", "adadelta",
              "momentum-book", "adagrad-book", "rmsprop-book"):
        assert n in WRITTEN


@pytest.mark.parametrize("racer", [Racer(n) for n in BEYOND] + SWITCHED, ids=lambda r: f"{r.optimizer}-{sorted(r.hparams)}")
def test_a_run_whose_update_is_not_written_out_gets_no_script(racer):
    with pytest.raises(ValueError, match="no script for this run"):
        script(_small(racer))


CASES = (
    [(f"opt-{n}", _small(Racer(n))) for n in WRITTEN]
    + [(f"sched-{s}", _small(Racer("momentum", lr=0.05, schedule=s, sched_params=SCHED_DB[s][0]), epochs=4))
       for s in SCHEDULES]
    + [
        ("custom-nesterov-adagrad", _small(Racer("custom", lr=0.05, momentum_rule="nesterov", scaling_rule="adagrad"))),
        ("custom-book-adam", _small(Racer("custom", lr=0.01, momentum_rule="book", scaling_rule="adam"))),
        ("custom-ema-raw-rmsprop", _small(Racer("custom", lr=0.01, momentum_rule="ema-raw", scaling_rule="rmsprop"))),
        ("hw3-adam-wd-clip-bn-augment", _small(Racer("adam", lr=3e-4, hparams={"weight_decay": 1e-5}), clip=10.0,
                                               augment=True, model=ModelConfig(width=4, blocks=2))),
        ("mse-steps", _small(Racer("sgd", lr=0.5), loss="mse", epochs=None, steps=11)),
        ("residual-full-batch", _small(Racer("adam"), batch_size=None, model=ModelConfig(width=4, blocks=3, residual=True))),
        ("mlp-tanh-no-normalize", _small(Racer("rmsprop", lr=1e-3), normalize=False,
                                         model=ModelConfig(kind="mlp", width=16, depth=2, activation="tanh", residual=True))),
    ]
)


@pytest.mark.parametrize("cfg", [c for _, c in CASES], ids=[i for i, _ in CASES])
def test_script_reproduces_the_run(cfg):
    torch.set_num_threads(1)
    rec = train_run(cfg)
    assert rec.diverged_at is None
    hist = _exec(script(cfg), ["--json"])
    np.testing.assert_array_equal(_numbers(hist), _numbers(rec.epochs))


def test_script_as_a_subprocess_at_the_apps_defaults(tmp_path):
    # float32, the app's default CNN; Adam η = 0.01, B = 32 differed before the update was written out
    # in the engine's own operations (final training loss 0.1613 against 0.2101 after 10 epochs)
    cfg = RunConfig(racer=Racer("adam", lr=1e-2), batch_size=32, epochs=2, samples=300)
    torch.set_num_threads(1)
    rec = train_run(cfg)
    path = tmp_path / "train_digits.py"
    path.write_text(script(cfg, filename=path.name), encoding="utf-8")
    proc = subprocess.run([sys.executable, str(path), "--json"], capture_output=True, text=True, timeout=300,
                          cwd=tmp_path, check=False)
    assert proc.returncode == 0, proc.stderr
    hist = json.loads(proc.stdout.strip().splitlines()[-1])
    # float32, the same operations in the same order: the same numbers, bit for bit
    np.testing.assert_array_equal(_numbers(hist), _numbers(rec.epochs))


def test_script_is_standalone_and_readable():
    src = script(RunConfig())
    imported = {line.split()[1].split(".")[0] for line in src.splitlines() if line.strip().startswith(("import ", "from "))}
    assert imported <= {"argparse", "json", "math", "numpy", "torch", "sklearn"}, imported
    assert "optim_lab" not in src
    for needed in ("def train(", "def evaluate(", "argparse", "torch.manual_seed(args.seed)", "model.eval()",
                   "clip_grad_norm_", "class Classifier", "class RandomAffine", "def eta_table", "torch.set_num_threads(1)"):
        assert needed in src
    compile(src, "train_digits.py", "exec")


@settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(optimizer=st.sampled_from(["sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop", "adagrad", "radam", "nadam",
                                  "adamax", "adadelta", "momentum-book", "adagrad-book", "rmsprop-book"]),
       lr_scale=st.sampled_from([0.3, 1.0, 3.0]), batch=st.sampled_from([8, 16, 25, 64, None]),
       schedule=st.sampled_from(sorted(SCHEDULES)), bn=st.booleans(), dtype=st.sampled_from(["float32", "float64"]),
       kind=st.sampled_from(["cnn", "mlp"]), seed=st.integers(0, 99))
def test_script_reproduces_settings_nobody_picked(optimizer, lr_scale, batch, schedule, bn, dtype, kind, seed):
    """Random settings (optimizer, η, batch size, schedule, BN, precision, model, seed): the same
    per-epoch records as `train --json`, bit for bit."""
    torch.set_num_threads(1)
    model = ModelConfig(width=4, blocks=1, bn=bn) if kind == "cnn" else ModelConfig(kind="mlp", width=16, depth=1, bn=bn)
    racer = Racer(optimizer, lr=OPTIMIZERS[optimizer].lr * lr_scale, schedule=schedule, sched_params=SCHED_DB[schedule][0])
    cfg = RunConfig(model=model, racer=racer, batch_size=batch, epochs=2, samples=90, dtype=dtype, seed=seed)
    try:
        cfg = cfg.checked()
    except ValueError:  # e.g. a BatchNorm1d batch of one sample: refused by the app too
        return
    rec = train_run(cfg)
    hist = _exec(script(cfg), ["--json"])
    assert len(hist) == len(rec.epochs)
    np.testing.assert_array_equal(_numbers(hist), _numbers(rec.epochs))
