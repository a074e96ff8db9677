"""Tests of the surface registry: formulas against autograd, known minima, book check cases, data contract."""

from __future__ import annotations

import math
import re
import subprocess
import sys

import pytest
import torch

from surfaces import ALL_SURFACES, SURFACES, Problem, SurfaceSpec, get_surface

DTYPE = torch.float64
NAMES = list(SURFACES)

# Non-default parameter sets worth checking too (name, params).
VARIANTS = [(name, {}) for name in NAMES] + [
    ("quadratic", {"cond": 1e4, "angle": 30.0}),
    ("rosenbrock", {"a": -1.0, "b": 10.0}),
    ("rastrigin", {"A": 0.0}),
    ("long-valley", {"reduction": 1}),
    ("linreg", {"n": 2, "noise": 3.0, "seed": 7}),
    ("logreg", {"separation": 2.5}),
    ("logreg", {"separation": 0.0, "n": 200}),
    ("feature-scale", {"standardize": 1}),
    ("feature-scale", {"scale1": 0.01, "scale2": 1000.0}),
    ("river-valley", {"a": 0.1, "c": 3.0, "delta": 0.01}),
]
VARIANT_IDS = [f"{n}-{'-'.join(f'{k}={v}' for k, v in p.items()) or 'default'}" for n, p in VARIANTS]


def build(name: str, params: dict | None = None) -> Problem:
    return get_surface(name).build(**(params or {}))


def grid(problem: Problem, n: int) -> torch.Tensor:
    """(n*n, 2) points covering the problem's view box."""
    x0, x1, y0, y1 = problem.box
    xs = torch.linspace(x0, x1, n, dtype=DTYPE)
    ys = torch.linspace(y0, y1, n, dtype=DTYPE)
    return torch.cartesian_prod(xs, ys)


def random_points(problem: Problem, k: int, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    x0, x1, y0, y1 = problem.box
    u = torch.rand(k, 2, generator=g, dtype=DTYPE)
    return torch.stack((x0 + (x1 - x0) * u[:, 0], y0 + (y1 - y0) * u[:, 1]), dim=1)


def random_weights(problem: Problem, k: int, seed: int = 1) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.rand(k, problem.n_samples, generator=g, dtype=DTYPE) / problem.n_samples


# -- registry ----------------------------------------------------------------
def test_names_are_kebab_case_and_unique():
    names = [s.name for s in ALL_SURFACES]
    assert len(names) == len(set(names)) == len(SURFACES)
    for name in names:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name), name


def test_registry_order_textbook_first_and_required_entries():
    tags = [("textbook" in s.tags) for s in ALL_SURFACES]
    assert tags == sorted(tags, reverse=True)
    required = {
        "textbook-saddle", "quadratic", "long-valley", "softmax-ce", "softmax-mse", "rosenbrock", "beale",
        "himmelblau", "booth", "rastrigin", "ackley", "six-hump-camel", "monkey-saddle", "linreg", "logreg",
        "feature-scale",
    }
    assert required <= set(SURFACES)


@pytest.mark.parametrize("name", NAMES)
def test_spec_metadata(name):
    spec = SURFACES[name]
    assert isinstance(spec, SurfaceSpec)
    assert spec.label_en and spec.label_zh and spec.latex and spec.blurb_en and spec.blurb_zh
    assert spec.tags and set(spec.tags) <= {"textbook", "classic", "data"}
    x0, x1, y0, y1 = spec.box
    assert x0 < x1 and y0 < y1
    assert x0 <= spec.start[0] <= x1 and y0 <= spec.start[1] <= y1
    for p in spec.params:
        assert p.lo <= p.default <= p.hi and p.label_en and p.label_zh


def test_get_surface_unknown_name_lists_choices():
    with pytest.raises(ValueError, match="rosenbrock"):
        get_surface("no-such-surface")
    assert get_surface("beale") is SURFACES["beale"]


@pytest.mark.parametrize("name", NAMES)
def test_build_with_defaults(name):
    spec = SURFACES[name]
    problem = spec.build()
    assert isinstance(problem, Problem) and problem.spec is spec
    assert set(problem.params) == {p.name for p in spec.params}
    assert (problem.n_samples is not None) == spec.data_backed
    x0, x1, y0, y1 = problem.box
    assert x0 <= problem.start[0] <= x1 and y0 <= problem.start[1] <= y1


@pytest.mark.parametrize("name", [n for n in NAMES if SURFACES[n].params])
def test_out_of_range_param_raises_naming_the_field(name):
    spec = SURFACES[name]
    for p in spec.params:
        with pytest.raises(ValueError, match=re.escape(f"{name}.{p.name}")):
            spec.build(**{p.name: p.hi + (p.hi - p.lo) + 1})
    with pytest.raises(ValueError, match="unknown parameter"):
        spec.build(nonsense=1)


def test_import_is_pure():
    code = "import sys, surfaces; bad = {'streamlit', 'plotly'} & {m.split('.')[0] for m in sys.modules}; print(sorted(bad))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- closed forms against autograd ----------------------------------------------
@pytest.mark.parametrize(("name", "params"), VARIANTS, ids=VARIANT_IDS)
def test_closed_form_grad_and_hessian_match_autograd(name, params):
    problem = build(name, params)
    theta = random_points(problem, 64)
    g, g_ref = problem.grad(theta), Problem.grad(problem, theta)
    assert g.shape == (64, 2)
    torch.testing.assert_close(g, g_ref, rtol=1e-9, atol=1e-12 * (1 + g_ref.abs().max().item()))
    h, h_ref = problem.hessian(theta), Problem.hessian(problem, theta)
    assert h.shape == (64, 2, 2)
    torch.testing.assert_close(h, h_ref, rtol=1e-9, atol=1e-11 * (1 + h_ref.abs().max().item()))
    torch.testing.assert_close(h, h.transpose(1, 2), rtol=0, atol=0)
    if problem.n_samples is not None:
        w = random_weights(problem, 64)
        torch.testing.assert_close(problem.grad(theta, w), Problem.grad(problem, theta, w), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(("name", "params"), VARIANTS, ids=VARIANT_IDS)
def test_a_rows_numbers_do_not_depend_on_the_rows_beside_it(name, params):
    """A race steps its racers (and a family its positions) as one batch; the command line runs
    one.  Loss, gradient and Hessian of a row are the same bits in a batch of any size as alone
    (a matrix product is not: on an AVX-512 machine torch's (K, 2) @ (2, N) adds in another
    order for K = 1 than for K = 4)."""
    problem = build(name, params)
    theta = random_points(problem, 37, seed=5)
    weights = random_weights(problem, 37) if problem.n_samples is not None else None
    for k in (4, 37):
        rows = theta[:k]
        w = None if weights is None else weights[:k]
        together = [problem.loss(rows, w), problem.grad(rows, w), problem.hessian(rows, w)]
        for i in range(k):
            alone = [f(rows[i:i + 1], None if w is None else w[i:i + 1]) for f in (problem.loss, problem.grad, problem.hessian)]
            for a, b in zip(together, alone, strict=True):
                assert torch.equal(a[i:i + 1], b), (name, k, i)


@pytest.mark.parametrize(("name", "params"), VARIANTS, ids=VARIANT_IDS)
def test_finite_on_grid(name, params):
    problem = build(name, params)
    theta = grid(problem, 60)
    for value in (problem.loss(theta), problem.grad(theta), problem.hessian(theta)):
        assert torch.isfinite(value).all(), name
    assert problem.loss(theta).shape == (3600,)


def test_ackley_is_finite_at_the_exact_origin():
    problem = build("ackley")
    origin = torch.zeros(1, 2, dtype=DTYPE)
    assert float(problem.loss(origin)[0]) == pytest.approx(0.0, abs=1e-12)
    assert torch.equal(problem.grad(origin), torch.zeros(1, 2, dtype=DTYPE))
    h = problem.hessian(origin)
    assert torch.isfinite(h).all() and (torch.linalg.eigvalsh(h) > 0).all()


# -- known minima --------------------------------------------------------------
@pytest.mark.parametrize(("name", "params"), VARIANTS, ids=VARIANT_IDS)
def test_known_minima(name, params):
    problem = build(name, params)
    minima = problem.minima()
    if not minima:
        return
    sample = grid(problem, 25)
    g_scale = problem.grad(sample).norm(dim=1).median().item()
    values = problem.loss(sample)
    l_scale = (values.max() - values.min()).item()
    x0, x1, y0, y1 = problem.box
    for x, y, value in minima:
        assert x0 <= x <= x1 and y0 <= y <= y1
        theta = torch.tensor([[x, y]], dtype=DTYPE)
        assert problem.grad(theta).norm().item() <= 1e-8 * g_scale, (x, y)
        assert problem.loss(theta).item() == pytest.approx(value, abs=1e-10 * l_scale)
        eig = torch.linalg.eigvalsh(problem.hessian(theta)[0])
        assert eig.min().item() >= -1e-8 * eig.abs().max().item()


def test_named_minima():
    assert len(build("himmelblau").minima()) == 4
    six = build("six-hump-camel").minima()
    assert sorted((round(x, 4), round(y, 4), round(v, 4)) for x, y, v in six) == [
        (-0.0898, 0.7127, -1.0316), (0.0898, -0.7127, -1.0316)
    ]
    assert build("monkey-saddle").minima() == []
    h = build("monkey-saddle").hessian(torch.zeros(1, 2, dtype=DTYPE))
    assert torch.equal(h, torch.zeros(1, 2, 2, dtype=DTYPE))  # degenerate: the eigenvalue test is inconclusive
    assert build("rosenbrock", {"a": 0.5}).minima() == [(0.5, 0.25, 0.0)]


# -- book check cases ---------------------------------------------------------
def test_textbook_saddle_check_case():
    problem = build("textbook-saddle")
    theta = torch.tensor([[0.5, 0.5]], dtype=DTYPE)
    assert problem.loss(theta).item() == pytest.approx(0.5625)
    torch.testing.assert_close(problem.grad(theta), torch.tensor([[-0.75, -0.75]], dtype=DTYPE))
    h = problem.hessian(theta)
    torch.testing.assert_close(h, torch.tensor([[[0.5, -1.0], [-1.0, 0.5]]], dtype=DTYPE))
    torch.testing.assert_close(torch.linalg.eigvalsh(h[0]), torch.tensor([-0.5, 1.5], dtype=DTYPE))
    h0 = problem.hessian(torch.zeros(1, 2, dtype=DTYPE))[0]
    torch.testing.assert_close(torch.linalg.eigvalsh(h0), torch.tensor([-2.0, 2.0], dtype=DTYPE))


def test_long_valley_matches_the_book():
    problem = build("long-valley")
    assert problem.n_samples == 10 and problem.reduction == "sum"
    assert problem.spec.axes == ("b", "w") and "textbook" in problem.spec.tags and "data" in problem.spec.tags
    (b, w, _), = problem.minima()
    assert b == pytest.approx(-188.4, abs=0.05) and w == pytest.approx(2.67, abs=0.005)
    assert 1.5e5 <= problem.condition_number() <= 6e5
    lam_max = torch.linalg.eigvalsh(problem.hessian(torch.zeros(1, 2, dtype=DTYPE))[0])[-1].item()
    assert 1.0e-6 < 2 / lam_max < 1.2e-6  # the book's η = 1e-2 diverges; stable η is about 1.1e-6
    mean = build("long-valley", {"reduction": 1})
    assert mean.reduction == "mean" and mean.minima()[0][:2] == pytest.approx((b, w))
    theta = random_points(problem, 5)
    torch.testing.assert_close(mean.loss(theta) * 10, problem.loss(theta))


def test_softmax_mse_is_a_plateau_where_ce_has_a_slope():
    start = torch.tensor([[-6.5, 5.7]], dtype=DTYPE)
    ce, mse = build("softmax-ce"), build("softmax-mse")
    assert ce.spec.start == mse.spec.start == (-6.5, 5.7)
    assert ce.spec.axes == mse.spec.axes == ("y_1", "y_2")
    assert mse.grad(start).norm() < 0.01 * ce.grad(start).norm()


def test_softmax_losses_match_pytorch():
    theta = random_points(build("softmax-ce"), 32)
    logits = torch.cat((theta, torch.full((32, 1), -1000.0, dtype=DTYPE)), dim=1)
    target = torch.zeros(32, dtype=torch.long)
    ce = torch.nn.functional.cross_entropy(logits, target, reduction="none")
    torch.testing.assert_close(build("softmax-ce").loss(theta), ce)
    onehot = torch.nn.functional.one_hot(target, 3).to(DTYPE)
    mse = ((torch.softmax(logits, dim=1) - onehot) ** 2).sum(dim=1)  # the book sums over classes
    torch.testing.assert_close(build("softmax-mse").loss(theta), mse)


# -- data-backed contract -------------------------------------------------------
DATA_NAMES = [n for n in NAMES if SURFACES[n].data_backed]


@pytest.mark.parametrize("name", DATA_NAMES)
def test_full_weights_reproduce_the_full_loss(name):
    problem = build(name)
    theta = random_points(problem, 16)
    w = problem.full_weights()
    assert w.shape == (1, problem.n_samples)
    assert torch.equal(problem.loss(theta, w), problem.loss(theta))
    assert torch.equal(problem.loss(theta, w.expand(16, -1)), problem.loss(theta))
    assert torch.equal(problem.grad(theta, w), problem.grad(theta))


@pytest.mark.parametrize("name", DATA_NAMES)
def test_weights_select_samples(name):
    problem = build(name)
    n = problem.n_samples
    theta = random_points(problem, n)
    one_hot = torch.eye(n, dtype=DTYPE)  # row k uses sample k only
    per_sample = problem.loss(theta, one_hot)
    total = sum(problem.loss(theta, one_hot[[i]].expand(n, -1)) for i in range(n))
    full = problem.loss(theta) / problem.full_weights()[0, 0]
    torch.testing.assert_close(total, full)
    assert per_sample.shape == (n,)
    batch = torch.zeros(1, n, dtype=DTYPE)
    batch[0, :2] = 0.5
    torch.testing.assert_close(
        problem.grad(theta[:1], batch), 0.5 * (problem.grad(theta[:1], one_hot[[0]]) + problem.grad(theta[:1], one_hot[[1]]))
    )


@pytest.mark.parametrize("name", DATA_NAMES)
def test_same_params_same_data(name):
    a, b = build(name), build(name)
    assert a.data() == b.data() and a.data()
    assert all(len(v) == a.n_samples for v in a.data().values())
    theta = random_points(a, 8)
    assert torch.equal(a.loss(theta), b.loss(theta))
    if "seed" in a.params:
        assert build(name, {"seed": 1}).data() != a.data()


@pytest.mark.parametrize("name", ["linreg", "logreg"])
def test_growing_n_keeps_the_first_samples(name):
    small, large = build(name, {"n": 10}).data(), build(name, {"n": 20}).data()
    assert all(large[k][:10] == small[k] for k in small)


def test_data_keys():
    assert set(build("linreg").data()) == {"x", "y"}
    assert set(build("logreg").data()) == {"x1", "x2", "label"}
    assert set(build("feature-scale").data()) == {"x1", "x2", "y"}
    assert build("long-valley").data()["x"][:3] == [338, 333, 328]


def test_condition_numbers():
    assert build("quadratic", {"cond": 250.0}).condition_number() == 250.0
    raw, std = build("feature-scale"), build("feature-scale", {"standardize": 1})
    assert raw.condition_number() >= 1000
    assert std.condition_number() <= 1.5
    assert 1 < build("linreg").condition_number() < 100
    for problem in (raw, std, build("linreg"), build("long-valley"), build("quadratic", {"angle": 40.0})):
        eig = torch.linalg.eigvalsh(problem.hessian(torch.zeros(1, 2, dtype=DTYPE))[0])
        assert problem.condition_number() == pytest.approx((eig[1] / eig[0]).item(), rel=1e-9)


def test_quadratic_orientation():
    h = build("quadratic", {"cond": 100.0, "angle": 90.0}).hessian(torch.zeros(1, 2, dtype=DTYPE))[0]
    torch.testing.assert_close(h, torch.tensor([[100.0, 0.0], [0.0, 1.0]], dtype=DTYPE))


def test_feature_scale_standardization():
    std = build("feature-scale", {"standardize": 1, "scale1": 3.0, "scale2": 700.0})
    x = torch.tensor([std.data()["x1"], std.data()["x2"]], dtype=DTYPE)
    torch.testing.assert_close(x.mean(dim=1), torch.zeros(2, dtype=DTYPE), rtol=0, atol=1e-12)
    torch.testing.assert_close(x.std(dim=1, correction=0), torch.ones(2, dtype=DTYPE))  # population σ
    raw = build("feature-scale")
    x0, x1, y0, y1 = raw.spec.box
    for problem in (raw, build("feature-scale", {"standardize": 1})):
        (w1, w2, _), = problem.minima()
        assert problem.box == raw.spec.box and x0 < w1 < x1 and y0 < w2 < y1


def test_view_box_follows_a_far_minimum():
    far = build("feature-scale", {"scale1": 0.01})
    (w1, w2, _), = far.minima()
    x0, x1, y0, y1 = far.box
    assert abs(w1) > 100 and x0 < w1 < x1 and y0 < w2 < y1
    assert far.view_box() == far.box and x0 <= far.start[0] <= x1


def test_logreg_separable_data_have_no_minimum():
    problem = build("logreg", {"separation": 3.0, "noise": 0.2})
    assert problem.separable() and problem.minima() == []
    default = build("logreg")
    assert not default.separable() and len(default.minima()) == 1
    assert math.isclose(default.loss(torch.zeros(1, 2, dtype=DTYPE)).item(), math.log(2))
