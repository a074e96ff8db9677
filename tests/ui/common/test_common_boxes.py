"""The view box of a race: grown to hold every trajectory, never shrunk, capped."""

from __future__ import annotations

import numpy as np

from surfaces import get_surface
from ui.common.boxes import BoxView, fit_box

BOX = (-2.0, 6.0, -3.0, 5.0)


def test_fit_box_grows_only_as_needed_and_is_capped():
    inside = [np.array([[0.0, 0.0], [1.0, 1.0]])]
    assert fit_box(BOX, inside) == BOX
    out = fit_box(BOX, [np.array([[0.0, 6.5], [np.nan, np.nan]])])
    assert out[:3] == BOX[:3] and out[3] > 6.5
    wild = fit_box(BOX, [np.array([[1e9, -1e9]])], cap=3.0)
    assert wild[1] == BOX[1] + 3 * (BOX[1] - BOX[0]) and wild[2] == BOX[2] - 3 * (BOX[3] - BOX[2])


def test_box_view_keeps_the_problem_but_reports_the_new_box():
    p = get_surface("long-valley").build()
    v = BoxView(p, (-1.0, 1.0, -2.0, 2.0))
    assert v.view_box() == (-1.0, 1.0, -2.0, 2.0) and v.box == v.view_box()
    assert v.n_samples == 10 and v.spec is p.spec
