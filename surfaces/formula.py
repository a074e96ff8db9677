"""Error surfaces typed by learners: "L(x, y) = x^2 + 3*y^2", checked, then built on torch.

Nothing the user types is ever executed.  The text goes through our own tokenizer
and recursive-descent parser (no eval, exec, compile, ast or sympy); both accept
only a fixed set of ASCII characters, names and shapes, and build a tree of the
node classes below.  `compile_tree` walks that tree and chains closures over a
fixed table of torch functions: no source code is ever generated.

Grammar (Python's precedence; `^` and `**` are the same power operator, never XOR):

    formula  := [ "L" [ "(" "x" "," "y" ")" ] "=" ] expr      the "L(x, y) =" prefix is optional
    expr     := term { ("+" | "-") term }
    term     := unary { ("*" | "/") unary }
    unary    := ("+" | "-") unary | power                       so -x^2 = -(x^2)
    power    := atom [ ("^" | "**") exponent ]
    exponent := { "+" | "-" } ( NUMBER | "(" { "+" | "-" } NUMBER ")" )   a plain number, |p| ≤ 10
    atom     := NUMBER | "x" | "y" | "pi" | "e" | "(" expr ")" | FUNCTION "(" expr { "," expr } ")"

No implicit multiplication (2x is refused: write 2*x).  Names are case-sensitive.
Undefined points (log of a negative, 0/0, …) evaluate to NaN or ±inf: the engine
stops a trajectory there (`diverged_at`) and plots leave them blank.

Every refusal is a `FormulaError` (a ValueError) with a machine `code`, its
`params` and an English message; `ui/text/formula.py` holds the same messages
as "fx_<code>" in English and Chinese.
"""

from __future__ import annotations

import dataclasses
import functools
import keyword
import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import torch

from .base import DTYPE, Problem, SurfaceSpec, autograd_hessian, grid, lane_free, sigmoid

Tensor = torch.Tensor

# -- limits ---------------------------------------------------------------------
MAX_LENGTH = 300  # characters of the typed text, prefix and spaces included
MAX_DEPTH = 30  # nesting of parentheses, function calls and signs
MAX_NODES = 200  # numbers, names, operators and calls in the tree
MAX_CONST = 1_000_000  # |numeric literal|
MAX_EXPONENT = 10  # |p| of x^p; p must be a numeric literal
MAX_BOX = 10_000  # |coordinates| of the view box
MAX_GRID = 200  # points per side of `evaluate_grid`
PROBE_N = 25  # points per side of the build-time probe grid
CHUNK = 8192  # rows per autograd pass: bounds memory on big batches
DEFAULT_BOX = (-3.0, 3.0, -3.0, 3.0)

VARIABLES = ("x", "y")
CONSTANTS = {"pi": math.pi, "e": math.e}
FUNCTIONS = {  # name -> number of arguments
    "sin": 1, "cos": 1, "tan": 1, "exp": 1, "log": 1, "sqrt": 1, "abs": 1,
    "tanh": 1, "sigmoid": 1, "softplus": 1, "min": 2, "max": 2,
}


def _abs(t: Tensor) -> Tensor:
    """|t| as t·sign(t): the values and derivatives of torch.abs (sign(0) = 0), but its double
    backward does not import torch._dynamo (torch.abs's does: ~1 s and ~70 MB on first use)."""
    return t * torch.sign(t)


_lane_free_softplus = lane_free(torch.nn.functional.softplus)


class _Softplus(torch.autograd.Function):
    """softplus(t) = ln(1 + eᵗ) (t itself past 20, as torch's), whose derivative is σ(t) taken as
    `base.sigmoid` (torch's own second derivative of softplus takes the vectorised sigmoid)."""

    @staticmethod
    def forward(ctx, t: Tensor) -> Tensor:
        ctx.save_for_backward(t)
        return _lane_free_softplus(t)

    @staticmethod
    def backward(ctx, grad: Tensor) -> Tensor:
        (t,) = ctx.saved_tensors
        return torch.where(t > 20.0, grad, grad * sigmoid(t))


_TORCH: dict[str, Callable[..., Tensor]] = {
    "sin": torch.sin, "cos": torch.cos, "tan": torch.tan, "exp": torch.exp, "log": torch.log,
    "sqrt": torch.sqrt, "abs": _abs, "tanh": torch.tanh, "sigmoid": sigmoid,
    "softplus": _Softplus.apply, "min": torch.minimum, "max": torch.maximum,
}
_BINARY: dict[str, Callable[[Tensor, Tensor], Tensor]] = {"+": torch.add, "-": torch.sub, "*": torch.mul, "/": torch.div}

# English templates, one per error code; ui/text/formula.py repeats them as "fx_<code>" (EN and ZH).
MESSAGES = {
    "empty": "the formula is empty",
    "too_long": "formula too long ({length} characters, at most {limit})",
    "non_ascii": "non-ASCII character '{char}' ({codepoint} {uname}) at column {col}: type the formula in plain ASCII",
    "bad_char": "unexpected character '{char}' at column {col}",
    "string": "strings are not allowed (quote at column {col})",
    "attribute": "attribute access ('.') is not allowed at column {col}",
    "subscript": "brackets '[ ]' (subscripts, lists) are not allowed at column {col}",
    "assignment": "'=' is not allowed at column {col}: type only the right-hand side, e.g. x^2 + y^2",
    "comparison": "comparison '{op}' is not allowed at column {col}",
    "bad_operator": "operator '{op}' is not supported at column {col}",
    "keyword": "'{name}' is not allowed in a formula (column {col})",
    "unknown_name": "unknown name '{name}' at column {col}",
    "not_callable": "'{name}' is not a function (column {col})",
    "needs_call": "'{name}' is a function: write {name}(...) (column {col})",
    "arity": "wrong number of arguments for {name}(): {got} given, {expected} expected (column {col})",
    "missing_operator": "missing operator before '{token}' at column {col} (write 2*x, not 2x)",
    "unexpected_token": "unexpected '{token}' at column {col}",
    "unexpected_end": "the formula ends too early (column {col})",
    "unclosed_paren": "'(' at column {col} is never closed",
    "unmatched_paren": "')' at column {col} has no matching '('",
    "number_too_large": "number {token} at column {col} is too large (at most {limit} in absolute value)",
    "too_deep": "formula nested too deeply at column {col} (at most {limit} levels)",
    "too_many_nodes": "formula too large (more than {limit} parts)",
    "exponent_not_constant": "the exponent of '{op}' at column {col} must be a plain number, e.g. x^2 or x^-0.5",
    "exponent_too_large": "'{op}' exponent too large at column {col} (at most {limit} in absolute value)",
    "cannot_evaluate": "cannot evaluate the formula",
    "undefined_everywhere": "the formula is undefined (no finite value) everywhere in the box",
    "bad_box": "the box must be four finite numbers x_min,x_max,y_min,y_max with x_min < x_max, y_min < y_max and |values| <= {limit}",
    "bad_start": "the start must be a finite point inside the box",
    "bad_grid": "the grid size must be a whole number from 2 to {limit}, got {n}",
}


class FormulaError(ValueError):
    """A refused formula (or box, start, grid size): `code` + `params` for translation,
    str() the English message (one line)."""

    def __init__(self, code: str, **params: object):
        self.code = code
        self.params = params
        super().__init__(MESSAGES[code].format(**params))

    def __reduce__(self):
        return (_rebuild_error, (self.code, self.params))


def _rebuild_error(code: str, params: dict) -> FormulaError:
    return FormulaError(code, **params)


# -- the tree -------------------------------------------------------------------
@dataclass(frozen=True)
class Num:
    value: float  # a literal, ≥ 0 (a sign is a Neg node)


@dataclass(frozen=True)
class Name:
    id: str  # x, y, pi or e


@dataclass(frozen=True)
class Neg:
    operand: Node


@dataclass(frozen=True)
class BinOp:
    op: str  # + - * /
    left: Node
    right: Node


@dataclass(frozen=True)
class Pow:
    base: Node
    exponent: float  # a literal, |p| ≤ MAX_EXPONENT


@dataclass(frozen=True)
class Call:
    fn: str  # a key of FUNCTIONS
    args: tuple[Node, ...]


Node = Num | Name | Neg | BinOp | Pow | Call


# -- tokens -----------------------------------------------------------------------
@dataclass(frozen=True)
class _Tok:
    kind: str  # "num", "name", "op" (+ - * / ^), "(", ")", ",", "end"
    text: str
    col: int  # 1-based


_DIGITS = frozenset("0123456789")
_SPACE = frozenset(" \t\r\n")
_NUMBER = re.compile(r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PREFIX = re.compile(r"[ \t\r\n]*L[ \t\r\n]*(?:\([ \t\r\n]*x[ \t\r\n]*,[ \t\r\n]*y[ \t\r\n]*\)[ \t\r\n]*)?=(?!=)")
_ALLOWED_NAMES = frozenset((*VARIABLES, *CONSTANTS, *FUNCTIONS))
_COMPARISONS = ("==", "!=", "<=", ">=", "<", ">")
_BAD_OPERATORS = ("//", "<<", ">>", "%", "@", "&", "|", "~")


def _shown(ch: str) -> str:
    """A character as it can be printed on one line: escapes for the unprintable."""
    return repr(ch)[1:-1]


def _tokenize(text: str) -> list[_Tok]:
    """Every token of `text`, or the FormulaError of the first character that is refused."""
    toks: list[_Tok] = []
    prefix = _PREFIX.match(text)
    i = prefix.end() if prefix else 0
    n = len(text)
    balance = 0
    while i < n:
        c, col = text[i], i + 1
        nxt = text[i + 1] if i + 1 < n else ""
        if c > "\x7f":
            raise FormulaError("non_ascii", char=_shown(c), codepoint=f"U+{ord(c):04X}",
                               uname=unicodedata.name(c, "unnamed character"), col=col)
        if c in _SPACE:
            i += 1
            continue
        if c in _DIGITS or (c == "." and nxt in _DIGITS):
            m = _NUMBER.match(text, i)
            assert m is not None
            toks.append(_Tok("num", m.group(), col))
            i = m.end()
            continue
        if c.isalpha() or c == "_":
            m = _NAME.match(text, i)
            assert m is not None
            word = m.group()
            if keyword.iskeyword(word):
                raise FormulaError("keyword", name=word, col=col)
            if word not in _ALLOWED_NAMES:
                raise FormulaError("unknown_name", name=word, col=col)
            toks.append(_Tok("name", word, col))
            i = m.end()
            continue
        two = text[i : i + 2]
        if two == "**":
            toks.append(_Tok("op", "**", col))
            i += 2
            continue
        if c == "^" or c in "+-*/" and two != "//":
            toks.append(_Tok("op", c, col))
        elif c == "(":
            balance += 1
            toks.append(_Tok("(", c, col))
        elif c == ")":
            balance -= 1
            if balance < 0:
                raise FormulaError("unmatched_paren", col=col)
            toks.append(_Tok(")", c, col))
        elif c == ",":
            toks.append(_Tok(",", c, col))
        elif c == ".":
            raise FormulaError("attribute", col=col)
        elif c in "'\"":
            raise FormulaError("string", col=col)
        elif c in "[]":
            raise FormulaError("subscript", col=col)
        elif two == ":=" or (c == "=" and nxt != "="):
            raise FormulaError("assignment", col=col)
        elif op := next((o for o in _BAD_OPERATORS if text.startswith(o, i)), None):
            raise FormulaError("bad_operator", op=op, col=col)
        elif op := next((o for o in _COMPARISONS if text.startswith(o, i)), None):
            raise FormulaError("comparison", op=op, col=col)
        else:
            raise FormulaError("bad_char", char=_shown(c), col=col)
        i += 1
    toks.append(_Tok("end", "", n + 1))
    return toks


# -- the parser -------------------------------------------------------------------
class _Parser:
    def __init__(self, toks: list[_Tok]):
        self.toks = toks
        self.i = 0
        self.depth = 0
        self.nodes = 0

    def peek(self) -> _Tok:
        return self.toks[self.i]

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        if tok.kind != "end":
            self.i += 1
        return tok

    def node(self, n: Node) -> Node:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise FormulaError("too_many_nodes", limit=MAX_NODES)
        return n

    def enter(self, tok: _Tok) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise FormulaError("too_deep", col=tok.col, limit=MAX_DEPTH)

    def leave(self) -> None:
        self.depth -= 1

    def unexpected(self, tok: _Tok) -> FormulaError:
        if tok.kind == "end":
            return FormulaError("unexpected_end", col=tok.col)
        if tok.kind in ("num", "name", "("):
            return FormulaError("missing_operator", token=tok.text, col=tok.col)
        return FormulaError("unexpected_token", token=tok.text, col=tok.col)

    def close(self, opening: _Tok) -> None:
        tok = self.take()
        if tok.kind == ")":
            return
        if tok.kind == "end":
            raise FormulaError("unclosed_paren", col=opening.col)
        raise self.unexpected(tok)

    def formula(self) -> Node:
        if self.peek().kind == "end":
            raise FormulaError("empty")
        tree = self.expr()
        tok = self.peek()
        if tok.kind != "end":
            raise self.unexpected(tok)
        return tree

    def expr(self) -> Node:
        left = self.term()
        while (tok := self.peek()).kind == "op" and tok.text in "+-":
            self.take()
            left = self.node(BinOp(tok.text, left, self.term()))
        return left

    def term(self) -> Node:
        left = self.unary()
        while (tok := self.peek()).kind == "op" and tok.text in "*/":
            self.take()
            left = self.node(BinOp(tok.text, left, self.unary()))
        return left

    def unary(self) -> Node:
        tok = self.peek()
        if tok.kind == "op" and tok.text in "+-":
            self.take()
            self.enter(tok)
            operand = self.unary()
            self.leave()
            return operand if tok.text == "+" else self.node(Neg(operand))
        return self.power()

    def power(self) -> Node:
        base = self.atom()
        tok = self.peek()
        if tok.kind == "op" and tok.text in ("^", "**"):
            self.take()
            return self.node(Pow(base, self.exponent(tok)))
        return base

    def exponent(self, op: _Tok) -> float:
        """The literal after ^ / **: signs, then a number, possibly in parentheses."""
        sign = 1.0
        opening = None
        while True:
            tok = self.take()
            if tok.kind == "op" and tok.text in "+-":
                sign = -sign if tok.text == "-" else sign
            elif tok.kind == "(" and opening is None:
                opening = tok
            else:
                break
        if tok.kind == "end":
            raise FormulaError("unclosed_paren", col=opening.col) if opening else FormulaError("unexpected_end", col=tok.col)
        if tok.kind not in ("num", "name", "("):
            raise self.unexpected(tok)
        if tok.kind != "num":
            raise FormulaError("exponent_not_constant", op=op.text, col=op.col)
        p = sign * float(tok.text)
        if not abs(p) <= MAX_EXPONENT:
            raise FormulaError("exponent_too_large", op=op.text, col=op.col, limit=MAX_EXPONENT)
        if opening is not None:
            after = self.peek()
            if after.kind == "op" and after.text in ("^", "**", "*", "/", "+", "-"):
                raise FormulaError("exponent_not_constant", op=op.text, col=op.col)
            self.close(opening)
        after = self.peek()
        if after.kind == "op" and after.text in ("^", "**"):  # x^2^3 is x^(2^3): not a plain number
            raise FormulaError("exponent_not_constant", op=op.text, col=op.col)
        return p

    def atom(self) -> Node:
        tok = self.take()
        if tok.kind == "num":
            value = float(tok.text)
            if not value <= MAX_CONST:  # also catches inf from 1e999
                raise FormulaError("number_too_large", token=tok.text, col=tok.col, limit=MAX_CONST)
            return self.node(Num(value))
        if tok.kind == "name":
            name = tok.text
            if name in FUNCTIONS:
                opening = self.peek()
                if opening.kind != "(":
                    raise FormulaError("needs_call", name=name, col=tok.col)
                self.take()
                self.enter(opening)
                args: list[Node] = []
                if self.peek().kind != ")":
                    args.append(self.expr())
                    while self.peek().kind == ",":
                        self.take()
                        args.append(self.expr())
                self.close(opening)
                self.leave()
                if len(args) != FUNCTIONS[name]:
                    raise FormulaError("arity", name=name, expected=FUNCTIONS[name], got=len(args), col=tok.col)
                return self.node(Call(name, tuple(args)))
            if self.peek().kind == "(":
                raise FormulaError("not_callable", name=name, col=tok.col)
            return self.node(Name(name))
        if tok.kind == "(":
            self.enter(tok)
            inner = self.expr()
            self.close(tok)
            self.leave()
            return inner
        raise self.unexpected(tok)


def parse(text: str) -> Node:
    """The tree of `text`; FormulaError for anything outside the grammar or the limits."""
    if not isinstance(text, str):
        raise TypeError(f"formula: expected a string, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise FormulaError("too_long", length=len(text), limit=MAX_LENGTH)
    return _Parser(_tokenize(text)).formula()


# -- printers ------------------------------------------------------------------------
# Precedence levels: 1 sums, 2 products, 3 signs, 4 powers, 5 atoms (numbers, names, calls).
def _level(node: Node) -> int:
    if isinstance(node, BinOp):
        return 1 if node.op in "+-" else 2
    if isinstance(node, Neg):
        return 3
    if isinstance(node, Pow):
        return 4
    return 5


def _fmt_num(v: float) -> str:
    """Shortest text that reads back as exactly v: never longer than the number as typed
    (`.5` rather than `0.5`, `100`, `1e6` rather than `1000000`, `1e-7` rather than `1e-07`)."""
    shortest = repr(v)  # the fewest significant digits that read back as v
    sign, digits, exp = Decimal(shortest).normalize().as_tuple()
    ds = "".join(map(str, digits))
    mantissa = ds[0] + ("." + ds[1:] if len(ds) > 1 else "")
    candidates = [shortest, f"{'-' if sign else ''}{mantissa}e{exp + len(ds) - 1}",
                  shortest.replace("0.", ".", 1) if shortest.lstrip("-").startswith("0.") else shortest]
    if v == int(v) and abs(v) < 1e15:
        candidates.insert(0, str(int(v)))
    return min((c for c in candidates if float(c) == v), key=len)


def _exp_text(p: float) -> str:
    return ("-" if math.copysign(1.0, p) < 0 and p != 0 else "") + _fmt_num(abs(p))


def to_text(node: Node) -> str:
    """Canonical text: `parse(to_text(t)) == t`; parentheses only where needed, `^` for powers, no
    spaces, numbers at their shortest.  So it is never longer than the text typed, and a formula
    accepted once is accepted again in its canonical form (the command line prints it)."""

    def sub(n: Node, need: int) -> str:
        s = to_text(n)
        return f"({s})" if _level(n) < need else s

    match node:
        case Num(value=v):
            return _fmt_num(v)
        case Name(id=name):
            return name
        case Neg(operand=a):
            return "-" + sub(a, 3)
        case BinOp(op=op, left=a, right=b) if op in "+-":
            return f"{sub(a, 1)}{op}{sub(b, 2)}"
        case BinOp(op=op, left=a, right=b):
            return f"{sub(a, 2)}{op}{sub(b, 3)}"
        case Pow(base=a, exponent=p):
            return f"{sub(a, 5)}^{_exp_text(p)}"
        case Call(fn=fn, args=args):
            return f"{fn}({','.join(to_text(a) for a in args)})"
    raise TypeError(f"not a formula node: {node!r}")


_LATEX_FN = {
    "sin": r"\sin", "cos": r"\cos", "tan": r"\tan", "exp": r"\exp", "log": r"\log", "tanh": r"\tanh",
    "sigmoid": r"\sigma", "softplus": r"\operatorname{softplus}", "min": r"\min", "max": r"\max",
}


def _latex_num(v: float) -> str:
    s = _fmt_num(v)
    if "e" in s:
        mant, exp = s.split("e")
        return f"{mant} \\cdot 10^{{{int(exp)}}}"
    return s


def to_latex(node: Node) -> str:
    """LaTeX of the tree (the right-hand side; the spec prefixes "L(x, y) = ")."""

    def sub(n: Node, need: int) -> str:
        s = to_latex(n)
        level = 4 if isinstance(n, BinOp) and n.op == "/" else _level(n)  # \frac needs no parentheses, except as a base
        if isinstance(n, Num) and "e" in _fmt_num(n.value):
            level = 2  # m·10^k is a product
        return rf"\left({s}\right)" if level < need else s

    match node:
        case Num(value=v):
            return _latex_num(v)
        case Name(id=name):
            return r"\pi" if name == "pi" else name
        case Neg(operand=a):
            return "-" + sub(a, 3)
        case BinOp(op="/", left=a, right=b):
            return rf"\frac{{{to_latex(a)}}}{{{to_latex(b)}}}"
        case BinOp(op="*", left=a, right=b):
            return rf"{sub(a, 2)} \cdot {sub(b, 3)}"
        case BinOp(op=op, left=a, right=b):
            return f"{sub(a, 1)} {op} {sub(b, 2)}"
        case Pow(base=a, exponent=p):
            sign = "-" if p < 0 else ""
            return f"{sub(a, 5)}^{{{sign}{_latex_num(abs(p))}}}"
        case Call(fn="sqrt", args=(a,)):
            return rf"\sqrt{{{to_latex(a)}}}"
        case Call(fn="abs", args=(a,)):
            return rf"\left|{to_latex(a)}\right|"
        case Call(fn=fn, args=args):
            return rf"{_LATEX_FN[fn]}\left({', '.join(to_latex(a) for a in args)}\right)"
    raise TypeError(f"not a formula node: {node!r}")


def count_nodes(node: Node) -> int:
    match node:
        case Neg(operand=a) | Pow(base=a):
            return 1 + count_nodes(a)
        case BinOp(left=a, right=b):
            return 1 + count_nodes(a) + count_nodes(b)
        case Call(args=args):
            return 1 + sum(count_nodes(a) for a in args)
    return 1


# -- torch ------------------------------------------------------------------------------
Fn = Callable[[Tensor, Tensor], Tensor]


def _compile(node: Node) -> tuple[Fn, Tensor | None]:
    """A closure (x, y) -> tensor for `node`, and its value when it has no variable
    (constant sub-trees are folded once, with the same torch operations)."""

    def const(value: Tensor) -> tuple[Fn, Tensor]:
        return (lambda x, y: value), value

    match node:
        case Num(value=v):
            return const(torch.tensor(v, dtype=DTYPE))
        case Name(id="x"):
            return (lambda x, y: x), None
        case Name(id="y"):
            return (lambda x, y: y), None
        case Name(id=name):
            return const(torch.tensor(CONSTANTS[name], dtype=DTYPE))
        case Neg(operand=a):
            return _apply(torch.neg, [a])
        case BinOp(op=op, left=a, right=b):
            return _apply(_BINARY[op], [a, b])
        case Pow(base=a, exponent=p):
            return _apply(lane_free(functools.partial(torch.pow, exponent=p)), [a])
        case Call(fn=fn, args=args):
            return _apply(_TORCH[fn], list(args))
    raise TypeError(f"not a formula node: {node!r}")


def _apply(op: Callable[..., Tensor], children: list[Node]) -> tuple[Fn, Tensor | None]:
    compiled = [_compile(c) for c in children]
    values = [v for _, v in compiled]
    if all(v is not None for v in values):
        with torch.no_grad():
            value = op(*values)
        return (lambda x, y: value), value
    fns = [f for f, _ in compiled]
    if len(fns) == 1:
        (fa,) = fns
        return (lambda x, y: op(fa(x, y))), None
    fa, fb = fns
    return (lambda x, y: op(fa(x, y), fb(x, y))), None


def compile_tree(tree: Node) -> Fn:
    """f(x, y) for float64 tensors of one shape; always a new tensor of that shape."""
    fn, _ = _compile(tree)

    def f(x: Tensor, y: Tensor) -> Tensor:
        out = fn(x, y)
        if out is x or out is y or out.shape != x.shape:  # a bare variable or a constant
            out = out + torch.zeros_like(x)
        return out

    return f


@dataclass(frozen=True)
class Formula:
    tree: Node
    text: str  # canonical, see to_text
    latex: str  # right-hand side
    fn: Fn


def formula(text: str) -> Formula:
    tree = parse(text)
    return Formula(tree=tree, text=to_text(tree), latex=to_latex(tree), fn=compile_tree(tree))


# -- the problem -----------------------------------------------------------------------
def _rows(theta: Tensor, f: Callable[[Tensor], Tensor]) -> Tensor:
    if theta.shape[0] <= CHUNK:
        return f(theta)
    return torch.cat([f(part) for part in theta.split(CHUNK)])


class FormulaProblem(Problem):
    """L(θ) = the formula at (θ[:, 0], θ[:, 1]); gradient and Hessian by autograd,
    CHUNK rows at a time, zero where the formula does not depend on a variable."""

    def __init__(self, spec: SurfaceSpec, params: dict[str, float], formula: Formula):
        super().__init__(spec, params)
        self.formula = formula

    @property
    def text(self) -> str:
        return self.formula.text

    def loss(self, theta: Tensor, weights: Tensor | None = None) -> Tensor:
        return _rows(theta, lambda t: self.formula.fn(t[:, 0], t[:, 1]))

    def grad(self, theta: Tensor, weights: Tensor | None = None) -> Tensor:
        return _rows(theta, self._grad)

    def hessian(self, theta: Tensor, weights: Tensor | None = None) -> Tensor:
        return _rows(theta, lambda part: autograd_hessian(lambda x: self.formula.fn(x[:, 0], x[:, 1]), part))

    def _grad(self, theta: Tensor) -> Tensor:
        with torch.enable_grad():
            x = theta.detach().to(DTYPE).requires_grad_(True)
            out = self.formula.fn(x[:, 0], x[:, 1])
            if not out.requires_grad:
                return torch.zeros_like(x)
            (g,) = torch.autograd.grad(out.sum(), x, allow_unused=True)
        return torch.zeros_like(x) if g is None else g


def _check_box(box: object) -> tuple[float, float, float, float]:
    if isinstance(box, str | bytes):
        raise FormulaError("bad_box", limit=MAX_BOX)
    try:
        vals = tuple(float(v) for v in box)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        raise FormulaError("bad_box", limit=MAX_BOX) from None
    if len(vals) != 4 or not all(math.isfinite(v) and abs(v) <= MAX_BOX for v in vals):
        raise FormulaError("bad_box", limit=MAX_BOX)
    x0, x1, y0, y1 = vals
    if not (x0 < x1 and y0 < y1):
        raise FormulaError("bad_box", limit=MAX_BOX)
    return vals  # type: ignore[return-value]


def _check_start(start: object, box: tuple[float, float, float, float]) -> tuple[float, float]:
    if isinstance(start, str | bytes):
        raise FormulaError("bad_start")
    try:
        sx, sy = (float(v) for v in start)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        raise FormulaError("bad_start") from None
    x0, x1, y0, y1 = box
    if not (x0 <= sx <= x1 and y0 <= sy <= y1):  # NaN fails too
        raise FormulaError("bad_start")
    return sx, sy


_START_FRACTIONS = ((0.8, 0.8), (0.2, 0.8), (0.8, 0.2), (0.2, 0.2), (0.65, 0.35), (0.35, 0.65), (0.5, 0.5))


def _nice(v: float, lo: float, hi: float) -> float:
    r = float(f"{v:.4g}")
    return r if lo <= r <= hi else v


def _default_start(problem: FormulaProblem, box, probe: Tensor, loss: Tensor, grad: Tensor) -> tuple[float, float]:
    """Away from the centre (where textbook minima tend to sit), at a point where L and ∇L are finite."""
    x0, x1, y0, y1 = box
    cands = torch.tensor([(_nice(x0 + a * (x1 - x0), x0, x1), _nice(y0 + b * (y1 - y0), y0, y1)) for a, b in _START_FRACTIONS],
                         dtype=DTYPE)
    with torch.no_grad():
        ok = torch.isfinite(problem.loss(cands)) & torch.isfinite(problem.grad(cands)).all(dim=1)
    if ok.any():
        p = cands[int(ok.to(torch.uint8).argmax())]
    else:
        fine = torch.isfinite(loss) & torch.isfinite(grad).all(dim=1)
        pick = fine if fine.any() else torch.isfinite(loss)
        p = probe[int(pick.to(torch.uint8).argmax())]
    return float(p[0]), float(p[1])


def _make_problem(spec: SurfaceSpec, params: dict[str, float], formula: Formula) -> FormulaProblem:
    return FormulaProblem(spec, params, formula)


def custom_surface(text: str, box: Sequence[float] = DEFAULT_BOX, start: Sequence[float] | None = None) -> FormulaProblem:
    """A problem for the typed formula over `box` (x_min, x_max, y_min, y_max).

    Raises FormulaError for a refused formula, box or start, when the formula cannot
    be evaluated, or when it has no finite value anywhere on a probe grid of the box."""
    box_t = _check_box(box)
    start_t = None if start is None else _check_start(start, box_t)
    f = formula(text)
    spec = SurfaceSpec(
        name="custom", label_en="Your formula", label_zh="自定义公式", latex=f"L(x, y) = {f.latex}",
        box=box_t, start=start_t or (0.5 * (box_t[0] + box_t[1]), 0.5 * (box_t[2] + box_t[3])),
        factory=functools.partial(_make_problem, formula=f), axes=("x", "y"), log_levels=False,
        blurb_en=f"L(x, y) = {f.text}", blurb_zh=f"L(x, y) = {f.text}", tags=("custom",),
    )
    problem = spec.build()
    probe = grid(box_t, PROBE_N).tensor()
    try:
        with torch.no_grad():
            loss = problem.loss(probe)
        grad = problem.grad(probe)
        problem.hessian(probe[:4])
    except (RuntimeError, TypeError, ValueError, ArithmeticError, IndexError) as exc:
        raise FormulaError("cannot_evaluate") from exc
    if not bool(torch.isfinite(loss).any()):
        raise FormulaError("undefined_everywhere")
    if start_t is None:
        problem = dataclasses.replace(spec, start=_default_start(problem, box_t, probe, loss, grad)).build()
    return problem


def evaluate_grid(problem: Problem, n: int = 100) -> dict[str, np.ndarray]:
    """The loss on an n × n grid over the problem's box: {"xs": (n,), "ys": (n,), "z": (n, n)},
    z[i, j] = L(xs[j], ys[i]) in float64, NaN where undefined.  n is at most MAX_GRID: the
    cost is O(nodes × n²) with nodes ≤ MAX_NODES."""
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or not 2 <= n <= MAX_GRID:
        raise FormulaError("bad_grid", limit=MAX_GRID, n=_shown(str(n)[:20]))
    g = grid(problem.box, int(n))
    xs, ys, pts = g.xs, g.ys, g.tensor()
    with torch.no_grad():
        z = problem.loss(pts).numpy().reshape(n, n)
    return {"xs": xs, "ys": ys, "z": np.where(np.isfinite(z), z, np.nan)}
