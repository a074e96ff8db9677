"""Typed formulas (surfaces/formula.py): hostile input is refused without executing anything,
valid input evaluates like an independent numpy reference, and the CLI takes --formula.

No network, no timing.  The long fuzz run is tests/surfaces/fuzz_formula.py (`make fuzz`)."""

from __future__ import annotations

import ast
import builtins
import json
import math
import pickle
import string
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import surfaces.formula as fm
from optim_lab.analysis import critical_points
from optim_lab.cli import main
from optim_lab.engine import Racer, race
from surfaces import SURFACES
from surfaces.formula import (
    CHUNK,
    MAX_CONST,
    MAX_DEPTH,
    MAX_EXPONENT,
    MAX_GRID,
    MAX_LENGTH,
    MAX_NODES,
    MESSAGES,
    BinOp,
    Call,
    FormulaError,
    FormulaProblem,
    Name,
    Neg,
    Num,
    Pow,
    count_nodes,
    custom_surface,
    evaluate_grid,
    parse,
    to_latex,
    to_text,
)
from ui.text import formula as fx_text
from ui.text import t as translate

ROOT = Path(__file__).resolve().parents[2]
T64 = torch.float64


def pts(*xy) -> torch.Tensor:
    return torch.tensor(xy, dtype=T64).reshape(-1, 2)


def refused(text: str) -> FormulaError:
    with pytest.raises(FormulaError) as info:
        parse(text)
    return info.value


# ---------------------------------------------------------------------------- hostile corpus
# (text, expected code, expected 1-based column or None)
HOSTILE = [
    ("x.__class__", "attribute", 2),
    ("().__class__.__bases__", "attribute", 3),
    ("().__class__.__bases__[0].__subclasses__()", "attribute", 3),
    ("x.real", "attribute", 2),
    ("1 .real", "attribute", 3),
    ("__import__('os')", "unknown_name", 1),
    ("__import__('os').system('touch SENTINEL')", "unknown_name", 1),
    ("__builtins__", "unknown_name", 1),
    ("os.system('ls')", "unknown_name", 1),
    ("import os", "keyword", 1),
    ("from os import system", "keyword", 1),
    ("lambda: 1", "keyword", 1),
    ("(lambda: 1)()", "keyword", 2),
    ("[i for i in range(9)]", "subscript", 1),
    ("(i for i in x)", "unknown_name", 2),
    ("{i: i for i in x}", "bad_char", 1),
    ("sum(i for i in x)", "unknown_name", 1),
    ("open('f')", "unknown_name", 1),
    ("open('SENTINEL', 'w').write('x')", "unknown_name", 1),
    ("eval('1')", "unknown_name", 1),
    ("exec('import os')", "unknown_name", 1),
    ("compile('1', 'f', 'eval')", "unknown_name", 1),
    ("getattr(x, 'real')", "unknown_name", 1),
    ("globals()", "unknown_name", 1),
    ("print(1)", "unknown_name", 1),
    ("x[0]", "subscript", 2),
    ("sin(x)[0]", "subscript", 7),
    ("f'{x}'", "unknown_name", 1),
    ("'x' + 'y'", "string", 1),
    ('x + "y"', "string", 5),
    ("(a:=1)", "unknown_name", 2),
    ("(x:=1)", "assignment", 3),
    ("x = 1", "assignment", 3),
    ("sin(x=1)", "assignment", 6),
    ("9**9**9", "exponent_not_constant", 2),
    ("x**1e9", "exponent_too_large", 2),
    ("x**(y)", "exponent_not_constant", 2),
    ("x^y", "exponent_not_constant", 2),
    ("x^pi", "exponent_not_constant", 2),
    ("x^(2*3)", "exponent_not_constant", 2),
    ("2**99", "exponent_too_large", 2),
    ("10**1000", "exponent_too_large", 3),
    ("1e999", "number_too_large", 1),
    ("99999999999", "number_too_large", 1),
    ("(" * 40 + "x" + ")" * 40, "too_deep", 31),
    ("sin(" * 40 + "x" + ")" * 40, "too_deep", 124),
    ("-" * 40 + "x", "too_deep", 31),
    ("x" * 10_000, "too_long", None),
    ("\x00" * 10_000, "too_long", None),
    ("x + \x00", "bad_char", 5),
    ("\x00", "bad_char", 1),
    ("x; import os", "bad_char", 2),
    ("x # comment", "bad_char", 3),
    ("\\x", "bad_char", 1),
    ("`x`", "bad_char", 1),
    ("x\x1b[2J", "bad_char", 2),
    ("\u0445", "non_ascii", 1),  # Cyrillic х
    ("\uff58^2 + y", "non_ascii", 1),  # fullwidth ｘ
    ("\u0455in(x)", "non_ascii", 1),  # Cyrillic ѕ
    ("x \u2212 y", "non_ascii", 3),  # minus sign
    ("x\u00b2", "non_ascii", 2),  # superscript two
    ("x\u200b", "non_ascii", 2),  # zero-width space
    ("x\u2028y", "non_ascii", 2),  # line separator
    ("x if x else y", "keyword", 3),
    ("x and y", "keyword", 3),
    ("not x", "keyword", 1),
    ("yield x", "keyword", 1),
    ("await x", "keyword", 1),
    ("None", "keyword", 1),
    ("x < y", "comparison", 3),
    ("x == y", "comparison", 3),
    ("x != y", "comparison", 3),
    ("x @ y", "bad_operator", 3),
    ("x // 2", "bad_operator", 3),
    ("x % 2", "bad_operator", 3),
    ("~x", "bad_operator", 1),
    ("x << 2", "bad_operator", 3),
    ("*x", "unexpected_token", 1),
    ("sin(*x)", "unexpected_token", 5),
    ("x ^ ^ 2", "unexpected_token", 5),
    ("max(x, y, 1)", "arity", 1),
    ("exp()", "arity", 1),
    ("min(x)", "arity", 1),
    ("x(2)", "not_callable", 1),
    ("pi(1)", "not_callable", 1),
    ("sin x", "needs_call", 1),
    ("2x", "missing_operator", 2),
    ("x y", "missing_operator", 3),
    ("x +", "unexpected_end", 4),
    ("(x", "unclosed_paren", 1),
    ("sin(x", "unclosed_paren", 4),
    ("x)", "unmatched_paren", 2),
    ("", "empty", None),
    ("   ", "empty", None),
    ("L(x, y) = ", "empty", None),
    ("X", "unknown_name", 1),
    ("Sin(x)", "unknown_name", 1),
]


@pytest.mark.parametrize(("text", "code", "col"), HOSTILE, ids=[repr(h[0])[:40] for h in HOSTILE])
def test_hostile_input_is_refused_with_code_and_column(text, code, col):
    err = refused(text)
    assert isinstance(err, ValueError)
    assert err.code == code, str(err)
    assert err.params.get("col") == col
    msg = str(err)
    assert msg == MESSAGES[code].format(**err.params)
    assert len(msg.splitlines()) == 1 and "\x00" not in msg
    if col is not None:
        assert f"column {col}" in msg
        assert 1 <= col <= len(text) + 1


def _recorder(calls: list, armed: list, name: str, real):
    def spy(*args, **kwargs):
        if armed:  # only while the corpus is parsed (monkeypatch itself imports)
            calls.append((name, args[:1]))
        return real(*args, **kwargs)

    return spy


SENTINEL_ATTACKS = [
    "open('SENTINEL', 'w').write('x')",
    "__import__('os').system('touch SENTINEL')",
    "__import__('pathlib').Path('SENTINEL').touch()",
    "[c for c in ().__class__.__base__.__subclasses__() if c.__name__ == 'FileIO'][0]('SENTINEL', 'w')",
    "exec(\"open('SENTINEL', 'w')\")",
    "eval(compile(\"open('SENTINEL','w')\", 'f', 'exec'))",
    "(lambda: open('SENTINEL', 'w'))()",
    "x if open('SENTINEL', 'w') else y",
]


def test_refusing_the_corpus_has_no_side_effect(monkeypatch, tmp_path):
    calls: list = []
    armed: list = []
    for name in ("__import__", "open", "eval", "exec", "compile", "input", "breakpoint"):
        monkeypatch.setattr(builtins, name, _recorder(calls, armed, name, getattr(builtins, name)))
    monkeypatch.chdir(tmp_path)
    codes = []
    armed.append(True)
    for text in [h[0] for h in HOSTILE] + SENTINEL_ATTACKS:
        for build in (parse, custom_surface):
            try:
                build(text)
            except FormulaError as exc:
                codes.append(exc.code)
    armed.clear()
    monkeypatch.undo()
    assert calls == []
    assert not (tmp_path / "SENTINEL").exists()
    assert list(tmp_path.iterdir()) == []
    assert len(codes) == 2 * (len(HOSTILE) + len(SENTINEL_ATTACKS))  # every one refused, by both entry points


def test_the_module_never_evaluates_text():
    """Our own source (trusted) read with ast: no eval/exec/compile/__import__ call, no ast or sympy import."""
    tree = ast.parse((ROOT / "surfaces" / "formula.py").read_text(encoding="utf-8"))
    banned_calls = {"eval", "exec", "compile", "__import__", "getattr", "setattr", "globals", "locals", "vars"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id not in banned_calls, f"line {node.lineno}: {node.func.id}()"
        if isinstance(node, ast.Import | ast.ImportFrom):
            mods = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            for m in mods:
                assert m.split(".")[0] not in {"ast", "sympy", "builtins", "importlib", "os", "subprocess"}, m


# ---------------------------------------------------------------------------- messages and catalog


def test_messages_read_as_documented():
    assert str(refused("os")) == "unknown name 'os' at column 1"
    assert str(refused("x" * 10_000)) == "formula too long (10000 characters, at most 300)"
    assert str(refused("x + \x00")) == "unexpected character '\\x00' at column 5"
    assert str(refused("10 + x**20")).startswith("'**' exponent too large at column 7")
    assert str(refused("x^20")).startswith("'^' exponent too large at column 2")
    err = refused("os")
    assert (err.code, err.params) == ("unknown_name", {"name": "os", "col": 1})


def test_error_pickles_with_code_and_params():
    err = refused("sin x")
    back = pickle.loads(pickle.dumps(err))
    assert isinstance(back, FormulaError)
    assert (back.code, back.params, str(back)) == (err.code, err.params, str(err))


def _placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}


def test_catalog_has_every_code_in_both_languages_with_the_same_placeholders():
    keys = {f"fx_{code}" for code in MESSAGES}
    assert set(fx_text.EN) == keys
    assert set(fx_text.ZH) == keys
    for code, template in MESSAGES.items():
        key = f"fx_{code}"
        assert fx_text.EN[key] == template  # the English catalog is the errors' own text
        assert _placeholders(fx_text.ZH[key]) == _placeholders(template), key
        assert fx_text.ZH[key] != template


# One way to provoke every code; the catalog test above then covers every message a user can see.
def _provoke(code: str) -> FormulaError:
    examples = {
        "bad_box": lambda: custom_surface("x", box=(1, 0, 0, 1)),
        "bad_start": lambda: custom_surface("x", start=(9, 9)),
        "bad_grid": lambda: evaluate_grid(custom_surface("x"), MAX_GRID + 1),
        "undefined_everywhere": lambda: custom_surface("log(-1 - x^2)"),
        "too_many_nodes": lambda: parse("x" + "+x" * (MAX_NODES // 2)),
    }
    hostile = {c: text for text, c, _ in reversed(HOSTILE)}
    fn = examples.get(code) or (lambda: parse(hostile[code]))
    with pytest.raises(FormulaError) as info:
        fn()
    assert info.value.code == code
    return info.value


@pytest.mark.parametrize("code", sorted(set(MESSAGES) - {"cannot_evaluate"}))
def test_every_code_can_happen_and_translates(code):
    err = _provoke(code)
    assert set(err.params) == _placeholders(MESSAGES[code])
    for lang in ("en", "zh"):
        text = translate("fx_" + err.code, lang, **err.params)
        assert text and not any("{" + p + "}" in text for p in err.params)
    assert translate("fx_" + err.code, "en", **err.params) == str(err)


def test_cannot_evaluate_when_torch_raises(monkeypatch):
    def broken(t):
        raise RuntimeError("boom")

    monkeypatch.setitem(fm._TORCH, "sin", broken)
    with pytest.raises(FormulaError) as info:
        custom_surface("sin(x) + y")
    assert info.value.code == "cannot_evaluate" and info.value.params == {}


# ---------------------------------------------------------------------------- limits


def test_length_limit_is_inclusive():
    ok = "x" + " " * (MAX_LENGTH - 1)
    assert parse(ok) == Name("x")
    err = refused(ok + " ")
    assert err.code == "too_long" and err.params == {"length": MAX_LENGTH + 1, "limit": MAX_LENGTH}


def test_depth_limit_is_inclusive():
    assert parse("(" * MAX_DEPTH + "x" + ")" * MAX_DEPTH) == Name("x")
    assert parse("-" * MAX_DEPTH + "x") == Neg(parse("-" * (MAX_DEPTH - 1) + "x"))
    assert refused("(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1)).code == "too_deep"


def test_node_limit_is_inclusive():
    tree = parse("-x" + "+x" * ((MAX_NODES - 2) // 2))  # Neg, 100 x's, 99 pluses
    assert count_nodes(tree) == MAX_NODES
    assert refused("x" + "+x" * (MAX_NODES // 2)).code == "too_many_nodes"


def test_constant_and_exponent_limits():
    assert parse("1000000") == Num(MAX_CONST)
    assert parse("1e6") == Num(1e6)
    assert refused("1000000.5").code == "number_too_large"
    assert refused("-1.0000001e6").code == "number_too_large"
    for ok in ("x^10", "x^-10", "x**10.0", "x^(-10)", "x^--10", "x^1e1"):
        assert abs(parse(ok).exponent) == MAX_EXPONENT
    for bad in ("x^10.5", "x^-11", "x**(11)", "x^1e9"):
        assert refused(bad).code == "exponent_too_large"


def test_huge_powers_are_refused_before_any_arithmetic():
    for text in ("9**9**9", "9^9^9^9^9", "x**1e9", "2**(2**30)", "x^(9^9)"):
        assert refused(text).code in ("exponent_not_constant", "exponent_too_large")
    # a parenthesised base is fine: float powers with |p| ≤ 10 cost one operation (and may overflow to inf)
    assert parse("(9**9)**9") == Pow(Pow(Num(9), 9), 9)
    assert math.isinf(fm.compile_tree(parse("((9^10)^10)^10"))(torch.zeros(1, dtype=T64), torch.zeros(1, dtype=T64))[0])


# ---------------------------------------------------------------------------- parsing and printing


def test_caret_and_double_star_are_the_same_power():
    assert parse("x^2") == parse("x**2") == Pow(Name("x"), 2.0)
    assert parse("-x^2") == Neg(Pow(Name("x"), 2.0))  # Python precedence: -(x^2)
    assert parse("x^-2") == parse("x**(-2)") == Pow(Name("x"), -2.0)
    assert parse("2*x^3") == BinOp("*", Num(2), Pow(Name("x"), 3))


@pytest.mark.parametrize(("typed", "canonical"), [
    ("x**2", "x^2"),
    ("L(x, y) = x*y", "x*y"),
    ("L=x*y", "x*y"),
    ("  L ( x , y ) =x", "x"),
    ("((x))", "x"),
    ("+x", "x"),
    ("x^(-2)", "x^-2"),
    ("(x+y)*(x-y)", "(x+y)*(x-y)"),
    ("x - (y-1)", "x-(y-1)"),
    ("(x-y)-1", "x-y-1"),
    ("x/(y*2)", "x/(y*2)"),
    ("(x/y)*2", "x/y*2"),
    ("-(x^2)", "-x^2"),
    ("(-x)^2", "(-x)^2"),
    ("(x^2)^3", "(x^2)^3"),
    ("x*(-y)", "x*-y"),
    ("-(x*y)", "-(x*y)"),
    ("2.50*x + .5 + 1e-3 + 1e-07 + 1000000 + 100", "2.5*x+.5+1e-3+1e-7+1e6+100"),
    (".1", ".1"),  # found by the fuzz test: "0.1" would be longer than the text typed
    ("0.25*x", ".25*x"),
    ("min( x,y )", "min(x,y)"),
    ("2^0.5", "2^.5"),
])
def test_canonical_text(typed, canonical):
    tree = parse(typed)
    assert to_text(tree) == canonical
    assert parse(canonical) == tree


def test_latex():
    assert to_latex(parse("x^2 + 3*y^2")) == r"x^{2} + 3 \cdot y^{2}"
    assert to_latex(parse("sqrt(abs(x))/2")) == r"\frac{\sqrt{\left|x\right|}}{2}"
    assert to_latex(parse("(x/y)^2")) == r"\left(\frac{x}{y}\right)^{2}"
    assert to_latex(parse("-(x + y)*pi")) == r"-\left(x + y\right) \cdot \pi"
    assert to_latex(parse("sigmoid(x)*1e-7")) == r"\sigma\left(x\right) \cdot \left(1 \cdot 10^{-7}\right)"
    assert to_latex(parse("min(x, e^-1)")) == r"\min\left(x, e^{-1}\right)"


# ---------------------------------------------------------------------------- evaluation


def _np_sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


VALID = [
    ("x^2 + 3*y^2", lambda x, y: x**2 + 3 * y**2),
    ("L(x, y) = (1 - x)^2 + 100*(y - x^2)^2", lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2),
    ("-x^2 + 2^-1*y", lambda x, y: -(x**2) + 0.5 * y),
    ("sin(x)*cos(y) + tan(x/4)", lambda x, y: np.sin(x) * np.cos(y) + np.tan(x / 4)),
    ("exp(-x^2 - y^2)", lambda x, y: np.exp(-(x**2) - y**2)),
    ("log(1 + x^2) + sqrt(x^2 + y^2)", lambda x, y: np.log(1 + x**2) + np.sqrt(x**2 + y**2)),
    ("abs(x) + abs(y) - tanh(x*y)", lambda x, y: np.abs(x) + np.abs(y) - np.tanh(x * y)),
    ("sigmoid(x) - softplus(y)", lambda x, y: _np_sigmoid(x) - np.log1p(np.exp(y))),
    ("min(x, y) + max(x^2, y)", lambda x, y: np.minimum(x, y) + np.maximum(x**2, y)),
    ("pi*x + e*y", lambda x, y: math.pi * x + math.e * y),
    ("x/y", lambda x, y: x / y),
    ("3", lambda x, y: np.full_like(x, 3.0)),
    ("y", lambda x, y: y),
]


@pytest.mark.parametrize(("text", "ref"), VALID, ids=[v[0] for v in VALID])
def test_values_match_numpy(text, ref):
    rng = np.random.default_rng(1)
    xy = rng.uniform(-2.5, 2.5, size=(50, 2))
    p = custom_surface(text)
    with torch.no_grad():
        got = p.loss(torch.as_tensor(xy)).numpy()
    np.testing.assert_allclose(got, ref(xy[:, 0], xy[:, 1]), rtol=1e-12, atol=1e-14)


def test_matches_the_registered_rosenbrock():
    mine = custom_surface("(1 - x)^2 + 100*(y - x^2)^2", box=(-2, 2, -1, 3))
    theirs = SURFACES["rosenbrock"].build()
    th = torch.as_tensor(np.random.default_rng(2).uniform(-2, 2, size=(64, 2)))
    np.testing.assert_allclose(mine.loss(th), theirs.loss(th), rtol=1e-13)
    np.testing.assert_allclose(mine.grad(th), theirs.grad(th), rtol=1e-12, atol=1e-10)
    np.testing.assert_allclose(mine.hessian(th), theirs.hessian(th), rtol=1e-12, atol=1e-10)


def test_grad_and_hessian_by_autograd():
    p = custom_surface("x^3*y + sin(y)")
    th = pts(1.5, -0.5, -1.0, 2.0)
    x, y = th[:, 0], th[:, 1]
    g = torch.stack([3 * x**2 * y, x**3 + torch.cos(y)], 1)
    h = torch.stack([torch.stack([6 * x * y, 3 * x**2], 1), torch.stack([3 * x**2, -torch.sin(y)], 1)], 1)
    torch.testing.assert_close(p.grad(th), g)
    torch.testing.assert_close(p.hessian(th), h)


@pytest.mark.parametrize(("text", "grad", "hess"), [
    ("2*x - 3*y + 1", [2.0, -3.0], [[0, 0], [0, 0]]),  # linear: constant gradient
    ("x", [1.0, 0.0], [[0, 0], [0, 0]]),
    ("3", [0.0, 0.0], [[0, 0], [0, 0]]),  # no variable at all
    ("y^2", [0.0, 2.4], [[0, 0], [0, 2]]),  # x unused
    ("x*y", [1.2, 0.7], [[0, 1], [1, 0]]),
    ("x^0 + pi", [0.0, 0.0], [[0, 0], [0, 0]]),
])
def test_derivatives_of_formulas_linear_or_constant_in_a_variable(text, grad, hess):
    p = custom_surface(text)
    th = pts(0.7, 1.2)
    np.testing.assert_allclose(p.grad(th)[0], grad, atol=1e-15)
    np.testing.assert_allclose(p.hessian(th)[0], hess, atol=1e-15)


def test_abs_is_torch_abs_without_dynamo():
    """abs is computed as t·sign(t): same values and derivatives as torch.abs; and no formula's
    Hessian imports torch._dynamo (torch.abs's double backward does: ~70 MB more on the server)."""
    t = torch.tensor([-2.0, -0.0, 0.0, 3.0, math.inf, -math.inf, math.nan], dtype=T64, requires_grad=True)
    mine = fm._TORCH["abs"](t)
    torch.testing.assert_close(mine, torch.abs(t), equal_nan=True)
    (g_mine,) = torch.autograd.grad(mine[:4].sum(), t)
    (g_ref,) = torch.autograd.grad(torch.abs(t)[:4].sum(), t)
    assert g_mine.tolist() == g_ref.tolist()
    every = " + ".join(f"{f}(x*y, y)" if n == 2 else f"{f}(x*y)" for f, n in fm.FUNCTIONS.items())
    probe = (
        "import sys, torch; from surfaces.formula import custom_surface; "
        f"custom_surface({every!r}).hessian(torch.ones(3, 2, dtype=torch.float64)); "
        "print('torch._dynamo' in sys.modules)"
    )
    proc = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"


def test_loss_is_a_fresh_tensor():
    p = custom_surface("x")
    th = pts(1.0, 2.0, 3.0, 4.0)
    out = p.loss(th)
    out += 100
    assert th.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert custom_surface("2").loss(th).tolist() == [2.0, 2.0]


def test_big_batches_are_chunked_exactly():
    p = custom_surface("sin(x*y) + x^2*softplus(y) - min(x, y)")
    th = torch.as_tensor(np.random.default_rng(3).uniform(-3, 3, size=(2 * CHUNK + 5, 2)))
    small = [slice(i, i + 1000) for i in range(0, len(th), 1000)]
    with torch.no_grad():
        torch.testing.assert_close(p.loss(th), torch.cat([p.loss(th[s]) for s in small]), rtol=0, atol=0)
    torch.testing.assert_close(p.grad(th), torch.cat([p.grad(th[s]) for s in small]), rtol=0, atol=0)
    torch.testing.assert_close(p.hessian(th), torch.cat([p.hessian(th[s]) for s in small]), rtol=0, atol=0)


def test_undefined_points_are_nan_or_inf():
    p = custom_surface("log(x) + sqrt(y)")
    with torch.no_grad():
        v = p.loss(pts(-1.0, 1.0, 1.0, -1.0, 1.0, 4.0))
    assert math.isnan(v[0]) and math.isnan(v[1]) and v[2] == 2.0
    with torch.no_grad():
        assert math.isinf(custom_surface("1/x").loss(pts(0.0, 1.0))[0])


def test_engine_stops_a_trajectory_where_the_formula_is_undefined():
    p = custom_surface("log(x)", start=(0.5, 0.0))
    # one step of gradient descent: 0.5 − 1·(1/0.5) = −1.5, where log is undefined
    res = race(p, [Racer("sgd", lr=1.0), Racer("sgd", lr=0.001)], [(0.5, 0.0)], 20)
    assert res.diverged_at.tolist()[0] == 1
    assert np.isfinite(res.theta).all() and np.isfinite(res.loss).all()
    assert (res.theta[:, 0] == [0.5, 0.0]).all()  # frozen at the last usable point
    assert res.diverged_at[1] == -1  # the careful racer is unaffected
    assert res.theta[-1, 1, 0] < 0.5


def test_race_and_critical_points_on_a_formula():
    p = custom_surface("x^2 + 3*y^2")
    res = race(p, [Racer("sgd", lr=0.1)], [p.start], 100, hessian=True)
    assert res.diverged_at[0] == -1 and res.loss[-1, 0] < 1e-3 * res.loss[0, 0]
    np.testing.assert_allclose(res.eigvals[0, 0], [2.0, 6.0], rtol=1e-12)
    found = critical_points(custom_surface("x^4 - 2*x^2 + y^2"))
    kinds = sorted((p["kind"], round(p["at"][0], 6), round(p["at"][1], 6)) for p in found)
    assert kinds == [("minimum", -1.0, 0.0), ("minimum", 1.0, 0.0), ("saddle", 0.0, 0.0)]


# ---------------------------------------------------------------------------- custom_surface, evaluate_grid


def test_custom_surface_spec():
    p = custom_surface("x^2 + 3*y^2")
    s = p.spec
    assert (s.name, s.label_en, s.label_zh, s.log_levels, s.axes) == ("custom", "Your formula", "自定义公式", False, ("x", "y"))
    assert s.latex == r"L(x, y) = x^{2} + 3 \cdot y^{2}"
    assert s.box == (-3.0, 3.0, -3.0, 3.0) and s.params == () and not s.data_backed
    assert p.name == "custom" and p.params == {} and p.text == "x^2+3*y^2" and p.minima() == []
    x0, x1, y0, y1 = s.box
    assert x0 <= p.start[0] <= x1 and y0 <= p.start[1] <= y1
    assert p.start != (0.0, 0.0)  # not on the minimum of a bowl


def test_default_start_is_where_the_formula_is_defined():
    for text, box in [("log(-x)", (-3, 3, -3, 3)), ("log(x) + log(-y)", (-3, 3, -3, 3)), ("sqrt(x - 9)", (0, 10, 0, 1))]:
        p = custom_surface(text, box=box)
        th = torch.tensor([p.start], dtype=T64)
        with torch.no_grad():
            assert torch.isfinite(p.loss(th)).all(), text
        assert torch.isfinite(p.grad(th)).all(), text
        assert p.box[0] <= p.start[0] <= p.box[1] and p.box[2] <= p.start[1] <= p.box[3]


def test_given_start_and_box():
    p = custom_surface("x*y", box=(0, 10, -1, 1), start=(2, 0.5))
    assert p.box == (0.0, 10.0, -1.0, 1.0) and p.start == (2.0, 0.5)


@pytest.mark.parametrize("box", [
    (0, 0, 0, 1), (1, 0, 0, 1), (0, 1, 1, 0), (0, math.inf, 0, 1), (0, math.nan, 0, 1), (-2e4, 0, 0, 1),
    (0, 1, 0), (0, 1, 0, 1, 2), "0123", None, ("a", 1, 2, 3), 5,
])
def test_bad_box(box):
    with pytest.raises(FormulaError) as info:
        custom_surface("x", box=box)
    assert info.value.code == "bad_box"


@pytest.mark.parametrize("start", [(9, 0), (0, -3.5), (math.nan, 0), (0,), (0, 1, 2), "12", object()])
def test_bad_start(start):
    with pytest.raises(FormulaError) as info:
        custom_surface("x", start=start)
    assert info.value.code == "bad_start"


@pytest.mark.parametrize("text", ["log(-1 - x^2)", "sqrt(-1 - y^2)", "0/0", "log(-1)"])
def test_undefined_everywhere(text):
    with pytest.raises(FormulaError) as info:
        custom_surface(text)
    assert info.value.code == "undefined_everywhere"


def test_defined_somewhere_is_accepted():
    only_origin = custom_surface("sqrt(-x^2 - y^2)")  # defined only at the origin, a point of the probe grid
    assert only_origin.text == "sqrt(-x^2-y^2)"
    with torch.no_grad():
        assert float(only_origin.loss(torch.zeros(1, 2, dtype=torch.float64))[0]) == 0.0
    half = custom_surface("log(x)")  # defined on half the box: the start lies where it is finite
    assert half.start[0] > 0


def test_evaluate_grid():
    p = custom_surface("log(x) + y", box=(-1, 1, 0, 2))
    g = evaluate_grid(p, 100)
    assert g["xs"].shape == (100,) and g["ys"].shape == (100,) and g["z"].shape == (100, 100)
    i, j = 70, 80
    assert g["z"][i, j] == pytest.approx(math.log(g["xs"][j]) + g["ys"][i], rel=1e-12)
    assert np.isnan(g["z"][:, g["xs"] < 0]).all() and np.isfinite(g["z"][:, g["xs"] > 0]).all()
    assert evaluate_grid(p, MAX_GRID)["z"].shape == (MAX_GRID, MAX_GRID)


@pytest.mark.parametrize("n", [MAX_GRID + 1, 10_000, 1, 0, -5, 2.5, True, "100", None])
def test_evaluate_grid_refuses_bad_sizes(n):
    with pytest.raises(FormulaError) as info:
        evaluate_grid(custom_surface("x"), n)
    assert info.value.code == "bad_grid"


# ---------------------------------------------------------------------------- property tests
# Random whitelisted trees, printed, parsed and evaluated, against an independent numpy
# reference with forward-mode derivatives and first-order rounding-error bounds.

UNARY = sorted(k for k, n in fm.FUNCTIONS.items() if n == 1)
numbers = st.one_of(
    st.integers(0, 12).map(float),
    st.floats(0, 100, allow_nan=False, allow_infinity=False),
    st.sampled_from([0.5, 1e-3, 2.5e-7, 1e6]),
).map(Num)
exponents = st.one_of(
    st.integers(-MAX_EXPONENT, MAX_EXPONENT).map(float),
    st.floats(-MAX_EXPONENT, MAX_EXPONENT, allow_nan=False),
    st.sampled_from([0.5, -0.5, 1.5, 2.0]),
)
leaves = st.one_of(st.sampled_from([Name("x"), Name("y")]), st.sampled_from([Name("pi"), Name("e")]), numbers)


def _extend(children):
    return st.one_of(
        children.map(Neg),
        st.builds(BinOp, st.sampled_from("+-*/"), children, children),
        st.builds(Pow, children, exponents),
        st.builds(lambda f, a: Call(f, (a,)), st.sampled_from(UNARY), children),
        st.builds(lambda f, a, b: Call(f, (a, b)), st.sampled_from(["min", "max"]), children, children),
    )


trees = st.recursive(leaves, _extend, max_leaves=10)


def _nesting(node) -> int:
    """Depth as the parser counts it: signs and calls (the printer adds parentheses too: bound it loosely)."""
    kids = {Neg: lambda n: [n.operand], BinOp: lambda n: [n.left, n.right], Pow: lambda n: [n.base],
            Call: lambda n: list(n.args)}.get(type(node), lambda n: [])(node)
    return 1 + max((_nesting(k) for k in kids), default=0)


def _fits(tree) -> bool:
    return count_nodes(tree) <= MAX_NODES and _nesting(tree) <= MAX_DEPTH // 2 and len(to_text(tree)) <= MAX_LENGTH


@settings(max_examples=400, deadline=None)
@given(trees)
def test_print_parse_round_trip(tree):
    assume(_fits(tree))
    text = to_text(tree)
    assert parse(text) == tree
    assert to_text(parse(text)) == text
    assert parse("L(x, y) = " + text) == tree


U = 2.0**-53
TINY = 2.3e-308 / U  # subnormal floor, in units of U


@dataclass
class Ref:
    """Value v, gradient d (2, P), and first-order error bounds ev, ed in units of U."""

    v: np.ndarray
    d: np.ndarray
    ev: np.ndarray
    ed: np.ndarray


def _unary_rules(fn: str, a: np.ndarray):
    """f(a), f'(a), f''(a), ulps of the library function, and the error bound of f'(a)
    (in units of U) where torch computes f' from the rounded output (1 − tanh², σ(1 − σ), …)."""
    if fn == "sin":
        return np.sin(a), np.cos(a), -np.sin(a), 4, 0
    if fn == "cos":
        return np.cos(a), -np.sin(a), -np.cos(a), 4, 0
    if fn == "tan":
        t = np.tan(a)
        return t, 1 + t * t, 2 * t * (1 + t * t), 4, 8 * t * t
    if fn == "exp":
        v = np.exp(a)
        return v, v, v, 4, 0
    if fn == "log":
        return np.log(a), 1 / a, -1 / (a * a), 4, 0
    if fn == "sqrt":
        r = np.sqrt(a)
        return r, 0.5 / r, -0.25 / (a * r), 1, 0
    if fn == "abs":
        return np.abs(a), np.sign(a), np.zeros_like(a), 0, 0
    if fn == "tanh":
        t = np.tanh(a)
        return t, 1 - t * t, -2 * t * (1 - t * t), 4, 8 * t * t + 1
    s = 1 / (1 + np.exp(-a))
    if fn == "sigmoid":
        return s, s * (1 - s), s * (1 - s) * (1 - 2 * s), 4, 4 * np.abs(1 - 2 * s) * s + s
    assert fn == "softplus"  # torch: linear above the threshold 20
    big = a > 20
    return np.where(big, a, np.log1p(np.exp(a))), np.where(big, 1.0, s), np.where(big, 0.0, s * (1 - s)), 4, 0


def _chain(a: Ref, v, f1, f2, k, ef1=0) -> Ref:
    d = f1 * a.d
    ev = np.abs(f1) * a.ev + (k + 1) * np.abs(v) + TINY
    ed = (np.abs(f1) * a.ed + np.abs(f2) * a.ev * np.abs(a.d) + (k + 2) * np.abs(d) + ef1 * np.abs(a.d) + TINY)
    return Ref(v, d, ev, ed)


def _ambiguous(r: Ref, mask) -> Ref:
    """Where the reference cannot tell which branch the computed value took: no bound."""
    return Ref(r.v, r.d, np.where(mask, np.inf, r.ev), np.where(mask, np.inf, r.ed))


def reference(node, x: np.ndarray, y: np.ndarray) -> Ref:
    zero = np.zeros((2, *x.shape))
    match node:
        case Num(value=c) | Name(id=("pi" | "e") as c):
            c = fm.CONSTANTS.get(c, c) if isinstance(c, str) else c
            return Ref(np.full_like(x, c), zero, np.zeros_like(x), np.zeros_like(zero))
        case Name(id=var):
            d = zero.copy()
            d[0 if var == "x" else 1] = 1.0
            return Ref(x if var == "x" else y, d, np.zeros_like(x), np.zeros_like(zero))
        case Neg(operand=a):
            r = reference(a, x, y)
            return Ref(-r.v, -r.d, r.ev, r.ed)
        case BinOp(op=op, left=a, right=b):
            ra, rb = reference(a, x, y), reference(b, x, y)
            if op in "+-":
                s = 1 if op == "+" else -1
                v, d = ra.v + s * rb.v, ra.d + s * rb.d
                return Ref(v, d, ra.ev + rb.ev + np.abs(v) + TINY, ra.ed + rb.ed + np.abs(d) + TINY)
            if op == "*":
                v = ra.v * rb.v
                t1, t2 = ra.d * rb.v, ra.v * rb.d
                d = t1 + t2
                ev = np.abs(rb.v) * ra.ev + np.abs(ra.v) * rb.ev + np.abs(v) + TINY
                ed = (np.abs(rb.v) * ra.ed + np.abs(ra.d) * rb.ev + np.abs(ra.v) * rb.ed + np.abs(rb.d) * ra.ev
                      + np.abs(t1) + np.abs(t2) + np.abs(d) + TINY)
                return Ref(v, d, ev, ed)
            v = ra.v / rb.v
            ab = np.abs(rb.v)
            t1, t2 = ra.d / rb.v, v * rb.d / rb.v
            d = t1 - t2
            ev = ra.ev / ab + np.abs(v) * rb.ev / ab + np.abs(v) + TINY
            ed = ((ra.ed + np.abs(ra.d) * rb.ev / ab + np.abs(v) * rb.ed + np.abs(rb.d) * ev) / ab
                  + np.abs(rb.d * v) * rb.ev / (ab * ab) + 3 * (np.abs(t1) + np.abs(t2)) + np.abs(d) + TINY)
            return Ref(v, d, ev, ed)
        case Pow(base=a, exponent=p):
            r = reference(a, x, y)
            return _chain(r, np.power(r.v, p), p * np.power(r.v, p - 1), p * (p - 1) * np.power(r.v, p - 2), 4)
        case Call(fn=("min" | "max") as fn, args=(a, b)):
            ra, rb = reference(a, x, y), reference(b, x, y)
            pick_a = ra.v < rb.v if fn == "min" else ra.v > rb.v
            out = Ref(*(np.where(pick_a, getattr(ra, k), getattr(rb, k)) for k in ("v", "d", "ev", "ed")))
            out.v = np.where(np.isnan(ra.v) | np.isnan(rb.v), np.nan, out.v)
            return _ambiguous(out, ~(np.abs(ra.v - rb.v) > 8 * U * (ra.ev + rb.ev)))  # NaN bounds: ambiguous
        case Call(fn=fn, args=(a,)):
            r = reference(a, x, y)
            out = _chain(r, *_unary_rules(fn, r.v))
            if fn == "abs":
                return _ambiguous(out, ~(np.abs(r.v) > 8 * U * r.ev))
            if fn == "softplus":
                return _ambiguous(out, ~(np.abs(r.v - 20) > 8 * U * r.ev + 1e-12))
            return out
    raise AssertionError(node)


coords = st.floats(-4, 4, allow_nan=False)


def _compare(text: str, points) -> int:
    """torch against the reference at `points`; returns how many gradients were compared."""
    problem = FormulaProblem(None, {}, fm.formula(text))  # type: ignore[arg-type]
    th = torch.tensor(points, dtype=T64)
    with torch.no_grad():
        got_v = problem.loss(th).numpy()
    got_g = problem.grad(th).numpy().T  # (2, P)
    xy = np.asarray(points, dtype=np.float64)
    with np.errstate(all="ignore"):
        ref = reference(parse(text), xy[:, 0], xy[:, 1])
        tol_v = 16 * U * ref.ev
        tol_g = 64 * U * ref.ed
        ok_v = np.isfinite(ref.v) & np.isfinite(tol_v) & np.isfinite(got_v)
        assert (np.abs(got_v - ref.v) <= tol_v)[ok_v].all(), (text, points)
        # where the reference is finite and well conditioned, so is the formula
        well = np.isfinite(ref.v) & np.isfinite(tol_v) & (tol_v <= 1e-6 * np.abs(ref.v)) & (np.abs(ref.v) < 1e300)
        assert np.isfinite(got_v[well]).all(), (text, points)
        ok_g = np.isfinite(ref.d) & np.isfinite(tol_g) & np.isfinite(got_g) & ok_v
        assert (np.abs(got_g - ref.d) <= tol_g)[ok_g].all(), (text, points, got_g, ref.d)
    return int(ok_g.all(axis=0).sum())


@pytest.mark.parametrize("fn", sorted(fm.FUNCTIONS))
def test_each_function_matches_the_reference(fn):
    """Every whitelisted function at least once, with non-trivial arguments (the random trees may miss one)."""
    text = f"{fn}(x*y - 0.3, y^2 + x)" if fm.FUNCTIONS[fn] == 2 else f"{fn}(x*y + 0.3)*y + {fn}(x/2)^2"
    low = 0.1 if fn in ("log", "sqrt") else -3.0
    points = np.random.default_rng(4).uniform(low, 3, size=(40, 2)).tolist()
    assert _compare(text, points) >= 20


@settings(max_examples=300, deadline=None)
@given(trees, st.lists(st.tuples(coords, coords), min_size=1, max_size=8))
def test_values_and_gradients_match_an_independent_reference(tree, points):
    assume(_fits(tree))
    _compare(to_text(tree), points)


# ---------------------------------------------------------------------------- short fuzz
# Any text: either a tree or a FormulaError, never another exception (the long run: make fuzz).

ALPHABET = string.printable + "\x00\x7f\x1b\u0445\uff58\u0455\u00b2\u2212\u00d7\u2028\u200b\u00e9\u03c0\ufeff"
SEEDS = [
    "x^2 + 3*y^2", "sin(x)*cos(y)", "min(x, y) - max(x^2, y)", "L(x, y) = (1 - x)^2 + 100*(y - x^2)^2",
    "exp(-x^2-y^2)", "sqrt(abs(x)) + log(1 + y^2)", "sigmoid(x) * softplus(-y)", "x**-2 + 2^0.5",
    "--x + +y", "tanh(x/2) - tan(y)/1e3", "(x - pi)*(y + e)",
]
TOKENS = ["x", "y", "pi", "e", "sin(", "min(", "(", ")", "+", "-", "*", "/", "^", "**", ",", "2", "0.5", "1e3", " ", "."]


@st.composite
def mutated(draw) -> str:
    s = list(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 5))):
        i = draw(st.integers(0, len(s)))
        kind = draw(st.sampled_from(["insert", "token", "delete", "replace", "repeat"]))
        if kind == "insert":
            s.insert(i, draw(st.sampled_from(ALPHABET)))
        elif kind == "token":
            s[i:i] = list(draw(st.sampled_from(TOKENS)))
        elif kind == "delete" and s:
            del s[min(i, len(s) - 1)]
        elif kind == "replace" and s:
            s[min(i, len(s) - 1)] = draw(st.sampled_from(ALPHABET))
        elif kind == "repeat":
            s = s[:i] * draw(st.integers(1, 20)) + s[i:]
    return "".join(s)


PROBE = torch.tensor([[0.5, -1.5], [-2.0, 0.0], [1e3, 3.0]], dtype=T64)


def check_text(text: str, build: bool = False) -> str | None:
    """Parse `text`; None when accepted (then it round-trips, evaluates and differentiates
    without raising, and with `build` makes a surface), else the error code."""
    try:
        tree = parse(text)
    except FormulaError as exc:
        assert exc.code in MESSAGES
        assert len(str(exc).splitlines()) == 1
        col = exc.params.get("col")
        assert col is None or 1 <= col <= len(text) + 1
        return exc.code
    canonical = to_text(tree)
    assert len(canonical) <= len(text)  # … so it is accepted again (the length limit)
    assert parse(canonical) == tree
    if build:
        try:
            custom_surface(text)
        except FormulaError as exc:
            assert exc.code == "undefined_everywhere"
    else:
        problem = FormulaProblem(None, {}, fm.formula(text))  # type: ignore[arg-type]
        assert problem.loss(PROBE).shape == (3,) and problem.grad(PROBE).shape == (3, 2)
    return None


@settings(max_examples=2000, deadline=None)
@given(st.one_of(st.text(alphabet=ALPHABET, max_size=400), mutated()))
def test_short_fuzz_only_formula_errors(text):
    check_text(text)


# ---------------------------------------------------------------------------- CLI


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def test_cli_run_with_formula(capsys):
    rc, out, err = cli(capsys, "run", "--formula", "x**2 + 3*y^2", "--optimizer", "sgd", "--lr", "0.1", "--steps", "5")
    assert rc == 0 and err == ""
    data = json.loads(out)
    assert data["surface"] == "custom" and data["formula"] == "x^2+3*y^2" and data["params"] == {}
    (traj,) = data["trajectories"]
    assert traj["start"] == [1.8, 1.8] and traj["diverged_at"] is None
    assert traj["loss"][-1] < traj["loss"][0]


def test_cli_run_reports_divergence_where_undefined(capsys):
    rc, out, _ = cli(capsys, "run", "--formula", "log(x)", "--start", "0.5,0", "--lr", "1", "--steps", "5")
    (traj,) = json.loads(out)["trajectories"]
    assert rc == 0 and traj["diverged_at"] == 1
    assert np.isfinite(np.asarray(traj["theta"], dtype=float)).all()


def test_cli_inspect_and_critical_with_formula(capsys):
    rc, out, _ = cli(capsys, "inspect", "--formula", "x*y", "--at", "1,2", "--json")
    info = json.loads(out)
    assert rc == 0 and info["grad"] == [2.0, 1.0] and info["hessian"] == [[0.0, 1.0], [1.0, 0.0]]
    rc, out, _ = cli(capsys, "critical", "--formula", "x^4 - 2*x^2 + y^2", "--box", "-2,2,-1,1", "--json")
    minima = [p["at"] for p in json.loads(out)["points"] if p["kind"] == "minimum"]
    assert rc == 0 and sorted(round(m[0], 6) for m in minima) == [-1.0, 1.0]


def test_cli_box_and_leading_minus(capsys):
    rc, out, err = cli(capsys, "run", "--formula=-x^2", "--box", "0,1,-1,0", "--steps", "2")
    assert rc == 0, err
    (traj,) = json.loads(out)["trajectories"]
    assert 0 <= traj["start"][0] <= 1 and -1 <= traj["start"][1] <= 0


BAD_CLI = {
    "unknown name": (["run", "--formula", "os", "--steps", "3"], "unknown name 'os' at column 1"),
    "dunder": (["inspect", "--formula", "x.__class__", "--at", "0,0"], "attribute access ('.') is not allowed at column 2"),
    "huge power": (["critical", "--formula", "9**9**9"], "the exponent of '**' at column 2"),
    "NUL": (["run", "--formula", "x + \x01", "--steps", "3"], "unexpected character '\\x01' at column 5"),
    "both": (["run", "--formula", "x", "--surface", "rosenbrock", "--steps", "3"], "not allowed with"),
    "neither": (["inspect", "--at", "0,0"], "one of the arguments --surface --formula is required"),
    "box with surface": (["run", "--surface", "rosenbrock", "--box", "0,1,0,1", "--steps", "3"], "--box"),
    "box three numbers": (["run", "--formula", "x", "--box", "0,1,0", "--steps", "3"], "--box"),
    "box not numbers": (["run", "--formula", "x", "--box", "a,b,c,d", "--steps", "3"], "--box"),
    "box reversed": (["run", "--formula", "x", "--box", "1,0,0,1", "--steps", "3"], "the box must be"),
    "set with formula": (["run", "--formula", "x", "--set", "a=1", "--steps", "3"], "--set"),
    "undefined": (["run", "--formula", "log(-1 - x^2)", "--steps", "3"], "undefined"),
}


@pytest.mark.parametrize(("argv", "needle"), list(BAD_CLI.values()), ids=list(BAD_CLI))
def test_cli_bad_formula_exits_2_with_one_line(capsys, argv, needle):
    rc, out, err = cli(capsys, *argv)
    assert rc == 2 and out == ""
    lines = err.strip("\n").splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("optim_lab: error: ") and needle in lines[0]


@pytest.mark.parametrize("text", ["x^4 - 2*x^2 + y^2", "sigmoid(x*y) + softplus(x - y)", "abs(x)^1.5 + abs(y)^2.5",
                                  "softplus(3*x) * sigmoid(y) + x^10/1000", "exp(-x^2) * cos(y) + tanh(x*y)"])
def test_a_formulas_row_is_the_same_bits_in_any_batch(text):
    """A race of typed formulas steps its rows as one batch, the command line one row: loss,
    gradient and Hessian of each row are the same bits either way (torch's vectorised sigmoid,
    softplus and pow are not, on an AVX-512 machine: `surfaces.base.lane_free`)."""
    problem = custom_surface(text, box=(-3, 3, -3, 3))
    g = torch.Generator().manual_seed(3)
    theta = (torch.rand(200, 2, generator=g, dtype=torch.float64) - 0.5) * 6
    for fn in (problem.loss, problem.grad, problem.hessian):
        together = fn(theta)
        for i in range(len(theta)):
            assert torch.equal(together[i:i + 1], fn(theta[i:i + 1])), (text, fn.__name__, i)
