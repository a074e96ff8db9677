"""§3.2's default view makes the page's point: the full batch glides, B = 1 keeps jittering."""

from __future__ import annotations

import numpy as np

from optim_lab.engine import Racer
from tests import apptest
from tests.ui.sections.quiz_engine import lr_of, run, start_of
from ui.sections.batch_momentum import calc
from ui.shell import PAGE_BY_ID


def test_the_default_batches_full_glides_and_one_sample_jitters():
    at = apptest.open_page(PAGE_BY_ID["batch-momentum"].path, "en")
    apptest.assert_clean(at)
    assert at.session_state["part"] == "batches"
    surface, steps, lr = at.session_state["surface"], at.session_state["steps"], lr_of(at, "lr")
    from surfaces import get_surface

    n = get_surface(surface).build().n_samples
    sizes = calc.batch_sizes(n, at.session_state["bs"])
    racers = [Racer("sgd", lr=lr, batch_size=sizes[c]) for c in calc.BATCH_KINDS]
    _, res = run(surface, racers, start_of(at), steps)
    full, one = (calc.BATCH_KINDS.index(c) for c in ("full", "one"))
    assert (np.diff(res.loss[:, full]) <= 1e-12).all()  # the full batch: the loss never rises
    assert (np.diff(res.loss[:, one]) > 0).sum() > steps // 10  # B = 1: it often does
    assert (res.diverged_at < 0).all()
    tail = slice(steps // 2, None)
    assert res.loss[tail, one].std() > 10 * res.loss[tail, full].std()
