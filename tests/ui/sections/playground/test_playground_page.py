"""§3.5 page: the live equation shows each racer's recorded step."""

from __future__ import annotations

from tests import apptest
from ui.shell import PAGE_BY_ID

SCRIPT = PAGE_BY_ID["playground"].path


def test_one_live_equation_per_racer_from_the_records():
    at = apptest.open_page(SCRIPT, "en", {"n": "3", "o1": "sgd", "o2": "adam", "o3": "custom", "o3_m": "book",
                                          "o3_s": "adam", "steps": "40", "k": "12"})
    apptest.assert_clean(at)
    equations = [m.value for m in at.latex if r"\theta_{12}" in m.value]
    assert len(equations) == 3
    assert all(r"d_{12}" in e and r"\odot" in e for e in equations)
    assert r"(1/\sigma)_{12}" in equations[2]  # book momentum holds η inside d
