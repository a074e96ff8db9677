"""Divergence in every view of the inside-network page, on settings nobody tuned for the page:
a run that diverged is named with its update, drawn up to it on axes that span the updates
run, and the claims that no longer hold are not made; a run that trained keeps its claims,
and each claim agrees with the numbers drawn beside it."""

from __future__ import annotations

import base64
import re

import numpy as np
import pytest

from tests import apptest
from ui.sections.inside_network import calc, figures
from ui.shell import PAGE_BY_ID
from ui.text import t

SCRIPT = PAGE_BY_ID["inside-network"].path
LAB = {"sharp_title": "s", "loss_title": "l", "update": "update", "sharp_axis": "sharpness", "loss_axis": "loss"}


def _open(params: dict, lang: str = "en"):
    at = apptest.open_page(SCRIPT, lang, params, timeout=300)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def _values(a) -> np.ndarray:
    """A trace's array as Streamlit sends it: a list, or plotly's typed array (base64)."""
    if isinstance(a, dict):
        return np.frombuffer(base64.b64decode(a["bdata"]), dtype=np.dtype(a["dtype"])).astype(float)
    return np.asarray(a, dtype=float)


def _diverged_k(text: str) -> int | None:
    m = re.search(r"diverged at update (\d+)", text)
    return int(m.group(1)) if m else None


# -- the rule itself ------------------------------------------------------------------------------------
def test_divergence_is_where_the_loop_stopped_or_where_the_loss_stays_above_its_start():
    assert calc.divergence([2.3, 1.0, 0.5], None) is None  # trained
    assert calc.divergence([2.3, 1.0, 0.5], 7) == 7  # the loop's own verdict wins
    assert calc.divergence([2.3, 1.8, 1.2, 3.0, 10.0, 60.0], None) == 3  # climbs from update 3 on, finite
    assert calc.divergence([2.3, 5.0, 1.0, 4.0, 9.0], None) == 3  # a bump that came back is not the divergence
    assert calc.divergence([2.3, 2.0, 2.5], None, start=2.3, end=2.1) is None  # the full loss ends below its start
    assert calc.divergence([2.3, 9.0], None, end=float("nan")) == 1
    assert calc.divergence([], None) is None


def test_a_diverged_run_is_drawn_up_to_its_update_on_the_updates_run():
    run = {"name": "η = 1", "update": np.array([0, 50, 100]), "sharp": np.array([6.9, 7.0, 7.1]), "threshold": 2.0,
           "threshold_name": "2/η", "loss": np.array([0.5, 1.0, 0.5, 10.0, 5000.0, 3.0, 2.0]), "diverged_at": 4, "diverged": "diverged at update 4"}
    fig = figures.sharpness_figure([run], LAB)
    sharp = [tr for tr in fig.data if tr.mode == "lines+markers"][0]
    assert list(sharp.x) == [0]  # the measurements after update 4 were not of a run that trains
    loss = [tr for tr in fig.data if tr.mode == "lines" and tr.xaxis == "x2"][0]
    assert list(loss.y) == [0.5, 1.0, 0.5, 10.0, 5000.0]  # θ_0 … θ_4
    assert fig.layout.xaxis.range[0] == 0 and 4 <= fig.layout.xaxis.range[1] < 5  # not −1…1 around one dot
    mark = [tr for tr in fig.data if tr.mode == "markers+text"]
    assert mark and mark[0].text == ("diverged at update 4",) and mark[0].marker.symbol == "x" and list(mark[0].x) == [4]


# -- every view on settings of its own ------------------------------------------------------------------
EOS = [("sgd", "1", "0.9"), ("sgd", "0.5", "0.03"), ("adam", "0.05", "0.001")]


@pytest.mark.parametrize(("opt", "lr1", "lr2"), EOS, ids=[f"{o}-{a}-{b}" for o, a, b in EOS])
def test_edge_of_stability_rows_agree_with_the_curves(opt, lr1, lr2):
    at = _open({"view": "eos", "eos_opt": opt, "lr1": lr1, "lr2": lr2})
    fig = apptest.chart(at, "in_eos")
    rows = [m.value for m in at.markdown if m.value.startswith("- η = ")]
    assert len(rows) == 2
    for lr, row in zip((lr1, lr2), rows, strict=True):
        name = f"η = {float(lr):g}"
        loss = [tr for tr in fig["data"] if tr.get("legendgroup") == name and tr.get("xaxis") == "x2" and tr.get("mode") == "lines"]
        y = _values(loss[0]["y"])
        k = _diverged_k(row)
        if k is not None:
            assert "first reaches" not in row and "of the limit" not in row
            assert len(y) <= k + 1 and fig["layout"]["xaxis"]["range"][1] >= len(y) - 1
            assert any(tr.get("mode") == "markers+text" and tr.get("legendgroup") == name for tr in fig["data"])
        else:
            assert y[-1] <= y[0], f"{row}: the loss ends above its start, yet no divergence is named"
    if opt == "sgd" and lr1 == "1":  # both diverge within a few updates: the axes span those updates
        assert all(_diverged_k(r) is not None for r in rows)
        assert fig["layout"]["xaxis"]["range"][1] < 20


NET = [{"o1_lr": "2"}, {"o1": "momentum", "o1_lr": "0.05", "bs": "64", "steps": "100"},
       {"o1": "adam", "o1_lr": "0.05", "steps": "60", "plane": "random"}]


@pytest.mark.parametrize("params", NET, ids=["sgd-2", "momentum-0.05-b64", "adam-0.05-random"])
def test_your_network_names_divergence_or_keeps_its_claims_true(params):
    at = _open({"view": "net", **params})
    fig = apptest.chart(at, "in_sharp_net")
    loss = _values([tr for tr in fig["data"] if tr.get("xaxis") == "x2" and tr.get("mode") == "lines"][0]["y"])
    warns = [w.value for w in at.warning if "diverged at update" in w.value]
    captions = " ".join(c.value for c in at.caption)
    if warns:
        k = _diverged_k(warns[0])
        assert len(loss) <= k + 1  # the losses at θ_0 … θ_k
        assert not any(c.proto.id.endswith(f"-{'in_surface_chart'}") for c in at.get("plotly_chart"))
        assert "lies almost in this plane" not in captions and "principal directions" not in captions
    else:
        facts = [m.value for m in at.markdown if "training loss" in m.value and "validation accuracy" in m.value]
        end = float(re.search(r"training loss ([\d.e+-]+)", facts[0]).group(1))
        assert end <= loss[0] * 1.5  # it trained (the first batch loss is noisy with mini-batches)
        apptest.chart(at, "in_surface_chart")
        if "principal directions" in captions:
            s1, s2 = (float(x) / 100 for x in re.findall(r"([\d.]+)% \+ ([\d.]+)%", captions)[0])
            assert ("lies almost in this plane" in captions) == (s1 + s2 >= calc.NEAR_PLANE)
    if params == NET[0]:  # η = 2 on the MLP: the loss climbs and stays finite; that is divergence
        assert warns


def test_sharp_vs_flat_claims_only_what_its_table_shows():
    at = _open({"view": "sharp", "small": "8", "large": "256", "slr": "0.2"})
    apptest.chart(at, "in_line")
    claim = [m.value for m in at.markdown if m.value.startswith("λ_max:")]
    warns = [w.value for w in at.warning]
    assert bool(claim) != bool(warns)
    if claim:
        large, small = (float(x) for x in re.findall(r"λ_max: ([\d.e+-]+) with the large batch vs ([\d.e+-]+)", claim[0])[0])
        assert ("× sharper" in claim[0]) == (large > small)


def test_minimum_ratio_claim_agrees_with_its_dots():
    at = _open({"view": "ratio", "nets": "8", "rw": "8", "ract": "relu"})
    fig = apptest.chart(at, "in_ratio")
    ys = [y for tr in fig["data"] if tr.get("mode") == "markers" for y in _values(tr["y"])]
    claim = [m.value for m in at.markdown if m.value.startswith("Largest minimum ratio")][0]
    assert f"{max(ys):.2f}" in claim
    assert ("no **local minimum**" in claim) == (max(ys) < 1)


def test_the_chinese_page_names_the_divergence_too():
    at = _open({"view": "eos", "lr1": "1", "lr2": "0.9"}, lang="zh")
    rows = [m.value for m in at.markdown if m.value.startswith("- η = ")]
    assert rows and all("发散" in r and "首次达到" not in r for r in rows)
    assert t("in_eos_row_diverged_above", "zh", lr=1, k=5, first=6.87, thr=2.0).startswith("η = 1：")


def test_the_edge_of_stability_job_reports_each_finished_run_while_the_next_trains():
    cfg = calc.ex.EosConfig(lrs=(0.2, 0.1), steps=20, every=10, samples=50).checked()
    seen = []
    out = calc.eos_task(cfg, lambda partial, k, n: seen.append((None if partial is None else len(partial["runs"]), k, n)),
                        lambda: False)
    assert [len(out["runs"])] == [2]
    assert all(p is None for p, k, _ in seen if k < 20)  # while run 1 trains there is nothing to draw yet
    later = [p for p, k, _ in seen if k > 20]
    assert later and all(p == 1 for p in later)  # while run 2 trains, every report carries run 1's curves
    joint = calc.eos(cfg)  # one η at a time is the engine's joint call: same initial weights, same numbers
    solo = calc.ex.edge_of_stability(cfg)
    for a, b in zip(joint["runs"], solo, strict=True):
        assert np.array_equal(a["curve"], b.curve) and np.array_equal(a["loss"], b.loss)
