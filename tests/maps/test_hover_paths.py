"""A sweep map's hover paths (what hovering a cell draws): the engine's own rows at the thinned
steps, cut where the cell diverged; consistent with `python -m optim_lab sweep --json` and with
the cell's own race (what a click draws); small enough for one view."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest

from optim_lab.cli import main
from optim_lab.engine import Racer, race, sweep
from optim_lab.maps.sweep import HOVER_MAX, HOVER_POINTS, Axis, hover_index, last_step, sweep_map, thin_steps
from surfaces import get_surface

CELLS = [(0, 0), (3, 7), (5, 2), (11, 11), (8, 10)]


@pytest.fixture(scope="module")
def qmap():
    problem = get_surface("quadratic").build(cond=10.0, angle=30.0)
    x, y = Axis("lr", 0.02, 0.5, 12, log=True), Axis("momentum", 0.0, 0.9, 12)
    return problem, x, y, sweep_map(problem, Racer("momentum"), x, y, (-2.5, 1.5), 90)


@pytest.mark.parametrize("last", [0, 1, 7, 39, 40, 41, 80, 90, 100, 239, 2000])
def test_thin_steps_keep_both_ends_an_odd_stride_and_the_size(last):
    idx = thin_steps(last)
    assert len(idx) == HOVER_POINTS and idx[0] == 0 and idx[-1] == last
    used = idx[: np.argmax(idx == last) + 1]
    strides = np.diff(used)[:-1]  # the last jump may be shorter
    assert len(set(strides.tolist())) <= 1 and (len(strides) == 0 or strides[0] % 2 == 1)
    assert (np.diff(idx) >= 0).all()


def test_hover_paths_are_the_engine_rows(qmap):
    problem, x, y, m = qmap
    assert m.hover.shape == (12, 12, 2, HOVER_POINTS) and m.hover.dtype == np.float32
    assert (m.diverged_at >= 0).any() and (m.diverged_at < 0).any()  # both kinds of cells are checked
    gx, gy = np.meshgrid(m.xs, m.ys)
    res = sweep(problem, Racer("momentum"), {"lr": gx.ravel(), "momentum": gy.ravel()}, (-2.5, 1.5), 90, paths=True)
    for i, j in CELLS + [tuple(np.argwhere(m.diverged_at >= 0)[0])]:
        r = i * len(m.xs) + j
        idx = thin_steps(last_step(90, int(m.diverged_at[i, j])))
        np.testing.assert_array_equal(m.hover[i, j], res.path[idx, r].T.astype(np.float32))
        # the cell's own race (what a click draws) goes through the same points
        own = race(problem, [Racer("momentum", lr=float(m.xs[j]), hparams={"momentum": float(m.ys[i])})], [(-2.5, 1.5)], 90)
        np.testing.assert_allclose(m.hover[i, j], own.theta[idx, 0].T, rtol=1e-5, atol=1e-6)


def test_hover_paths_end_where_the_command_line_says(qmap, capsys):
    problem, _, _, m = qmap
    code = main(["sweep", "--surface", "quadratic", "--set", "cond=10", "--set", "angle=30", "--optimizer", "momentum",
                 "--x", "lr=0.02:0.5:12:log", "--y", "momentum=0:0.9:12", "--start=-2.5,1.5", "--steps", "90", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    import torch

    checked = 0
    for i, j in CELLS:
        end = m.hover[i, j, :, -1].astype(np.float64)
        assert out["diverged_at"][i][j] == int(m.diverged_at[i, j])
        if out["diverged_at"][i][j] < 0:  # the path's last point has the final loss the command reports
            loss = float(problem.loss(torch.tensor(end[None], dtype=torch.float64))[0])
            assert loss == pytest.approx(out["final_loss"][i][j], rel=1e-5, abs=1e-6)
            checked += 1
    assert checked >= 3


def test_a_large_map_keeps_an_even_subgrid_and_the_payload_stays_under_2_mb():
    problem = get_surface("quadratic").build(cond=10.0)
    m = sweep_map(problem, Racer("sgd"), Axis("lr", 0.01, 0.3, 100), Axis("weight_decay", 0.0, 0.5, 70), (-2.5, 1.5), 30)
    assert m.hover.shape == (HOVER_MAX, HOVER_MAX, 2, HOVER_POINTS)
    assert (m.hover_rows == hover_index(70)).all() and m.hover_cols[[0, -1]].tolist() == [0, 99]
    assert len(base64.b64encode(m.hover.tobytes())) <= 2 * 10**6
