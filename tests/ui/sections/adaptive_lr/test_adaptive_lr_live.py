"""§3.3's live η: what the control would show at a position is the command line's run for that η
(several positions, on both sides of 2/λ_max); without JavaScript the classic slider is there."""

from __future__ import annotations

import numpy as np
import pytest

from surfaces import get_surface
from tests import apptest
from tests.ui.sections.live_cli import cli_trail
from ui.common.live import unpack
from ui.sections.adaptive_lr.calc import ETA_POSITIONS, curvature
from ui.shell import PAGE_BY_ID
from ui.text import t

PAGE = PAGE_BY_ID["adaptive-lr"].path


@pytest.fixture(scope="module")
def page_en():
    at = apptest.open_page(PAGE, "en", {"eta_u": "0.5"})
    apptest.assert_clean(at)
    return at


def test_the_classic_slider_stays_and_the_control_starts_at_its_value(page_en):
    assert page_en.slider(key="eta_u").value == 0.5
    data = apptest.live_data(page_en)
    assert data["param"] == "eta_u" and data["values"] == ETA_POSITIONS.tolist()
    assert data["values"][data["index"]] == 0.5
    assert {c["key"] for c in data["charts"]} == {"main", "al_lossgrad"}
    assert len(page_en.get("bidi_component")[0].proto.bytes) < 2 * 2**20  # the view's payload stays under 2 MB


@pytest.mark.parametrize("u", [0.3, 0.95, 1.05, 1.2])
def test_a_position_shows_the_command_lines_run(page_en, capsys, u):
    problem = get_surface("long-valley").build()
    unit = 2.0 / curvature(problem, problem.start)[1]
    run, theta, keep = cli_trail(["run", "--surface", "long-valley", "--optimizer", "sgd", "--lr", repr(u * unit), "--steps", "1000",
                 "--format", "json"], capsys)
    d = run["diverged_at"]

    data = apptest.live_data(page_en)
    i = data["values"].index(u)
    surface = next(c for c in data["charts"] if c["key"] == "main")
    trail = next(tr for tr in surface["traces"] if tr["match"].get("meta") == "path-trail")
    np.testing.assert_array_equal(unpack(trail["x"][i]), theta[keep, 0].astype(np.float32))
    np.testing.assert_array_equal(unpack(trail["y"][i]), theta[keep, 1].astype(np.float32))
    loss = next(c for c in data["charts"] if c["key"] == "al_lossgrad")["traces"][0]
    x = unpack(loss["x"][i]).astype(int)
    np.testing.assert_array_equal(unpack(loss["y"][i]), np.array(run["loss"])[x].astype(np.float32))
    said = data["readouts"][i]
    assert f"η·λ_max = {2 * u:.2f}" in said
    if d is None:
        assert "diverged" not in said and not data["bad"][i]
    else:
        assert t("al_live_diverged", "en", k=d) in said and data["bad"][i]


def test_the_control_speaks_chinese():
    at = apptest.open_page(PAGE, "zh")
    apptest.assert_clean(at)
    data = apptest.live_data(at)
    assert data["label"] == t("al_live_label", "zh")
    assert any("发散" in r for r in data["readouts"]) and any("最终损失" in r for r in data["readouts"])
