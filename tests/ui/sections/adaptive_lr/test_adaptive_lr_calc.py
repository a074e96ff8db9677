"""§3.3 calculations: η in units of 2/λ_max."""

from __future__ import annotations

import pytest

from surfaces import get_surface
from ui.sections.adaptive_lr.calc import curvature


def test_curvature_of_the_long_valley():
    p = get_surface("long-valley").build()
    lo, hi = curvature(p, p.start)
    assert hi / lo == pytest.approx(p.condition_number(), rel=1e-9)
    assert 2 / hi < 1.2e-6  # the book's stable-GD bound for the summed loss
