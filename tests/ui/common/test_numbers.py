"""The one number format of the app: no -0, no 1e-05, no 2e + 04 in LaTeX."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ui.common.numbers import num, tex


@pytest.mark.parametrize(("v", "text", "latex"), [
    (0.0, "0", "0"),
    (-0.0, "0", "0"),
    (-1e-12 / 3, "-3.333×10⁻¹³", r"-3.333\times10^{-13}"),
    (2e4, "20000", "20000"),
    (2e5, "2×10⁵", r"2\times10^{5}"),
    (1e-16, "10⁻¹⁶", "10^{-16}"),
    (12345.6, "12350", "12350"),
    (0.0123456, "0.01235", "0.01235"),
    (-2.0, "-2", "-2"),
    (1.5e-5, "1.5×10⁻⁵", r"1.5\times10^{-5}"),
    (float("nan"), "—", r"\text{—}"),
    (float("inf"), "∞", r"\infty"),
])
def test_examples(v, text, latex):
    assert num(v) == text
    assert tex(v) == latex


def test_rounding_to_zero_is_zero():
    assert num(-0.00001, sig=1) != "-0"
    assert num(-4e-300) == "-4×10⁻³⁰⁰"


@given(st.floats(min_value=-1e300, max_value=1e300, allow_nan=False), st.integers(1, 8))
def test_never_minus_zero_nor_e_notation(v, sig):
    text, latex = num(v, sig), tex(v, sig)
    assert text not in ("-0", "−0") and not text.startswith("-0×")
    assert "e" not in text and "e" not in latex.replace(r"\times", "")
    assert math.isclose(read_back(text), v, rel_tol=10 ** (1 - sig)) or read_back(text) == 0.0


def read_back(text: str) -> float:
    digits = text.translate(str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-"))
    sign = -1.0 if digits.startswith("-") else 1.0
    digits = digits.lstrip("-")
    mant, times, exp = digits.partition("×10")
    if not times and text.lstrip("-").startswith("10") and text.lstrip("-")[2:3] in tuple("⁰¹²³⁴⁵⁶⁷⁸⁹⁻"):
        mant, exp = "1", digits[2:]  # a bare power of ten, 10ⁿ
    return sign * float(mant) * (10.0 ** int(exp) if exp else 1.0)
