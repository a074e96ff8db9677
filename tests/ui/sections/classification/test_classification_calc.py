"""§3.6 calculations: softmax, the logit gap, parsing typed logits."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ui.sections.classification import text as classification
from ui.sections.classification.calc import parse_logits, softmax, top_two_gap


def test_softmax_and_gap():
    np.testing.assert_allclose(softmax([3, 1, -3]), [0.878878, 0.118943, 0.002179], atol=5e-7)
    assert softmax([1000, -1000]).tolist() == [1.0, 0.0]
    delta, ratio = top_two_gap([1, 3, -3])
    assert delta == 2 and ratio == pytest.approx(math.exp(2))


@pytest.mark.parametrize("text,expected", [("3, 1, -3", [3, 1, -3]), ("3 1 -3", [3, 1, -3]), ("3，1；-3", [3, 1, -3]),
                                           ("1e2, -0.5", [100, -0.5])])
def test_parse_logits_accepts(text, expected):
    assert parse_logits(text) == expected


@pytest.mark.parametrize("text,key", [("1", "cl_bad_count"), ("", "cl_bad_count"), ("1,2,3,4,5,6,7,8,9", "cl_bad_count"),
                                      ("1, x", "cl_bad_number"), ("1, nan", "cl_bad_range"), ("1, 1001", "cl_bad_range"),
                                      ("inf, 1", "cl_bad_range")])
def test_parse_logits_refuses_with_a_catalog_key(text, key):
    with pytest.raises(ValueError) as err:
        parse_logits(text)
    assert str(err.value) == key
    assert key in classification.EN and key in classification.ZH
