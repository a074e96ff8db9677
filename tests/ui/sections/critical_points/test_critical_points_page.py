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


def _columns_around(node, depth: int = 0) -> list[tuple[str, int]]:
    """Each LaTeX formula of the page with how many columns it sits in."""
    out: list[tuple[str, int]] = []
    for child in (node.children or {}).values() if isinstance(getattr(node, "children", None), dict) else []:
        if child.type == "latex" or (child.type == "markdown" and str(child.value).startswith("$$")):
            out.append((str(child.value), depth))
        out += _columns_around(child, depth + (child.type == "column"))
    return out


def _depths(at, *starts: str) -> list[int]:
    """How many columns the first formula holding each of `starts` sits in."""
    placed = _columns_around(at.main)
    return [next(d for text, d in placed if start in text) for start in starts]


def test_the_inspector_puts_two_formulas_side_by_side_only_where_both_fit():
    """At the saddle the run reaches, H has 1.9×10⁻¹⁹ on its diagonal: two such matrices side by
    side were cut off at 1280 px, so each takes the inspector's whole width (the page's right
    column), while its eigenvalues −2 and 2 still share a row; at a point whose numbers are all
    short the gradient and H share a row of two."""
    formulas = (r"\nabla L =", "H =", r"\lambda_1 &=", r"\lambda_2 &=")
    saddle = apptest.open_page("pages/critical-points.py", "en", {})
    assert _depths(saddle, *formulas) == [1, 1, 2, 2]
    point = apptest.open_page("pages/critical-points.py", "en", {"inspect": "point", "ix": "0.5", "iy": "0.5"})
    assert _depths(point, *formulas) == [2, 2, 2, 2]
    apptest.assert_clean(point)
