"""§3.1 on the analysis module: the Hessian test, the minimum ratio, the Taylor model,
escaping a saddle, and the critical-point finder."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from optim_lab.analysis import KINDS, classify, critical_points, escape_step, inspect, minimum_ratio, taylor
from optim_lab.engine import eigvals2
from surfaces import get_surface

SADDLE = get_surface("textbook-saddle").build()
R2 = 1 / math.sqrt(2)


def loss_at(problem, x: float, y: float) -> float:
    with torch.no_grad():
        return float(problem.loss(torch.tensor([[x, y]], dtype=torch.float64))[0])


def parallel(u, v, tol=1e-12) -> bool:
    """u = ±v for unit vectors."""
    return abs(abs(float(np.dot(u, v))) - 1.0) < tol


# ---------------------------------------------------------------------------- classify, minimum ratio


@pytest.mark.parametrize(
    ("eigvals", "kind"),
    [
        ((1.0, 2.0), "minimum"),
        ((1e-3, 5.0), "minimum"),
        ((-2.0, -1.0), "maximum"),
        ((-2.0, 2.0), "saddle"),
        ((-1e-3, 1.0), "saddle"),
        ((0.0, 4.0), "degenerate"),
        ((-4.0, 0.0), "degenerate"),
        ((0.0, 0.0), "degenerate"),
        ((1e-12, 3.0), "degenerate"),  # numerically zero
        ((-4.4e-16, 6.7), "degenerate"),
        ((1e-9 * 1e6, 1e6), "degenerate"),  # zero relative to the largest eigenvalue
        ((float("nan"), 1.0), "degenerate"),  # overflowed Hessian: inconclusive
    ],
)
def test_classify(eigvals, kind):
    assert classify(eigvals) == kind
    assert kind in KINDS


@pytest.mark.parametrize(
    ("eigvals", "ratio"),
    [((1.0, 2.0), 1.0), ((-1.0, 2.0), 0.5), ((-1.0, -2.0), 0.0), ((0.0, 2.0), 0.5), ((0.0, 0.0), 0.0),
     ((2e-16, 4.0), 0.5), ((-2e-16, 4.0), 0.5)],  # a numerically-zero eigenvalue is not positive, whatever its sign
)
def test_minimum_ratio(eigvals, ratio):
    assert minimum_ratio(eigvals) == ratio


# ---------------------------------------------------------------------------- inspect


def test_inspect_book_saddle_at_origin():
    info = inspect(SADDLE, (0.0, 0.0))
    assert info.loss == 1.0
    assert info.grad == (0.0, 0.0)
    np.testing.assert_allclose(info.hessian, [[0.0, -2.0], [-2.0, 0.0]], atol=1e-15)
    np.testing.assert_allclose(info.eigvals, (-2.0, 2.0), atol=1e-14)
    assert info.kind == "saddle"
    assert info.minimum_ratio == 0.5
    assert info.critical is True
    u_neg, u_pos = np.asarray(info.eigvecs)
    assert parallel(u_neg, [R2, R2])  # the escape direction of the book
    assert parallel(u_pos, [R2, -R2])
    for u in (u_neg, u_pos):
        assert np.linalg.norm(u) == pytest.approx(1.0, abs=1e-15)


def test_inspect_book_check_case():
    info = inspect(SADDLE, (0.5, 0.5))
    assert info.loss == pytest.approx(0.5625, abs=1e-15)
    np.testing.assert_allclose(info.grad, (-0.75, -0.75), atol=1e-15)
    np.testing.assert_allclose(info.hessian, [[0.5, -1.0], [-1.0, 0.5]], atol=1e-14)
    np.testing.assert_allclose(info.eigvals, (-0.5, 1.5), atol=1e-14)
    assert info.critical is False
    d = info.as_dict()
    assert set(d) == {"at", "loss", "grad", "hessian", "eigvals", "eigvecs", "kind", "minimum_ratio", "critical"}


@pytest.mark.parametrize("at", [(2.0, 0.5), (-1.0, -1.0), (0.8, 1.25)])
def test_inspect_on_the_valley_w1w2_eq_1_is_degenerate(at):
    info = inspect(SADDLE, at)
    assert info.loss == pytest.approx(0.0, abs=1e-15)
    assert info.critical is True
    assert abs(info.eigvals[0]) < 1e-12
    # the other eigenvalue: trace of H = 2·w2² + 2·w1²
    assert info.eigvals[1] == pytest.approx(2 * at[0] ** 2 + 2 * at[1] ** 2, rel=1e-12)
    assert info.kind == "degenerate"  # a global minimum the eigenvalue test cannot confirm
    assert info.minimum_ratio == 0.5


def test_eigenvectors_are_orthonormal_and_diagonalise():
    info = inspect(get_surface("rosenbrock").build(), (-0.7, 1.3))
    v = np.asarray(info.eigvecs)
    h = np.asarray(info.hessian)
    np.testing.assert_allclose(v @ v.T, np.eye(2), atol=1e-12)
    for lam, u in zip(info.eigvals, v, strict=True):
        np.testing.assert_allclose(h @ u, lam * u, atol=1e-9 * max(1.0, abs(lam)))


# ---------------------------------------------------------------------------- escape


def test_escape_from_the_book_saddle():
    x, y = escape_step(SADDLE, (0.0, 0.0))
    assert parallel([x, y], [R2, R2])
    assert math.hypot(x, y) == pytest.approx(1.0, abs=1e-12)
    assert loss_at(SADDLE, x, y) < loss_at(SADDLE, 0.0, 0.0)


def test_escape_step_length():
    x, y = escape_step(SADDLE, (0.0, 0.0), length=0.25)
    assert math.hypot(x, y) == pytest.approx(0.25, abs=1e-12)
    assert parallel(np.array([x, y]) / 0.25, [R2, R2])


def test_escape_picks_the_lower_side():
    # off the symmetry line the two candidates differ; the chosen one is the better one
    at = (0.3, -0.1)
    info = inspect(SADDLE, at)
    assert info.eigvals[0] < 0
    u = np.asarray(info.eigvecs[0])
    cands = [np.add(at, u), np.subtract(at, u)]
    best = min(loss_at(SADDLE, *c) for c in cands)
    got = escape_step(SADDLE, at)
    assert loss_at(SADDLE, *got) == best


@pytest.mark.parametrize(("name", "at"), [("himmelblau", (3.0, 2.0)), ("quadratic", (0.0, 0.0)), ("textbook-saddle", (2.0, 0.5))])
def test_escape_where_nothing_is_negative_raises(name, at):
    with pytest.raises(ValueError):
        escape_step(get_surface(name).build(), at)


# ---------------------------------------------------------------------------- Taylor


def test_taylor_is_exact_on_a_quadratic():
    problem = get_surface("quadratic").build(cond=7, angle=20)
    xs = np.linspace(-3, 3, 31)
    ys = np.linspace(-3, 3, 23)
    gx, gy = np.meshgrid(xs, ys)
    with torch.no_grad():
        true = problem.loss(torch.tensor(np.stack([gx.ravel(), gy.ravel()], 1))).numpy().reshape(gx.shape)
    for at in [(1.3, -0.7), (0.0, 0.0), (-2.5, 2.9)]:
        model = taylor(problem, at, xs, ys)
        assert model.shape == (len(ys), len(xs))
        np.testing.assert_allclose(model, true, rtol=1e-10, atol=1e-10)


def test_taylor_first_order_is_a_plane():
    problem = get_surface("quadratic").build(cond=7, angle=20)
    xs = np.linspace(-1, 1, 5)
    ys = np.linspace(-1, 1, 5)
    model = taylor(problem, (0.4, 0.2), xs, ys, order=1)
    np.testing.assert_allclose(np.diff(model, 2, axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(np.diff(model, 2, axis=1), 0, atol=1e-12)


def test_taylor_matches_value_and_gradient_on_rosenbrock():
    problem = get_surface("rosenbrock").build()
    x0, y0 = -1.0, 1.5
    h = 1e-3
    xs = np.array([x0 - h, x0, x0 + h])
    ys = np.array([y0 - h, y0, y0 + h])
    model = taylor(problem, (x0, y0), xs, ys)
    assert model[1, 1] == pytest.approx(loss_at(problem, x0, y0), rel=1e-14)
    g = problem.grad(torch.tensor([[x0, y0]], dtype=torch.float64))[0].numpy()
    # the model is quadratic, so central differences give its slope exactly
    slope = np.array([(model[1, 2] - model[1, 0]) / (2 * h), (model[2, 1] - model[0, 1]) / (2 * h)])
    np.testing.assert_allclose(slope, g, rtol=1e-8)
    # and it is a second-order model: error O(h³) close to the expansion point
    true = loss_at(problem, x0 + h, y0 + h)
    assert abs(model[2, 2] - true) < 1e-6


# ---------------------------------------------------------------------------- critical points


def test_critical_points_on_the_book_surface():
    pts = critical_points(SADDLE)
    kinds = [p["kind"] for p in pts]
    assert "minimum" not in kinds  # w1·w2 = 1 is degenerate, never a confirmed minimum
    saddles = [p for p in pts if p["kind"] == "saddle"]
    assert len(saddles) == 1
    assert math.hypot(*saddles[0]["at"]) < 1e-9
    np.testing.assert_allclose(saddles[0]["eigvals"], [-2.0, 2.0], atol=1e-9)
    degenerate = [p for p in pts if p["kind"] == "degenerate"]
    assert len(degenerate) >= 4
    for p in degenerate:
        w1, w2 = p["at"]
        assert abs(w1 * w2 - 1) < 1e-6
        assert p["loss"] < 1e-12
    # both branches of the hyperbola are found
    assert any(p["at"][0] > 0 for p in degenerate) and any(p["at"][0] < 0 for p in degenerate)


def test_critical_points_six_hump_camel_global_minima():
    pts = critical_points(get_surface("six-hump-camel").build())
    refs = [(0.0898420131, -0.7126564030), (-0.0898420131, 0.7126564030)]
    for ref in refs:
        near = [p for p in pts if math.dist(p["at"], ref) < 1e-6]
        assert len(near) == 1, ref
        assert near[0]["kind"] == "minimum"
        assert near[0]["loss"] == pytest.approx(-1.0316284535, abs=1e-9)
    assert min(p["loss"] for p in pts) == pytest.approx(-1.0316284535, abs=1e-9)


def test_critical_points_monkey_saddle_origin_is_degenerate():
    pts = critical_points(get_surface("monkey-saddle").build())
    origin = [p for p in pts if math.hypot(*p["at"]) < 1e-6]
    assert len(origin) == 1
    assert origin[0]["kind"] == "degenerate"


def test_critical_points_rastrigin_origin_minimum():
    pts = critical_points(get_surface("rastrigin").build())
    origin = [p for p in pts if math.hypot(*p["at"]) < 1e-8]
    assert len(origin) == 1
    assert origin[0]["kind"] == "minimum"
    assert origin[0]["loss"] == pytest.approx(0.0, abs=1e-12)
    assert pts[0] is origin[0]  # sorted by loss: the global minimum first


def test_critical_points_sorted_and_deduplicated():
    pts = critical_points(get_surface("himmelblau").build())
    losses = [p["loss"] for p in pts]
    assert losses == sorted(losses)
    for i, p in enumerate(pts):
        for q in pts[i + 1 :]:
            assert math.dist(p["at"], q["at"]) > 1e-3


@pytest.mark.parametrize("name", ["textbook-saddle", "himmelblau", "six-hump-camel", "monkey-saddle", "rastrigin", "rosenbrock"])
def test_critical_points_inside_box_with_tiny_gradient(name):
    problem = get_surface(name).build()
    pts = critical_points(problem)
    assert pts
    x0, x1, y0, y1 = problem.box
    at = np.array([p["at"] for p in pts])
    assert ((at[:, 0] >= x0) & (at[:, 0] <= x1) & (at[:, 1] >= y0) & (at[:, 1] <= y1)).all()
    g = problem.grad(torch.tensor(at, dtype=torch.float64)).numpy()
    lam_max = np.abs(np.array([p["eigvals"] for p in pts])).max(axis=1)
    assert (np.linalg.norm(g, axis=1) <= 1e-7 * np.maximum(1.0, lam_max)).all()
    for p in pts:
        assert p["kind"] == classify(p["eigvals"])


def test_critical_points_custom_box():
    box = (2.0, 4.0, 1.0, 3.0)
    pts = critical_points(get_surface("himmelblau").build(), box=box)
    assert [p["kind"] for p in pts] == ["minimum"]
    np.testing.assert_allclose(pts[0]["at"], [3.0, 2.0], atol=1e-9)


# ---------------------------------------------------------------------------- eigvals2

_entry = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


@settings(deadline=None, max_examples=200)
@given(st.lists(st.tuples(_entry, _entry, _entry), min_size=1, max_size=8))
def test_eigvals2_matches_eigvalsh(entries):
    h = torch.tensor([[[a, b], [b, c]] for a, b, c in entries], dtype=torch.float64)
    got = eigvals2(h)
    want = torch.linalg.eigvalsh(h)
    scale = h.abs().amax(dim=(-2, -1), keepdim=False).clamp_min(1.0)
    assert got.shape == want.shape
    assert (got[:, 0] <= got[:, 1]).all()
    assert ((got - want).abs() <= 1e-12 * scale[:, None]).all()


def test_eigvals2_book_cases():
    h = torch.tensor([[[0.0, -2.0], [-2.0, 0.0]], [[0.5, -1.0], [-1.0, 0.5]]], dtype=torch.float64)
    np.testing.assert_allclose(eigvals2(h).numpy(), [[-2.0, 2.0], [-0.5, 1.5]], atol=1e-15)


# ---------------------------------------------------------------------------- the one Hessian test, any size


@settings(deadline=None, max_examples=200)
@given(st.lists(st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False), min_size=1, max_size=40))
def test_counts_kind_and_minimum_ratio_follow_one_tolerance_rule(lam):
    """The 2-D pages, the network-plane inspector and the minimum ratio share one rule:
    |λ| ≤ tol·max(1, max|λ|) is zero; the kind and the ratio follow from the counts."""
    from optim_lab.analysis import ZERO_TOL, eigen_counts

    a = np.asarray(lam)
    tau = ZERO_TOL * max(1.0, float(np.abs(a).max()))
    pos, neg, zero = eigen_counts(a)
    assert (pos, neg, zero) == (int((a > tau).sum()), int((a < -tau).sum()), int((np.abs(a) <= tau).sum()))
    assert minimum_ratio(a) == pos / a.size
    kind = classify(a)
    assert kind == ("degenerate" if zero else "minimum" if not neg else "maximum" if not pos else "saddle")


def test_a_non_finite_eigenvalue_is_counted_as_zero():
    from optim_lab.analysis import eigen_counts

    assert eigen_counts([np.nan, 2.0, -1.0, np.inf]) == (1, 1, 2)
    assert classify([np.inf, 1.0]) == "degenerate"
