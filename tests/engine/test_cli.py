"""`python -m optim_lab` end to end: run in-process through `main(argv)` (fast), plus one
real subprocess proving the module entry point works.  No network, no timing."""

from __future__ import annotations

import csv
import io
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from optim_lab.cli import main
from optim_lab.optimizers import OPTIMIZERS
from optim_lab.schedules import SCHEDULES
from surfaces import SURFACES

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent / "golden"

RUN_KEYS = {"surface", "params", "schedule", "steps", "seed", "trajectories"}
TRAJ_KEYS = {"optimizer", "start", "lr0", "batch_size", "theta", "loss", "grad_norm", "lr", "diverged_at"}
CSV_HEADER = ["optimizer", "start_x", "start_y", "step", "x", "y", "loss", "grad_norm", "lr", "diverged_at"]


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    captured = capsys.readouterr()
    return rc, captured.out, captured.err


def ok(capsys, *argv: str) -> str:
    rc, out, err = cli(capsys, *argv)
    assert rc == 0, err
    assert err == ""
    return out


def _no_nonfinite(token: str):
    raise AssertionError(f"non-finite JSON token {token!r} in CLI output")


def ok_json(capsys, *argv: str):
    out = ok(capsys, *argv)
    for bad in ("NaN", "Infinity"):
        assert bad not in out
    return json.loads(out, parse_constant=_no_nonfinite)


def run(capsys, *argv: str) -> dict:
    return ok_json(capsys, "run", *argv)


# ---------------------------------------------------------------------------- list

REGISTRIES = {"surfaces": SURFACES, "optimizers": OPTIMIZERS, "schedules": SCHEDULES}


@pytest.mark.parametrize("what", sorted(REGISTRIES))
def test_list_json_names_match_registry(capsys, what):
    rows = ok_json(capsys, "list", what, "--json")
    assert [r["name"] for r in rows] == list(REGISTRIES[what])
    for r in rows:
        assert r["label_en"] and r["label_zh"]
        for p in r["params"]:
            assert {"name", "default", "min", "max", "log", "integer"} <= set(p)
            assert p["min"] <= p["default"] <= p["max"]


@pytest.mark.parametrize("what", sorted(REGISTRIES))
def test_list_text_names_match_registry(capsys, what):
    lines = ok(capsys, "list", what).splitlines()
    names = [line.split()[0] for line in lines]
    expected = list(REGISTRIES[what])
    if what == "optimizers":  # one extra line explains custom:M+S
        assert names[-1] == "custom:M+S"
        names = names[:-1]
    assert names == expected


def test_module_entry_point_subprocess():
    proc = subprocess.run(
        [sys.executable, "-m", "optim_lab", "list", "surfaces"],
        cwd=ROOT, capture_output=True, text=True, encoding="utf-8", timeout=120, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    names = [line.split()[0] for line in proc.stdout.splitlines()]
    assert names == list(SURFACES)


# ---------------------------------------------------------------------------- run: shape


def _check_traj_shape(t: dict, steps: int, hessian: bool = False) -> None:
    assert set(t) == TRAJ_KEYS | ({"eigvals"} if hessian else set())
    theta = np.asarray(t["theta"], dtype=float)
    assert theta.shape == (steps + 1, 2)
    assert theta[0].tolist() == t["start"]
    assert len(t["loss"]) == steps + 1
    assert len(t["grad_norm"]) == steps + 1
    assert len(t["lr"]) == steps
    if hessian:
        lam = np.asarray(t["eigvals"], dtype=float)
        assert lam.shape == (steps + 1, 2)
        assert (lam[:, 0] <= lam[:, 1]).all()  # ascending


def test_run_json_shape(capsys):
    out = run(capsys, "--surface", "textbook-saddle", "--optimizer", "sgd", "--lr", "0.05", "--steps", "7", "--start", "-0.6,0.62")
    assert set(out) == RUN_KEYS
    assert out["surface"] == "textbook-saddle"
    assert out["params"] == {}
    assert out["schedule"] == "constant"
    assert out["steps"] == 7
    assert out["seed"] == 0
    (t,) = out["trajectories"]
    _check_traj_shape(t, 7)
    assert t["optimizer"] == "sgd"
    assert t["start"] == [-0.6, 0.62]
    assert t["lr0"] == 0.05
    assert t["lr"] == [0.05] * 7
    assert t["batch_size"] is None  # not a data-backed surface
    assert t["diverged_at"] is None
    # one plain gradient step by hand on (1 − w1·w2)²
    w1, w2 = -0.6, 0.62
    r = 1 - w1 * w2
    g = np.array([-2 * w2 * r, -2 * w1 * r])
    np.testing.assert_allclose(t["theta"][1], np.array([w1, w2]) - 0.05 * g, rtol=1e-13)
    assert t["loss"][0] == pytest.approx(r * r, rel=1e-13)
    assert t["grad_norm"][0] == pytest.approx(float(np.hypot(*g)), rel=1e-13)


def test_run_default_start_is_the_surface_start(capsys):
    out = run(capsys, "--surface", "himmelblau", "--steps", "2")
    (t,) = out["trajectories"]
    assert t["start"] == list(SURFACES["himmelblau"].start)
    assert t["optimizer"] == "sgd"  # default optimizer


def test_run_hessian_adds_eigvals(capsys):
    out = run(capsys, "--surface", "textbook-saddle", "--optimizer", "adam", "--optimizer", "sgd", "--steps", "4", "--hessian",
              "--start", "0.5,0.5")
    for t in out["trajectories"]:
        _check_traj_shape(t, 4, hessian=True)
        # the book's check case at (0.5, 0.5): eigenvalues −0.5 and 1.5
        np.testing.assert_allclose(t["eigvals"][0], [-0.5, 1.5], rtol=1e-12)


def test_run_optimizers_times_starts_share_starts(capsys):
    opts = ["sgd", "momentum", "adam"]
    starts = ["-0.6,0.62", "1.5,-1", "0.25,0.3"]
    argv = ["--surface", "textbook-saddle", "--steps", "6", "--lr", "0.02"]
    for o in opts:
        argv += ["--optimizer", o]
    for s in starts:
        argv += ["--start", s]
    out = run(capsys, *argv)
    trajs = out["trajectories"]
    assert len(trajs) == len(opts) * len(starts)
    # optimizer-major order, every optimizer from every start
    expected = [(o, [float(v) for v in s.split(",")]) for o in opts for s in starts]
    assert [(t["optimizer"], t["start"]) for t in trajs] == expected
    for t in trajs:
        _check_traj_shape(t, 6)
    for j in range(len(starts)):
        same_start = [trajs[i * len(starts) + j] for i in range(len(opts))]
        assert len({json.dumps(t["theta"][0]) for t in same_start}) == 1
        assert len({t["loss"][0] for t in same_start}) == 1
        # ... and the optimizers then go different ways
        assert len({json.dumps(t["theta"][-1]) for t in same_start}) == len(opts)


# ---------------------------------------------------------------------------- run: hyper-parameters

SADDLE = ["--surface", "textbook-saddle", "--steps", "6", "--lr", "0.05", "--start", "-0.6,0.62"]


def _by_name(out: dict) -> dict[str, np.ndarray]:
    return {t["optimizer"]: np.asarray(t["theta"], dtype=float) for t in out["trajectories"]}


# Racing an optimizer next to others may change the last bit (rows share batched tensor
# arithmetic), so "the same trajectory" means equal to rtol 1e-12, "different" means far apart.
def same(a, b) -> bool:
    return np.allclose(a, b, rtol=1e-12, atol=0)


def different(a, b) -> bool:
    return float(np.abs(np.subtract(a, b)).max()) > 1e-6


def test_opt_with_prefix_applies_to_that_optimizer_only(capsys):
    default = _by_name(run(capsys, *SADDLE, "--optimizer", "adam", "--optimizer", "radam"))
    alone = _by_name(run(capsys, *SADDLE, "--optimizer", "adam", "--opt", "beta1=0.8"))
    mixed = _by_name(run(capsys, *SADDLE, "--optimizer", "adam", "--optimizer", "radam", "--opt", "adam.beta1=0.8"))
    assert same(mixed["adam"], alone["adam"])
    assert different(mixed["adam"], default["adam"])
    assert same(mixed["radam"], default["radam"])  # radam has beta1 too, but was not addressed


def test_opt_without_prefix_applies_to_every_optimizer_that_has_it(capsys):
    names = ["adam", "radam", "sgd"]
    argv = [*SADDLE]
    for n in names:
        argv += ["--optimizer", n]
    default = _by_name(run(capsys, *argv))
    changed = _by_name(run(capsys, *argv, "--opt", "beta1=0.8"))
    for n in ("adam", "radam"):
        single = _by_name(run(capsys, *SADDLE, "--optimizer", n, "--opt", f"{n}.beta1=0.8"))
        assert same(changed[n], single[n])
        assert different(changed[n], default[n])
    assert same(changed["sgd"], default["sgd"])  # sgd has no beta1 and is left alone


def test_opt_for_optimizer_not_named_is_refused(capsys):
    rc, out, err = cli(capsys, "run", *SADDLE, "--optimizer", "sgd", "--opt", "adam.beta1=0.8")
    assert rc == 2 and out == "" and len(err.strip().splitlines()) == 1


def test_custom_optimizer(capsys):
    name = "custom:nesterov+adagrad"
    out = run(capsys, *SADDLE, "--optimizer", name, "--optimizer", "sgd")
    trajs = _by_name(out)
    assert set(trajs) == {name, "sgd"}
    custom = next(t for t in out["trajectories"] if t["optimizer"] == name)
    _check_traj_shape(custom, 6)
    assert custom["diverged_at"] is None
    assert custom["loss"][-1] < custom["loss"][0]
    assert different(trajs[name], trajs["sgd"])


# ---------------------------------------------------------------------------- run: batches, csv


def test_batch_size_on_data_surface(capsys):
    base = ["--surface", "linreg", "--steps", "8", "--seed", "3"]
    full = run(capsys, *base)["trajectories"][0]
    mini = run(capsys, *base, "--batch-size", "4")["trajectories"][0]
    again = run(capsys, *base, "--batch-size", "4")["trajectories"][0]
    n = int(SURFACES["linreg"].build().n_samples)
    assert full["batch_size"] == n
    assert mini["batch_size"] == 4
    _check_traj_shape(mini, 8)
    assert mini["theta"][0] == full["theta"][0]
    assert mini["theta"] != full["theta"]  # batch noise from real batches
    assert again == mini  # same seed, same batches


def test_batch_size_on_formula_surface_fails(capsys):
    rc, out, err = cli(capsys, "run", "--surface", "rosenbrock", "--steps", "5", "--batch-size", "3")
    assert rc == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert "batch" in err


def test_csv_format(capsys):
    steps = 4
    text = ok(capsys, "run", "--surface", "textbook-saddle", "--optimizer", "sgd", "--optimizer", "adam",
              "--start", "-0.6,0.62", "--start", "1,1.5", "--steps", str(steps), "--lr", "0.05", "--format", "csv")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == CSV_HEADER
    body = rows[1:]
    assert len(body) == (steps + 1) * 2 * 2
    assert all(len(r) == len(CSV_HEADER) for r in body)
    as_json = run(capsys, "--surface", "textbook-saddle", "--optimizer", "sgd", "--optimizer", "adam",
                  "--start", "-0.6,0.62", "--start", "1,1.5", "--steps", str(steps), "--lr", "0.05")
    i = 0
    for t in as_json["trajectories"]:
        for step in range(steps + 1):
            r = dict(zip(CSV_HEADER, body[i], strict=True))
            i += 1
            assert r["optimizer"] == t["optimizer"]
            assert int(r["step"]) == step
            assert [float(r["start_x"]), float(r["start_y"])] == t["start"]
            assert [float(r["x"]), float(r["y"])] == t["theta"][step]
            assert float(r["loss"]) == t["loss"][step]
            assert r["lr"] == ("" if step == 0 else repr(t["lr"][step - 1]))
            assert r["diverged_at"] == ""


# ---------------------------------------------------------------------------- divergence


def test_divergence_is_reported_and_json_stays_finite(capsys):
    out = run(capsys, "--surface", "rosenbrock", "--optimizer", "sgd", "--lr", "0.5", "--steps", "100")
    (t,) = out["trajectories"]
    d = t["diverged_at"]
    assert isinstance(d, int) and not isinstance(d, bool)
    assert 1 <= d <= 100
    _check_traj_shape(t, 100)
    for key in ("theta", "loss", "grad_norm", "lr"):
        arr = np.asarray(t[key], dtype=float)  # a null would become nan here
        assert np.isfinite(arr).all(), key
    # frozen: from the divergent step on, θ stays at the last usable point
    theta = np.asarray(t["theta"])
    assert (theta[d:] == theta[d - 1]).all()


def test_divergence_csv_carries_the_step(capsys):
    text = ok(capsys, "run", "--surface", "rosenbrock", "--optimizer", "sgd", "--lr", "0.5", "--steps", "10", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 11
    assert len({r["diverged_at"] for r in rows}) == 1
    assert int(rows[0]["diverged_at"]) >= 1
    assert "nan" not in text.lower() and "inf" not in text.lower()


def test_inspect_json_has_no_nonfinite_tokens_where_the_loss_overflows(capsys):
    info = ok_json(capsys, "inspect", "--surface", "rosenbrock", "--at", "1e200,1e200", "--json")
    assert info["loss"] is None
    assert info["kind"] == "degenerate"  # NaN eigenvalues: the test is inconclusive, never "saddle"


# ---------------------------------------------------------------------------- inspect / critical


def test_inspect_textbook_check_case(capsys):
    info = ok_json(capsys, "inspect", "--surface", "textbook-saddle", "--at", "0.5,0.5", "--json")
    assert info["at"] == [0.5, 0.5]
    assert info["loss"] == pytest.approx(0.5625, abs=1e-15)
    np.testing.assert_allclose(info["grad"], [-0.75, -0.75], atol=1e-15)
    np.testing.assert_allclose(info["hessian"], [[0.5, -1.0], [-1.0, 0.5]], atol=1e-14)
    np.testing.assert_allclose(info["eigvals"], [-0.5, 1.5], atol=1e-14)
    assert info["eigvals"][0] < info["eigvals"][1]
    assert info["kind"] == "saddle"
    assert info["minimum_ratio"] == 0.5
    assert info["critical"] is False


def test_inspect_text_output(capsys):
    text = ok(capsys, "inspect", "--surface", "textbook-saddle", "--at", "0,0")
    assert "saddle" in text and "critical" in text and "not critical" not in text


def test_inspect_accepts_negative_coordinates(capsys):
    info = ok_json(capsys, "inspect", "--surface", "textbook-saddle", "--at", "-1,-1", "--json")
    assert info["at"] == [-1.0, -1.0]
    assert info["kind"] == "degenerate" and info["critical"] is True


HIMMELBLAU_MINIMA = [(3.0, 2.0), (-2.805118086952745, 3.131312518250573),
                     (-3.779310253377747, -3.283185991286170), (3.584428340330492, -1.848126526964404)]


def test_himmelblau_reference_minima_are_critical():
    # the reference values themselves, checked against the hand-written gradient
    for x, y in HIMMELBLAU_MINIMA:
        gx = 4 * x * (x * x + y - 11) + 2 * (x + y * y - 7)
        gy = 2 * (x * x + y - 11) + 4 * y * (x + y * y - 7)
        assert math.hypot(gx, gy) < 1e-11


def test_critical_himmelblau_finds_the_four_minima(capsys):
    pts = ok_json(capsys, "critical", "--surface", "himmelblau", "--json")["points"]
    minima = [p for p in pts if p["kind"] == "minimum"]
    assert len(minima) == 4
    for ref in HIMMELBLAU_MINIMA:
        near = [p for p in minima if math.dist(p["at"], ref) < 1e-6]
        assert len(near) == 1, ref
        assert near[0]["loss"] == pytest.approx(0.0, abs=1e-12)
        assert min(near[0]["eigvals"]) > 0


def test_critical_text_output(capsys):
    text = ok(capsys, "critical", "--surface", "himmelblau")
    assert sum(line.startswith("minimum") for line in text.splitlines()) == 4


# ---------------------------------------------------------------------------- bad input

RUN_OK = ["run", "--surface", "rosenbrock", "--steps", "5"]
BAD = {
    "unknown surface": ["run", "--surface", "nope", "--steps", "5"],
    "unknown optimizer": [*RUN_OK, "--optimizer", "nope"],
    "unknown custom rule": [*RUN_OK, "--optimizer", "custom:nope+adagrad"],
    "negative lr": [*RUN_OK, "--lr", "-1"],
    "zero steps": ["run", "--surface", "rosenbrock", "--steps", "0"],
    "too many steps": ["run", "--surface", "rosenbrock", "--steps", "999999"],
    "steps not int": ["run", "--surface", "rosenbrock", "--steps", "ten"],
    "start one number": [*RUN_OK, "--start", "1"],
    "start not numbers": [*RUN_OK, "--start", "a,b"],
    "start three numbers": [*RUN_OK, "--start", "1,2,3"],
    "start far outside": [*RUN_OK, "--start", "1e9,1e9"],
    "unknown surface param": [*RUN_OK, "--set", "nope=1"],
    "surface param not key=value": [*RUN_OK, "--set", "a"],
    "unknown optimizer param": [*RUN_OK, "--opt", "nope=1"],
    "bad schedule param value": [*RUN_OK, "--schedule", "step", "--sched", "step_size=0"],
    "unknown schedule": [*RUN_OK, "--schedule", "nope"],
    "missing surface": ["run", "--steps", "5"],
    "missing steps": ["run", "--surface", "rosenbrock"],
    "unknown subcommand": ["frobnicate"],
    "no subcommand": [],
    "batch size on formula surface": [*RUN_OK, "--batch-size", "3"],
    "bad format": [*RUN_OK, "--format", "xml"],
    "unknown list": ["list", "nope"],
    "inspect bad point": ["inspect", "--surface", "himmelblau", "--at", "1"],
    "critical unknown surface": ["critical", "--surface", "nope"],
}


@pytest.mark.parametrize("argv", list(BAD.values()), ids=list(BAD))
def test_bad_input_exits_2_with_one_line(capsys, argv):
    rc, out, err = cli(capsys, *argv)
    assert rc == 2
    assert out == ""
    assert "Traceback" not in err
    lines = err.strip("\n").splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("optim_lab: error: ")


# ---------------------------------------------------------------------------- golden
# tests/engine/golden/run_textbook_saddle.json is the CLI's own output.  Regenerate it (only after a
# deliberate change of the numerics) from the repo root with:
#   .venv/bin/python -m optim_lab run --surface textbook-saddle --optimizer sgd --optimizer adam \
#       --lr 0.05 --steps 5 --start -0.6,0.62 > tests/engine/golden/run_textbook_saddle.json

GOLDEN_ARGV = ["run", "--surface", "textbook-saddle", "--optimizer", "sgd", "--optimizer", "adam",
               "--lr", "0.05", "--steps", "5", "--start", "-0.6,0.62"]


def _assert_close(got, want, path="$"):
    if isinstance(want, dict):
        assert isinstance(got, dict) and set(got) == set(want), path
        for k in want:
            _assert_close(got[k], want[k], f"{path}.{k}")
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), path
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            _assert_close(g, w, f"{path}[{i}]")
    elif isinstance(want, float) or (isinstance(want, int) and isinstance(got, float)):
        assert isinstance(got, int | float) and not isinstance(got, bool), path
        assert math.isclose(got, want, rel_tol=1e-12, abs_tol=1e-300), f"{path}: {got!r} != {want!r}"
    else:
        assert got == want and type(got) is type(want), path


def test_run_matches_golden(capsys):
    want = json.loads((GOLDEN / "run_textbook_saddle.json").read_text(encoding="utf-8"))
    got = ok_json(capsys, *GOLDEN_ARGV)
    assert set(got) == RUN_KEYS
    assert [t["optimizer"] for t in got["trajectories"]] == ["sgd", "adam"]
    for t in got["trajectories"]:
        _check_traj_shape(t, 5)
    _assert_close(got, want)


def test_golden_adam_first_step_is_lr():
    # Adam's bias-corrected first step moves each coordinate by ≈ η (textbook: "about η, not 3.16·η")
    want = json.loads((GOLDEN / "run_textbook_saddle.json").read_text(encoding="utf-8"))
    adam = want["trajectories"][1]
    step = np.subtract(adam["theta"][1], adam["theta"][0])
    np.testing.assert_allclose(np.abs(step), [0.05, 0.05], rtol=1e-7)
