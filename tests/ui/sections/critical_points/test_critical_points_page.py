"""§3.1 page: the saddle preset's verdict, and the escape drawn as one continued run."""

from __future__ import annotations

from tests import apptest
from ui.sections.critical_points.presets import PRESETS as _PRESETS
from ui.shell import PAGE_BY_ID
from ui.text import t

SCRIPT = PAGE_BY_ID["critical-points"].path
PRESETS = {p.id: p for p in _PRESETS}


def test_critical_points_saddle_preset_verdict():
    at = apptest.open_page(SCRIPT, "en", PRESETS["gd-stops"].params)
    assert any("saddle" in s.value for s in at.success)


def test_the_escape_continues_the_run_past_the_saddle():
    setting = PRESETS["escape"].params
    at = apptest.open_page(SCRIPT, "en", setting)
    apptest.assert_clean(at)
    steps = int(setting["steps"])
    assert at.slider(key="k").max == 2 * steps + 1  # the run, the jump, the run continued
    main = apptest.chart(at, "main")
    assert any(a.get("text") == "θ′ + u" for a in main["layout"]["annotations"])
    assert any(t("cp_escaped", "en", x=0, y=0, lx=0, ly=0)[:8] in s.value for s in at.success)
