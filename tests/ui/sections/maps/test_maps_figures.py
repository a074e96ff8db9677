"""Maps calculations and figures, without Streamlit: colours per cell, payload size, pick grid,
the playground link, the preset claims on the engine's own numbers."""

from __future__ import annotations

import json

import numpy as np
import pytest

from optim_lab.engine import Racer
from optim_lab.maps.basins import DIVERGED, NOT_CONVERGED, basin_map
from optim_lab.maps.fractal import fractal_map
from optim_lab.maps.sweep import Axis, sweep_map
from surfaces import get_surface
from ui.common.racers import RacerConfig
from ui.sections.maps import calc
from ui.sections.maps.figures import PICK_MAX, MapAxis, MapSpec, Overlay, map_figure
from ui.sections.maps.presets import FRACTAL, GLOBAL, STABILITY


def test_basin_colours():
    basin = np.array([[0, 1, NOT_CONVERGED, DIVERGED]])
    needed = np.array([[0, 100, -1, 7]])
    img = calc.basin_rgb(basin, needed, 100)
    assert img.dtype == np.uint8 and img.shape == (1, 4, 3)
    assert tuple(img[0, 2]) == tuple(calc.rgb(calc.NOT_CONVERGED_COLOR).astype(int))
    assert tuple(img[0, 3]) == (0, 0, 0)
    assert img[0, 0].sum() > calc.rgb(calc.BASIN_COLORS[0]).sum()  # fast: lighter than its hue
    assert img[0, 1].sum() < calc.rgb(calc.BASIN_COLORS[1]).sum()  # slow: darker


def test_sweep_and_fractal_colours():
    ratio = np.array([[1e-9, 1e-3, 5.0, np.inf]])
    img = calc.sweep_rgb(ratio, np.array([[3, 10, -1, -1]]), np.array([[-1, -1, -1, 4]]), "loss", 50)
    assert tuple(img[0, 0]) == tuple(calc.rgb(calc.VIRIDIS[0]).astype(int))
    assert tuple(img[0, 3]) == tuple(calc.rgb(calc.SWEEP_DIVERGED_COLOR).astype(int))
    img = calc.sweep_rgb(ratio, np.array([[3, 10, -1, -1]]), np.array([[-1, -1, -1, 4]]), "steps", 50)
    assert tuple(img[0, 2]) == tuple(calc.rgb(calc.NEVER_COLOR).astype(int))
    f = calc.fractal_rgb(np.array([[True, False]]), np.array([[1.0, 1.0]]))
    assert tuple(f[0, 0]) == tuple(calc.rgb(calc.CONVERGED_FAMILY[1]).astype(int))
    assert tuple(f[0, 1]) == tuple(calc.rgb(calc.DIVERGED_FAMILY[1]).astype(int))


def test_a_256_map_is_light():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (256, 256, 3), dtype=np.uint8)  # noise: the worst case for PNG
    spec = MapSpec(img, MapAxis("x", np.linspace(0, 1, 256)), MapAxis("y", np.linspace(-3, 1, 256), log=True),
                   legend=[("a", "#000000")], overlays=[Overlay("line", np.linspace(0, 1, 200), np.linspace(-3, 1, 200))])
    fig = map_figure(spec)
    payload = len(fig.to_json())
    assert payload < 1_000_000
    d = json.loads(fig.to_json())
    assert d["data"][0]["type"] == "image" and d["data"][0]["source"].startswith("data:image/png;base64,")
    pick = d["data"][1]
    assert pick["name"] == "pick" and pick["marker"]["opacity"] == 0
    assert d["layout"]["yaxis"]["tickvals"] == [-3, -2, -1, 0, 1]


def test_nearest_cell_and_cell_racer():
    assert calc.nearest_cell(np.array([0.0, 1.0, 2.0]), np.array([5.0, 6.0]), 1.4, 5.9) == (1, 1)
    cfg = RacerConfig("adam", lr=0.01, schedule="warmup-cosine")
    c = calc.cell_racer(cfg, {"lr": 0.1, "beta2": 0.9, "warmup": 7.0})
    assert c.lr == 0.1 and c.hparams == {"beta2": 0.9} and c.sched_params == {"warmup": 7}


def test_playground_query():
    q = calc.playground_query("quadratic", {"cond": 10.0}, [RacerConfig("momentum", lr=0.1, hparams={"momentum": 0.5})],
                              (-2.5, 1.5), 100, 0)
    assert q == {"surface": "quadratic", "s_cond": "10", "x0": "-2.5", "y0": "1.5", "steps": "100", "n": "1",
                 "o1": "momentum", "o1_lr": "0.1", "o1_h_momentum": "0.5"}


def test_pick_grid_is_bounded():
    spec = MapSpec(np.zeros((256, 256, 3), np.uint8), MapAxis("x", np.linspace(0, 1, 256)), MapAxis("y", np.linspace(0, 1, 256)))
    d = map_figure(spec).to_dict()
    from ui.common.figures import untyped

    assert len(untyped(d["data"][1]["x"])) == PICK_MAX * PICK_MAX


# -- the presets' claims, measured on the engine ---------------------------------------------
def test_preset_momentum_reaches_the_global_minimum_from_more_starts():
    p = get_surface(GLOBAL["surface"]).build()
    m = basin_map(p, [Racer("sgd", lr=0.02), Racer("momentum", lr=0.02, hparams={"momentum": 0.9})], int(GLOBAL["grid"]),
                  int(GLOBAL["steps"]))
    gd, mom = m.global_share
    assert round(100 * gd) == 59 and round(100 * mom) == 65  # the numbers the preset's note states
    assert mom > gd


def test_preset_stability_boundary_matches_the_line():
    p = get_surface("quadratic").build(cond=float(STABILITY["s_cond"]))
    x = Axis("lr", float(STABILITY["sx_lo_lr"]), float(STABILITY["sx_hi_lr"]), int(STABILITY["sgrid"]), log=True)
    y = Axis("momentum", float(STABILITY["sy_lo_momentum"]), float(STABILITY["sy_hi_momentum"]), int(STABILITY["sgrid"]))
    m = sweep_map(p, Racer("momentum"), x, y, (float(STABILITY["x0"]), float(STABILITY["y0"])), int(STABILITY["steps"]))
    bad = ~((m.ratio < 1) & (m.diverged_at < 0))
    cols = np.where(bad.any(1), np.argmax(bad, axis=1), len(m.xs))
    assert np.abs(cols - np.searchsorted(m.xs, 2 * (1 + m.ys) / 10.0)).max() <= 1


def test_preset_fractal_window_is_on_the_boundary():
    box = tuple(float(FRACTAL[k]) for k in ("zi0", "zi1", "zo0", "zo1"))
    m = fractal_map(box, 48, int(FRACTAL["fsteps"]))
    assert 0.2 < m.converged_share < 0.8
    c = m.converged
    transitions = (c[1:] != c[:-1]).sum() + (c[:, 1:] != c[:, :-1]).sum()
    assert transitions > 4 * 48  # far more class changes than one smooth line across the window would make
    assert box[1] - box[0] == pytest.approx(0.1)
