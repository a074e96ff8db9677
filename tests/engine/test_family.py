"""A family of runs (`optim_lab.family`): every position is the run the command line makes for
that value, to the last bit; the positions are the floats a slider reports."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from optim_lab.cli import main
from optim_lab.engine import Racer, race
from optim_lab.family import MAX_POSITIONS, family, positions
from surfaces import get_surface


def cli_run(capsys, *argv: str) -> dict:
    assert main(["run", *argv, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)["trajectories"][0]


def test_every_position_is_the_command_lines_run(capsys):
    """§3.3's family: GD on the long valley; η from stalling to diverging (several positions,
    one that diverges), each against `python -m optim_lab run --lr η`."""
    problem = get_surface("long-valley").build()
    unit = 1.1449308242136849e-06  # 2/λ_max of the long valley
    lrs = np.array([0.3, 0.95, 1.05, 1.2]) * unit
    fam = family(problem, Racer("sgd"), "lr", lrs, problem.start, 300)
    assert fam.theta.shape == (301, 4, 2) and fam.steps == 300
    assert fam.diverged(1) is None and fam.diverged(3) is not None  # the family spans both sides of 2/λ_max
    for i, lr in enumerate(lrs):
        run = cli_run(capsys, "--surface", "long-valley", "--optimizer", "sgd", "--lr", repr(float(lr)), "--steps", "300")
        assert (run["diverged_at"] if run["diverged_at"] is not None else -1) == fam.diverged_at[i]
        end = len(run["theta"]) if fam.diverged(i) is None else fam.diverged(i)
        np.testing.assert_array_equal(fam.theta[:end, i], np.array(run["theta"])[:end])
        np.testing.assert_array_equal(fam.loss[:end, i], np.array(run["loss"])[:end])
        np.testing.assert_allclose(fam.grad_norm[:end, i], np.array(run["grad_norm"])[:end], rtol=1e-12)


def test_a_hyper_parameter_family_matches_too(capsys):
    """§3.2's family: momentum's μ, with a fixed η."""
    problem = get_surface("quadratic").build(cond=10.0)
    mus = [0.0, 0.5, 0.9]
    fam = family(problem, Racer("momentum", lr=0.05), "momentum", mus, (-2.5, 1.5), 120)
    for i, mu in enumerate(mus):
        run = cli_run(capsys, "--surface", "quadratic", "--set", "cond=10", "--optimizer", "momentum", "--lr", "0.05",
                      "--opt", f"momentum={mu}", "--start", "-2.5,1.5", "--steps", "120")
        np.testing.assert_array_equal(fam.theta[:, i], np.array(run["theta"]))


def test_positions_are_the_floats_a_slider_reports():
    p = positions(0.01, 1.2, 0.01)
    assert len(p) == 120 and p[0] == 0.01 and p[-1] == 1.2
    assert 0.95 in p.tolist() and 0.07 in p.tolist()  # 0.01·7 would be 0.07000000000000001
    assert positions(0, 50, 1).tolist() == list(range(51))


def test_bounds_are_refused():
    with pytest.raises(ValueError, match="positions"):
        positions(0.0, 1.0, 1e-4)
    problem = get_surface("quadratic").build()
    with pytest.raises(ValueError, match="family"):
        family(problem, Racer("sgd"), "lr", np.full(MAX_POSITIONS + 1, 0.01), (1.0, 1.0), 10)


def test_a_multiplier_family_with_batches_and_a_schedule_matches_too(capsys):
    """The playground's family (η × m for one racer): Adam with a mini-batch and warm-up on a
    data-backed surface, seeded batches and schedule as the command line makes them.  To the
    last bit it is the race of the same rows; against a one-row run the data's matrix products
    may round in another order (any race of several rows does), so here: to 1e-12."""
    problem = get_surface("linreg").build()
    ms = np.array([0.1, 1.0, 3.16, 10.0])
    racer = Racer("adam", lr=0.05, batch_size=8, schedule="warmup-cosine", sched_params={"warmup": 10, "t_max": 80})
    fam = family(problem, racer, "lr", 0.05 * ms, problem.start, 80, seed=3)
    for i, m in enumerate(ms):
        run = cli_run(capsys, "--surface", "linreg", "--optimizer", "adam", "--lr", repr(float(0.05 * m)), "--batch-size", "8",
                      "--schedule", "warmup-cosine", "--sched", "warmup=10", "--sched", "t_max=80", "--seed", "3",
                      "--steps", "80")
        end = len(run["theta"]) if fam.diverged(i) is None else fam.diverged(i)
        np.testing.assert_allclose(fam.theta[:end, i], np.array(run["theta"])[:end], rtol=1e-12, atol=1e-15)
    assert not np.array_equal(fam.theta[:, 0], fam.theta[:, 1])  # the positions are different runs
    rows = race(problem, [dataclasses.replace(racer, lr=float(0.05 * m)) for m in ms], [problem.start], 80, seed=3)
    np.testing.assert_array_equal(fam.theta, rows.theta)


def test_a_whole_races_family_is_one_loop_and_every_row_the_command_lines_run(capsys):
    """The playground's η multiplier: every racer × every position as the rows of ONE loop —
    racers of different rules side by side (Adam with a cosine schedule, SAM, Lion, book AdaGrad),
    several positions each, one diverging — each row the command line's run at η × m, to float64
    round-off: where rows of other rules share the loop, a row's coefficients are per-row tensors
    where alone they are floats, and torch's fused kernels then round a few steps differently
    in the last bit (as in any race of mixed racers)."""
    from optim_lab.family import race_family

    problem = get_surface("rosenbrock").build()
    racers = [Racer("adam", lr=0.05, schedule="cosine", sched_params={"eta_min": 0.001}), Racer("sam", lr=0.001),
              Racer("lion", lr=0.002), Racer("adagrad-book", lr=0.3)]
    ms = np.array([0.1, 1.0, 3.16, 10.0])
    fams = race_family(problem, racers, "lr", [r.lr * ms for r in racers], (-1.5, 2.5), 150)
    assert [f.theta.shape for f in fams] == [(151, 4, 2)] * 4
    assert any(f.diverged(3) is not None for f in fams)  # × 10 sends some racer off the map
    for r, fam in zip(racers, fams, strict=True):
        for i, m in enumerate(ms):
            argv = ["--surface", "rosenbrock", "--optimizer", r.optimizer, "--lr", repr(float(r.lr * m)), "--steps", "150",
                    "--start", "-1.5,2.5", "--schedule", r.schedule, *[a for k, v in r.sched_params.items()
                                                                      for a in ("--sched", f"{k}={v}")]]
            run = cli_run(capsys, *argv)
            assert (run["diverged_at"] if run["diverged_at"] is not None else -1) == fam.diverged_at[i]
            end = len(run["theta"]) if fam.diverged(i) is None else fam.diverged(i)
            np.testing.assert_allclose(fam.theta[:end, i], np.array(run["theta"])[:end], rtol=1e-11, atol=1e-14)
            np.testing.assert_allclose(fam.loss[:end, i], np.array(run["loss"])[:end], rtol=1e-10, atol=1e-14)
            np.testing.assert_allclose(fam.grad_norm[:end, i], np.array(run["grad_norm"])[:end], rtol=1e-10, atol=1e-14)
