"""The long fuzz run of the formula parser: `make fuzz` (not part of `make test`).

The file name does not match pytest's test_*.py, so a plain `pytest` never collects it;
`python -m pytest tests/surfaces/fuzz_formula.py` runs it.  A seeded loop (no hypothesis: plain
loops do many more inputs per second) feeds FUZZ_N inputs, a quarter each of random
characters, token soup, valid formulas (hand-written seeds and random valid trees) with
one edit, and valid formulas with 2 to 6 edits, and checks that every input either parses or raises FormulaError — never any
other exception — that accepted text round-trips through to_text, evaluates and
differentiates, and that every 10th accepted one builds a surface.  FUZZ_N and FUZZ_SEED
override the defaults; a one-line summary is printed (run with -s to see it).
"""

from __future__ import annotations

import collections
import os
import random
import string
import time

import torch

import surfaces.formula as fm
from surfaces.formula import MAX_LENGTH, MESSAGES, FormulaError, FormulaProblem, custom_surface, parse, to_text

N = int(os.environ.get("FUZZ_N", "300000"))
SEED = int(os.environ.get("FUZZ_SEED", "20240611"))
BUILD_EVERY = 10

ODD = "\x00\x01\x07\x0b\x0c\x1b\x7f\u0445\uff58\u0455\u00b2\u2212\u00d7\u2028\u200b\u00e9\u03c0\ufeff\U0001d465"
ALPHABET = string.printable + ODD
FORMULA_CHARS = "xy0123456789.+-*/^(), e"  # weighted in, so that random text often gets far into the parser
TOKENS = [
    "x", "y", "pi", "e", *(f"{f}(" for f in fm.FUNCTIONS), "(", ")", "(", ")", "+", "-", "*", "/", "^", "**", ",",
    "2", "0.5", "1e3", "1e-3", "10", "11", "1e6", "1e7", " ", ".", "=", "L(x, y) =", "x.", "__", "[", "'", "lambda",
    "import", "os", "_", "\x00", "\u0445",
]
SEEDS = [
    "x^2 + 3*y^2", "L(x, y) = (1 - x)^2 + 100*(y - x^2)^2", "sin(x)*cos(y)", "min(x, y) - max(x^2, y)",
    "exp(-x^2 - y^2)", "sqrt(abs(x)) + log(1 + y^2)", "sigmoid(x)*softplus(-y)", "x**-2 + 2^0.5", "--x + +y",
    "tanh(x/2) - tan(y)/1e3", "(x - pi)*(y + e)", "x^10 - y^-10", "((((x))))", "1000000*x", "log(x) + sqrt(y)",
]
PROBE = torch.tensor([[0.5, -1.5], [-2.0, 0.0], [1e3, 3.0], [0.0, 0.0]], dtype=torch.float64)


def random_tree(rng: random.Random, depth: int = 0) -> fm.Node:
    if depth >= 5 or rng.random() < 0.3:
        r = rng.random()
        if r < 0.6:
            return fm.Name(rng.choice("xy"))
        if r < 0.7:
            return fm.Name(rng.choice(["pi", "e"]))
        return fm.Num(rng.choice([0.0, 1.0, 2.0, 0.5, 3.25, 1e-3, 1e6, round(rng.uniform(0, 100), rng.randint(0, 6))]))
    r = rng.random()
    if r < 0.15:
        return fm.Neg(random_tree(rng, depth + 1))
    if r < 0.5:
        return fm.BinOp(rng.choice("+-*/"), random_tree(rng, depth + 1), random_tree(rng, depth + 1))
    if r < 0.65:
        return fm.Pow(random_tree(rng, depth + 1), rng.choice([2.0, 3.0, -1.0, 0.5, -0.5, 10.0, -10.0, rng.uniform(-10, 10)]))
    name = rng.choice(sorted(fm.FUNCTIONS))
    return fm.Call(name, tuple(random_tree(rng, depth + 1) for _ in range(fm.FUNCTIONS[name])))


def random_chars(rng: random.Random) -> str:
    k = rng.choice([rng.randint(0, 12), rng.randint(0, 60), rng.randint(0, 420)])
    pool = FORMULA_CHARS if rng.random() < 0.5 else ALPHABET
    return "".join(rng.choice(pool) for _ in range(k))


def token_soup(rng: random.Random) -> str:
    return "".join(rng.choice(TOKENS) for _ in range(rng.randint(1, rng.choice([6, 20, 80]))))


def mutate(rng: random.Random, text: str, edits: int) -> str:
    s = list(text)
    for _ in range(edits):
        i = rng.randint(0, len(s))
        op = rng.randrange(7)
        if op == 0:
            s.insert(i, rng.choice(ALPHABET))
        elif op == 1:
            s[i:i] = rng.choice(TOKENS)
        elif op == 2 and s:
            del s[min(i, len(s) - 1)]
        elif op == 3 and s:
            s[min(i, len(s) - 1)] = rng.choice(FORMULA_CHARS + ODD)
        elif op == 4:
            j = rng.randint(i, len(s))
            s[i:i] = s[i:j]  # duplicate a slice
        elif op == 5 and len(s) > 1:
            j = rng.randrange(len(s))
            k = min(i, len(s) - 1)
            s[j], s[k] = s[k], s[j]
        elif op == 6:
            s = s[: rng.randint(0, len(s))]
    return "".join(s)


def valid_text(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return rng.choice(SEEDS)
    return to_text(random_tree(rng))


def check(text: str, build: bool) -> tuple[str, bool]:
    """("ok", built) when accepted, (code, False) when refused; anything else propagates and fails the run."""
    try:
        tree = parse(text)
    except FormulaError as exc:
        assert exc.code in MESSAGES, exc.code
        msg = str(exc)
        assert msg and len(msg.splitlines()) == 1, repr(msg)
        col = exc.params.get("col")
        assert col is None or 1 <= col <= len(text) + 1, (text, exc.params)
        return exc.code, False
    assert len(text) <= MAX_LENGTH
    canonical = to_text(tree)
    assert parse(canonical) == tree, (text, canonical)
    assert to_text(parse(canonical)) == canonical
    if build:
        try:
            custom_surface(text)
        except FormulaError as exc:
            assert exc.code == "undefined_everywhere", (text, exc.code)
        return "ok", True
    problem = FormulaProblem(None, {}, fm.formula(text))  # type: ignore[arg-type]
    with torch.no_grad():
        assert problem.loss(PROBE).shape == (4,)
    assert problem.grad(PROBE).shape == (4, 2)
    return "ok", False


def test_long_fuzz_only_formula_errors():
    rng = random.Random(SEED)
    makers = (random_chars, token_soup, lambda r: mutate(r, valid_text(r), 1), lambda r: mutate(r, valid_text(r), r.randint(2, 6)))
    outcomes: collections.Counter[str] = collections.Counter()
    built = accepted = 0
    t0 = time.perf_counter()
    for i in range(N):
        text = makers[i % 4](rng)
        code, did_build = check(text, build=accepted % BUILD_EVERY == 0)
        outcomes[code] += 1
        accepted += code == "ok"
        built += did_build
    # plus unedited random valid trees: these must all be accepted
    for _ in range(N // 20):
        tree = random_tree(rng)
        text = to_text(tree)
        if len(text) <= MAX_LENGTH and fm.count_nodes(tree) <= fm.MAX_NODES:
            assert parse(text) == tree
            outcomes["valid tree"] += 1
    elapsed = time.perf_counter() - t0
    total = N + N // 20
    print(f"\nfuzz: {total} inputs (seed {SEED}) in {elapsed:.1f} s: {accepted} accepted ({built} built into surfaces), "
          f"{N - accepted} refused with {len([c for c in outcomes if c in MESSAGES])} distinct codes; "
          f"{outcomes['valid tree']} random valid trees round-tripped")
    print("fuzz codes:", dict(outcomes.most_common()))
    assert N >= 100_000 or "FUZZ_N" in os.environ
    assert accepted > N // 20  # the generators do reach the accepting paths
    assert len([c for c in outcomes if c in MESSAGES]) >= 15  # ... and many refusal paths
