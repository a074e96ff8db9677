"""§3.2's live λ: what the control shows at a position is the command line's run of book momentum
with that λ (several positions); without JavaScript the classic slider drives the page."""

from __future__ import annotations

import numpy as np
import pytest

from surfaces import get_surface
from tests import apptest
from tests.ui.sections.live_cli import cli_trail
from ui.common.live import unpack
from ui.common.racers import default_lr
from ui.sections.batch_momentum.calc import LAMBDA_POSITIONS
from ui.shell import PAGE_BY_ID
from ui.text import t

PAGE = PAGE_BY_ID["batch-momentum"].path


@pytest.fixture(scope="module")
def page_zh():
    at = apptest.open_page(PAGE, "zh", {"part": "momentum", "lam": "0.5"})
    apptest.assert_clean(at)
    return at


def test_the_classic_slider_stays_and_the_control_starts_there(page_zh):
    assert page_zh.slider(key="lam").value == 0.5
    data = apptest.live_data(page_zh)
    assert data["param"] == "lam" and data["values"] == LAMBDA_POSITIONS.tolist()
    assert data["values"][data["index"]] == 0.5 and data["label"] == t("bm_live_label", "zh")


def test_the_batches_part_has_no_live_control():
    at = apptest.open_page(PAGE, "en")
    apptest.assert_clean(at)
    assert at.get("bidi_component") == []


@pytest.mark.parametrize("lam", [0.0, 0.5, 0.9, 0.99])
def test_a_position_shows_the_command_lines_run(page_zh, capsys, lam):
    problem = get_surface("six-hump-camel").build()
    lr = default_lr("sgd", "six-hump-camel")
    x0, y0 = problem.start
    run, theta, keep = cli_trail(["run", "--surface", "six-hump-camel", "--optimizer", "momentum-book", "--lr", repr(lr),
                 "--opt", f"lambda={lam!r}", "--start", f"{x0!r},{y0!r}", "--steps", "300", "--format", "json"], capsys)
    d = run["diverged_at"]
    data = apptest.live_data(page_zh)
    i = data["values"].index(lam)
    trail = next(tr for tr in data["charts"][0]["traces"] if tr["match"].get("meta") == "path-trail")
    np.testing.assert_array_equal(unpack(trail["x"][i]), theta[keep, 0].astype(np.float32))
    np.testing.assert_array_equal(unpack(trail["y"][i]), theta[keep, 1].astype(np.float32))
    assert (d is not None) == data["bad"][i]
