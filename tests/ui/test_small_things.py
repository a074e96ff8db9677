"""Small things a class notices: home presets in chapter order, batch-norm presets without the
feature-scaling warning, a convex bowl's lone minimum called "minimum"."""

from __future__ import annotations

from tests import apptest
from ui.common import presets
from ui.shell import PAGE_BY_ID, PAGES
from ui.text import t


def test_home_presets_follow_the_chapter():
    ids = [p.id for p in PAGES if p.section]
    home = presets.for_home(ids)
    assert home and [ids.index(p.page) for p in home] == sorted(ids.index(p.page) for p in home)
    assert home[0].page == "critical-points"
    at = apptest.open_page("app.py", "en")
    assert not at.exception
    cards = [m.value for m in at.markdown if m.value.startswith("**") and any(p.title and m.value.endswith(f"{t(p.title, 'en')}**") for p in home)]
    assert len(cards) == len(home)


def test_batch_norm_presets_show_no_feature_scaling_warning():
    for preset in presets.for_page("normalization"):
        if preset.id not in ("small-batch", "large-batch", "few-batches"):
            continue
        link = apptest.open_page(PAGE_BY_ID["normalization"].path, "en", preset.params)  # a shared link …
        assert not [w.value for w in link.warning if "diverged" in w.value], preset.id
        at = apptest.open_page(PAGE_BY_ID["normalization"].path, "en")  # … and the button
        at.button(key=f"preset_{preset.id}").click().run()
        assert not [w.value for w in at.warning if "diverged" in w.value], preset.id
    default = apptest.open_page(PAGE_BY_ID["normalization"].path, "en")
    assert any("diverged" in w.value for w in default.warning)  # the feature-scaling view still warns


def test_a_convex_bowls_lone_minimum_is_the_minimum():
    at = apptest.open_page(PAGE_BY_ID["playground"].path, "en", {"surface": "booth", "n": "1", "steps": "20"})
    names = [tr.get("name") for tr in apptest.chart(at, "main")["data"]]
    assert t("kind_minimum_only", "en") in names and t("kind_minimum", "en") not in names
    at = apptest.open_page(PAGE_BY_ID["playground"].path, "en", {"surface": "himmelblau", "n": "1", "steps": "20"})
    assert t("kind_minimum", "en") in [tr.get("name") for tr in apptest.chart(at, "main")["data"]]
