"""How the app writes a number: one helper for text and one for LaTeX, so no page shows
"−0", "2e+04" (which KaTeX sets as "2e + 04") or a bare "nan".

`num(v)` is for text (metrics, tables, captions, chart labels): plain digits while they
read well, a×10ⁿ with superscript digits otherwise.  `tex(v)` is the same number for
`st.latex`: a\\times10^{n}.
"""

from __future__ import annotations

import math

SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
PLAIN_RANGE = (1e-4, 1e5)  # |v| in this range is written without an exponent


def _parts(v: float, sig: int) -> tuple[str, str, int | None] | str:
    """(sign, mantissa, exponent or None) of `v` rounded to `sig` significant digits,
    or the whole text for what is not a finite number."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    v = float(v)
    if math.isinf(v):
        return "∞" if v > 0 else "-∞"
    s = f"{v:.{sig}g}"
    if float(s) == 0.0:  # also catches -0 and values that round to zero
        return "", "0", None
    sign = "-" if s.startswith("-") else ""
    s = s.lstrip("-")
    a = abs(float(s))
    if PLAIN_RANGE[0] <= a < PLAIN_RANGE[1]:
        return sign, f"{a:.0f}" if "e" in s else s, None  # "e" here: a whole number ≥ 10^sig
    mant, _, exp = f"{abs(v):.{sig - 1}e}".partition("e")
    if "." in mant:
        mant = mant.rstrip("0").rstrip(".")
    return sign, mant, int(exp)


def num(v, sig: int = 4) -> str:
    """`v` to `sig` significant digits as text: 0.0123, 1.23×10⁻⁵, -2 — never -0 or 1e-05."""
    p = _parts(v, sig)
    if isinstance(p, str):
        return p
    sign, mant, exp = p
    if exp is None:
        return sign + mant
    power = "10" + str(exp).translate(SUPERSCRIPT)
    return sign + (power if mant == "1" else f"{mant}×{power}")


def tex(v, sig: int = 4) -> str:
    """`v` to `sig` significant digits in LaTeX: 0.0123, 1.23\\times10^{-5}, -2."""
    p = _parts(v, sig)
    if isinstance(p, str):
        return {"—": r"\text{—}", "∞": r"\infty", "-∞": r"-\infty"}[p]
    sign, mant, exp = p
    if exp is None:
        return sign + mant
    power = f"10^{{{exp}}}"
    return sign + (power if mant == "1" else rf"{mant}\times{power}")
