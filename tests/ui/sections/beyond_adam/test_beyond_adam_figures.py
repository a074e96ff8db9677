"""SAM's chart: drawn from a partial result (one run, one measurement) as from a finished one."""

from __future__ import annotations

from ui.sections.beyond_adam.figures import sam_figure

LABELS = {"update": "update", "sharp_title": "λ_max", "loss_title": "loss"}


def test_a_partial_result_draws_the_runs_so_far():
    run = {"name": "SGD", "update": [0], "lambda_max": [0.6], "loss": [2.3]}
    fig = sam_figure([run], LABELS).to_dict()
    assert [tr["name"] for tr in fig["data"]] == ["SGD", "SGD"]
    assert list(fig["data"][0]["y"]) == [0.6] and list(fig["data"][1]["y"]) == [2.3]


def test_two_runs_share_the_update_axis_and_a_log_loss_axis():
    runs = [{"name": n, "update": [0, 25, 50], "lambda_max": [0.6, 2.0, v], "loss": [2.3, 1.0, 0.5]} for n, v in
            (("SGD", 9.0), ("SAM", 5.0))]
    fig = sam_figure(runs, LABELS, font_size=18).to_dict()
    assert len(fig["data"]) == 4 and fig["layout"]["xaxis2"]["matches"] == "x"
    assert fig["layout"]["yaxis2"]["type"] == "log"
    assert [d["showlegend"] for d in fig["data"] if "showlegend" in d] == [False, False]  # one legend entry per run
