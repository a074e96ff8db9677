"""The race's short paths for one row of a direction rule (`optim_lab.update`): bit for bit the
torch ops they stand in for, over many random rows with zeros, subnormals and huge values, and
declining (None, state untouched) where their arithmetic would not be exact."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
import torch

from optim_lab.engine import Racer, _row_coeffs
from optim_lab.update import (
    State,
    Tables,
    _factored_row,
    _fma,
    _rprop_row,
    dir_factored,
    dir_rprop,
    newton_schulz,
    ns_rows,
    sam_point,
    sam_row_point,
)

T = 60


def _tables(racers) -> Tables:
    return Tables([_row_coeffs(r, T) for r in racers], rest=(1, 1), param_dims=1)


def _values(rng, shape, extreme: float = 0.1) -> np.ndarray:
    """Signed values over 16 decades, with a share `extreme` of zeros, subnormals and huge values."""
    kind = rng.choice(4, shape, p=[1 - extreme, extreme / 3, extreme / 3, extreme / 3])
    mag = np.select([kind == 0, kind == 1, kind == 2], [10.0 ** rng.uniform(-8, 8, shape), 0.0,
                                                        10.0 ** rng.uniform(-323, -308, shape)], 10.0 ** rng.uniform(150, 300, shape))
    return mag * rng.choice([-1.0, 1.0], shape)


def _bits(a) -> np.ndarray:
    return np.asarray(a, dtype=np.float64).view(np.int64)


def test_fma_rounds_once_or_declines():
    rng = np.random.default_rng(0)
    a, b, c = (_values(rng, 20_000, extreme=0.2) for _ in range(3))
    exact = declined = 0
    for x, y, z in zip(a.tolist(), b.tolist(), c.tolist(), strict=True):
        got = _fma(x, y, z)
        if got is None:
            declined += 1
            continue
        want = Fraction(x) * Fraction(y) + Fraction(z)
        assert got == float(want), (x, y, z)  # int / int rounds correctly: the exact result, rounded once
        exact += 1
    assert exact > 15_000 and declined > 100
    assert _fma(3.0, math.inf, 1.0) is None and _fma(1.0, 2.0, math.nan) is None


@pytest.mark.parametrize("hp", [{}, {"beta2_decay": -0.5, "eps1": 1e-10, "eps2": 1e-2, "d": 3.0},
                                {"beta2_decay": -9.0, "eps2": 0.0}])
@pytest.mark.parametrize("lr", [1e-3, 5.0])
def test_adafactor_row_equals_the_torch_ops(hp, lr):
    # torch's ops on a race of three rows (two Adafactors: no short path) against the short path
    # on the one Adafactor row of a race of two: the same u and the same state, to the bit
    rng = np.random.default_rng(len(hp) + int(lr))
    ref = _tables([Racer("adafactor", lr=lr, hparams=hp), Racer("adam"), Racer("adafactor", lr=lr, hparams=hp)])
    one = _tables([Racer("adam"), Racer("adafactor", lr=lr, hparams=hp)])
    taken = declined = 0
    for _ in range(1500):
        t = int(rng.integers(0, T))
        d, theta = torch.tensor(_values(rng, (3, 1, 2))), torch.tensor(_values(rng, (3, 1, 2)))
        var = torch.tensor(np.abs(_values(rng, (3, 1, 2))))
        st = State.zeros_like(d)
        st.buf("variance").copy_(var)
        u = dir_factored(theta, d, st, ref.at(t), ref).numpy()[0, 0]
        mine = var[[1, 0]].clone()  # row 0's numbers as row 1 of the race of two
        got = _factored_row(theta[[1, 0]], d[[1, 0]], mine.numpy(), 1, one.own_values("factored", one.at(t)))
        if got is None:
            declined += 1
            np.testing.assert_array_equal(_bits(mine), _bits(var[[1, 0]]))  # state untouched
            moderate = np.abs(np.concatenate([d[0].numpy(), theta[0].numpy(), var[0].numpy()]).ravel())
            assert not (((moderate == 0) | ((moderate > 1e-60) & (moderate < 1e60))).all() and hp.get("eps2") != 0.0)
            continue
        taken += 1
        assert got.idx == 1
        np.testing.assert_array_equal(_bits(got.values[0]), _bits(u))
        np.testing.assert_array_equal(_bits(mine[1, 0]), _bits(st.buf("variance")[0, 0]))
    assert taken > 1000 and declined > 50


@pytest.mark.parametrize("rho", [0.05, 3.0])
def test_sam_row_point_equals_the_torch_ops(rho):
    # SAM's ascent point on a race of two SAMs (no short path: torch's ops on both rows) against
    # the short path on the one SAM row of a race of two, to the bit
    rng = np.random.default_rng(int(rho * 100))
    ref = _tables([Racer("sam", lr=1e-3, hparams={"rho": rho}), Racer("sam", lr=1e-3, hparams={"rho": 2 * rho})])
    one = _tables([Racer("adam"), Racer("sam", lr=1e-3, hparams={"rho": rho})])
    assert ref.sam_row is None and one.sam_row == 1
    taken = declined = 0
    for _ in range(3000):
        t = int(rng.integers(0, T))
        g, theta = torch.tensor(_values(rng, (2, 1, 2))), torch.tensor(_values(rng, (2, 1, 2)))
        want = sam_point(theta, g, ref.at(t), ref).numpy()[0, 0]
        got = sam_row_point(theta[[1, 0]], g[[1, 0]], one.at(t), one)
        if got is None:
            declined += 1
            moderate = np.abs(np.concatenate([g[0].numpy(), theta[0].numpy()]).ravel())
            assert not ((moderate == 0) | ((moderate > 1e-60) & (moderate < 1e60))).all()
            continue
        taken += 1
        np.testing.assert_array_equal(_bits(got), _bits(want))
    assert taken > 2000 and declined > 50


@pytest.mark.parametrize("hp", [{}, {"eta_minus": 0.3, "eta_plus": 1.5, "step_size_min": 1e-3, "step_size_max": 5e-3}])
def test_rprop_row_equals_the_torch_ops(hp):
    # signs that agree, flip and vanish, both clamps, NaN: the short path's state and u are torch's
    rng = np.random.default_rng(7 + len(hp))
    ref = _tables([Racer("rprop", lr=0.05, hparams=hp), Racer("rprop", lr=0.05, hparams=hp)])
    one = _tables([Racer("adam"), Racer("rprop", lr=0.05, hparams=hp)])
    for _ in range(2000):
        t = int(rng.integers(0, 3)) if rng.random() < 0.3 else int(rng.integers(0, T))
        d, prev = torch.tensor(_values(rng, (2, 1, 2))), torch.tensor(_values(rng, (2, 1, 2)))
        d[rng.random((2, 1, 2)) < 0.02] = math.nan
        size = torch.tensor(np.abs(_values(rng, (2, 1, 2))))
        st = State.zeros_like(d)
        st.buf("step_size").copy_(size)
        st.buf("prev").copy_(prev)
        u = dir_rprop(d, d, st, ref.at(t), ref).numpy()[0, 0]
        S, P = size[[1, 0]].numpy().copy(), prev[[1, 0]].numpy().copy()
        got = _rprop_row(d[[1, 0]], S, P, 1, one.own_values("rprop", one.at(t)))
        assert got.idx == 1
        np.testing.assert_array_equal(_bits(got.values[0]), _bits(u))
        np.testing.assert_array_equal(_bits(S[1, 0]), _bits(st.buf("step_size")[0, 0]))
        np.testing.assert_array_equal(_bits(P[1, 0]), _bits(st.buf("prev")[0, 0]))


@pytest.mark.parametrize("coeffs", [(3.4445, -4.775, 2.0315, 5.0, 1e-7), (2.0, -1.5, 0.5, 3.0, 1e-3)])
def test_newton_schulz_of_rows_equals_torch_s_bfloat16_matmuls(coeffs):
    # one 1×2 row (numpy float32 scalars) and a stack of eight (numpy arrays) against torch's
    # bfloat16 addmm on each row as a matrix, as torch.optim.Muon runs it
    rng = np.random.default_rng(int(coeffs[3]))
    a, b, c, steps, eps = coeffs
    G = _values(rng, (2400, 1, 2))
    want = np.concatenate([newton_schulz(torch.tensor(row), a, b, c, steps, eps).float().numpy() for row in G])
    with np.errstate(over="ignore", invalid="ignore"):  # the huge rows overflow float32, as in torch
        one = np.concatenate([ns_rows(row[None], a, b, c, steps, eps)[0] for row in G])
        stack = np.concatenate([ns_rows(G[i:i + 8], a, b, c, steps, eps) for i in range(0, len(G), 8)]).reshape(-1, 2)
    for got in (one, stack):  # every value's bits (a NaN's sign aside: the rows that overflow float32)
        nan = np.isnan(want)
        np.testing.assert_array_equal(np.isnan(got), nan)
        np.testing.assert_array_equal(got[~nan].view(np.int32), want[~nan].view(np.int32))


def test_this_machine_s_torch_fuses_and_without_it_the_rows_take_torch_s_ops(monkeypatch):
    """The short paths round as torch's fused kernels do (checked once per process): on a
    machine whose torch does not fuse, `_fma` declines everywhere and the race takes torch's
    own ops — the same race, to the bit, on this machine where both are possible."""
    from optim_lab import update
    from optim_lab.engine import race
    from surfaces import get_surface

    # where this machine's torch fuses (this one does: AVX2 with FMA), the first race takes the short paths
    problem = get_surface("rosenbrock").build()
    racers = [Racer("adafactor", lr=0.05), Racer("sam", lr=1e-3), Racer("adam", lr=0.01)]
    fused = race(problem, racers, [(-1.5, 2.0)], 200)
    monkeypatch.setattr(update, "torch_fuses", lambda: False)
    assert _fma(1.0, 2.0, 3.0) is None
    plain = race(problem, racers, [(-1.5, 2.0)], 200)
    for name in ("theta", "loss"):
        assert np.array_equal(_bits(getattr(fused, name)), _bits(getattr(plain, name))), name
