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


def test_a_sam_racer_shows_the_race_at_an_equal_gradient_budget_in_chinese():
    """SAM takes two gradients a step: the page shows, in the page's language, the steps each racer takes
    on the race's budget of gradients (SAM half) and the loss there, the engine's numbers; without SAM no such
    table (steps are then the fair axis)."""
    from ui.text import t

    at = apptest.open_page(SCRIPT, "zh", {"n": "2", "o1": "sgd", "o2": "sam", "steps": "40"})
    apptest.assert_clean(at)
    assert any(c.value == t("pg_budget_note", "zh", budget=40) for c in at.caption)
    frames = [d.value for d in at.dataframe if t("col_budget_steps", "zh", budget=40) in d.value.columns]
    assert len(frames) == 1
    table = frames[0]
    assert table[t("col_grads_per_step", "zh")].tolist() == ["1", "2"]
    assert table[t("col_budget_steps", "zh", budget=40)].tolist() == ["40", "20"]

    at = apptest.open_page(SCRIPT, "zh", {"n": "2", "o1": "sgd", "o2": "adam", "steps": "40"})
    apptest.assert_clean(at)
    assert not any(c.value == t("pg_budget_note", "zh", budget=40) for c in at.caption)
