"""§3.7 calculations: z-scores and the batch-norm sandbox's validation."""

from __future__ import annotations

import numpy as np
import pytest

from ui.sections.normalization import calc as calc_norm


def test_calc_norm_validates():
    with pytest.raises(ValueError):
        calc_norm.make_batches(3, 1, 0)
    with pytest.raises(ValueError):
        calc_norm.simulate(np.zeros((2, 1, 3)), [1, 1, 1], [0, 0, 0])
    with pytest.raises(ValueError):
        calc_norm.simulate(np.zeros((2, 4, 3)), [1, 1, 1], [0, 0, 0], momentum=1.5)
    a = calc_norm.make_batches(3, 4, 7)
    np.testing.assert_array_equal(a, calc_norm.make_batches(3, 4, 7))  # reproducible


def test_zscore_population_sigma():
    xt, m, s = calc_norm.zscore([[1, 200], [2, 400], [3, 100], [4, 300]])
    np.testing.assert_allclose(xt.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(xt.std(axis=0), 1, atol=1e-12)
