"""The one update every caller steps with:

    θ_k = θ_{k−1}·decay_k − (η_k/σ_k) ⊙ d_k            k = 1..T

The 2-D race (`engine`), the maps and the real networks (`torch_optim`) all call
`apply`; nothing else in the project writes an optimizer's update.  What makes a
row an Adam or a book AdaGrad is only its coefficients (see `rules`): `Tables`
holds them for R rows and T steps, built before the loop, and `Tables.at(t)`
hands step t's values to `apply` — a Python float where every row shares the
value (torch's fused `alpha=`/`value=` kernels then apply), else an (R, 1, …)
tensor that broadcasts over the rest of θ's shape.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from .rules import MomentumCoeffs, ScalingCoeffs

SIGMA_KINDS = ("rms", "max", "adadelta")


@dataclass
class RowCoeffs:
    """One row's coefficients for steps 1..T, straight from its rules."""

    momentum: MomentumCoeffs
    scaling: ScalingCoeffs
    eta: np.ndarray  # (T,) what multiplies d/σ: η_k·f_k, or f_k when η sits inside m (the book's momentum)
    lr: np.ndarray  # (T,) the scheduled η_k
    decay: np.ndarray  # (T,) decoupled weight decay 1 − η_k·wd (AdamW), else 1
    wd: float | np.ndarray  # coupled L2 coefficient, added to g as torch.optim does ((1, R) in a sweep)
    guard: bool  # σ may be exactly 0 (book rules have no ε)


class Column:
    """A coefficient as `apply` wants it at step t: `values[t]`, a float where every row
    shares the value at step t, else a tensor of shape (R, *rest).  `table` is (T, R), or
    (T, 1) / (1, R) / (1, 1) for one that does not depend on the row / the step."""

    def __init__(self, table: np.ndarray, shape: tuple[int, ...], T: int | None = None, dtype=torch.float64):
        table = np.asarray(table, dtype=np.float64)
        T = len(table) if T is None else T
        self.is_zero = bool((table == 0).all())
        self.is_one = bool((table == 1).all())
        if (table == table[:, :1]).all():  # every row has the same value at every step
            self.values = np.broadcast_to(table[:, 0], (T,)).tolist()
        elif (table == table[:1]).all():
            self.values = [torch.as_tensor(np.array(table[0]), dtype=dtype).reshape(shape)] * T
        else:  # pre-split: indexing a tensor per step costs more than the step's arithmetic on 8 rows
            full = np.array(np.broadcast_to(table, (T, table.shape[1])))
            self.values = list(torch.as_tensor(full, dtype=dtype).reshape(T, *shape).unbind(0))


@dataclass
class Step:
    """The coefficients of one step; fields named as in the update."""

    a_m: float | torch.Tensor
    b_m: float | torch.Tensor
    c_g: float | torch.Tensor
    c_m: float | torch.Tensor
    a_v: float | torch.Tensor
    b_v: float | torch.Tensor
    q: float | torch.Tensor
    e_out: float | torch.Tensor
    eta: float | torch.Tensor
    decay: float | torch.Tensor


STEP_FIELDS = tuple(f.name for f in dataclasses.fields(Step))
MOMENTUM_FIELDS = tuple(f.name for f in dataclasses.fields(MomentumCoeffs))
SCALING_FIELDS = tuple(f.name for f in dataclasses.fields(ScalingCoeffs) if f.name not in ("kind", "f"))


class Tables:
    """Coefficients of R rows for T steps, shaped to broadcast against state of shape (R, *rest).

    `rest` is the trailing shape the coefficients broadcast over: (1, 1) for the race's
    (R, S, 2) state; () with R = 1 for a network's parameters (every value a float)."""

    def __init__(self, rows: Sequence[RowCoeffs], rest: tuple[int, ...] = ()):
        self.rows = list(rows)

        def table(get) -> np.ndarray:
            return np.stack([np.asarray(get(r), dtype=np.float64) for r in self.rows], axis=1)  # (T, R)

        tables = {name: table(lambda r, n=name: getattr(r.momentum, n)) for name in MOMENTUM_FIELDS}
        tables |= {name: table(lambda r, n=name: getattr(r.scaling, n)) for name in SCALING_FIELDS}
        tables |= {name: table(lambda r, n=name: getattr(r, n)) for name in ("eta", "decay", "lr")}
        tables["f"] = table(lambda r: r.scaling.f)
        self._build(tables, len(self.rows), rest, np.array([r.wd for r in self.rows]),
                    any(r.guard for r in self.rows), [r.scaling.kind for r in self.rows])

    @classmethod
    def batched(cls, coeffs: RowCoeffs, R: int, rest: tuple[int, ...] = (), dtype=torch.float64) -> Tables:
        """R rows of ONE optimizer whose hyper-parameters differ per row (a sweep): `coeffs`
        holds arrays that broadcast to (T, R) — (T, R), (T, 1) or (1, R) — straight from the
        rules called with k of shape (T, 1) and hyper-parameters of shape (1, R).  `dtype`:
        that of the per-row tensors (float32 state stays float32)."""
        self = cls.__new__(cls)
        self.rows = []
        T = np.shape(coeffs.lr)[0]

        def two_d(a) -> np.ndarray:
            a = np.asarray(a, dtype=np.float64)
            a = a.reshape(1, 1) if a.ndim == 0 else (a[:, None] if a.ndim == 1 else a)
            if a.shape[0] not in (1, T) or a.shape[1] not in (1, R):
                raise ValueError(f"coefficients: shape {a.shape} does not broadcast to ({T}, {R})")
            return a

        tables = {name: two_d(getattr(coeffs.momentum, name)) for name in MOMENTUM_FIELDS}
        tables |= {name: two_d(getattr(coeffs.scaling, name)) for name in SCALING_FIELDS}
        tables |= {name: two_d(getattr(coeffs, name)) for name in ("eta", "decay", "lr")}
        tables["f"] = two_d(coeffs.scaling.f)
        wd = np.broadcast_to(np.asarray(coeffs.wd, dtype=np.float64).reshape(-1), (R,))
        self._build(tables, R, rest, wd, bool(coeffs.guard), [coeffs.scaling.kind] * R, T, dtype)
        return self

    def _build(self, tables: dict, R: int, rest: tuple[int, ...], wd: np.ndarray, guard: bool, kinds: list[str],
               T: int | None = None, dtype=torch.float64) -> None:
        self.R = R
        self.T = len(tables["lr"]) if T is None else T
        shape = (self.R, *rest) if self.R > 1 else rest
        self.columns = {name: Column(tables[name], shape, self.T, dtype) for name in STEP_FIELDS}
        self._ordered = [self.columns[name] for name in STEP_FIELDS]
        full = (self.T, self.R)  # the records: (T, R) views, nothing copied
        self.lr, self.eta, self.decay, self.f = (tables[n] if tables[n].shape == full else np.broadcast_to(tables[n], full)
                                                 for n in ("lr", "eta", "decay", "f"))
        self.wd = None if not wd.any() else (float(wd[0]) if (wd == wd[0]).all() else
                                             torch.as_tensor(np.array(wd), dtype=dtype).reshape(shape))
        self.guard = guard
        self.kinds = {k: _mask(kinds, k, shape) for k in SIGMA_KINDS if k in kinds}
        self.uses_sigma = not self.columns["q"].is_zero or set(self.kinds) != {"rms"}
        m = self.columns
        self.uses_m = not (m["a_m"].is_zero and m["b_m"].is_one and m["c_g"].is_zero and m["c_m"].is_one)

    def at(self, t: int) -> Step:
        return Step(*(col.values[t] for col in self._ordered))


def _mask(kinds: list[str], kind: str, shape: tuple[int, ...]):
    """True (every row has this σ rule) or a boolean tensor that selects its rows."""
    sel = np.array([k == kind for k in kinds])
    if sel.all():
        return True
    return torch.as_tensor(sel).reshape(shape)


@dataclass
class State:
    """The running moments of one parameter tensor (or of all rows of a race)."""

    m: torch.Tensor  # first moment / velocity
    v: torch.Tensor  # second moment ("rms", "adadelta") or the running max ("max")
    delta: torch.Tensor  # Adadelta's running mean of squared updates

    @classmethod
    def zeros_like(cls, theta: torch.Tensor) -> State:
        return cls(*(torch.zeros_like(theta) for _ in range(3)))


def _mul(x: torch.Tensor, a) -> torch.Tensor:
    return x.mul_(a)


def _axpy(y: torch.Tensor, a, x: torch.Tensor) -> torch.Tensor:
    """y + a·x in place, for a float or a broadcasting tensor a."""
    return y.add_(x, alpha=a) if isinstance(a, float) else y.addcmul_(a, x)


# -- the three σ rules ------------------------------------------------------------
def sigma_rms(st: State, g: torch.Tensor, c: Step) -> torch.Tensor:
    """v ← a_v·v + b_v·g²;  σ = sqrt(q·v) + ε."""
    v = _mul(st.v, c.a_v)
    v.addcmul_(g, g, value=c.b_v) if isinstance(c.b_v, float) else v.addcmul_(c.b_v, g * g)
    root = v.sqrt() if isinstance(c.q, float) and c.q == 1.0 else torch.mul(v, c.q).sqrt_()
    return root.add_(c.e_out)


def sigma_max(st: State, g: torch.Tensor, c: Step) -> torch.Tensor:
    """v ← max(a_v·v, |g| + ε);  σ = v  (Adamax: ε inside the max, as torch puts it)."""
    torch.maximum(st.v * c.a_v, g.abs().add_(c.e_out), out=st.v)
    return st.v


def sigma_adadelta(st: State, g: torch.Tensor, c: Step) -> torch.Tensor:
    """v ← ρ·v + (1−ρ)·g²;  σ = sqrt(v + ε)/sqrt(Δ + ε)  (Δ follows in `after_adadelta`)."""
    v = _mul(st.v, c.a_v)
    v.addcmul_(g, g, value=c.b_v) if isinstance(c.b_v, float) else v.addcmul_(c.b_v, g * g)
    return (v + c.e_out).sqrt_().div_((st.delta + c.e_out).sqrt_())


def after_adadelta(st: State, ratio: torch.Tensor, c: Step, rows) -> None:
    """Δ ← ρ·Δ + (1−ρ)·(d/σ)², on Adadelta's rows."""
    new = _mul(st.delta * 1.0, c.a_v)
    new.addcmul_(ratio, ratio, value=c.b_v) if isinstance(c.b_v, float) else new.addcmul_(c.b_v, ratio * ratio)
    st.delta = new if rows is True else torch.where(rows, new, st.delta)


SIGMA = {"rms": sigma_rms, "max": sigma_max, "adadelta": sigma_adadelta}


def sigma_of(tables: Tables, st: State, g: torch.Tensor, c: Step) -> torch.Tensor:
    """σ_k by each row's own σ rule (rows of other rules keep their state)."""
    if len(tables.kinds) == 1:
        return SIGMA[next(iter(tables.kinds))](st, g, c)
    sigma, v_new = None, None
    v_old = st.v
    for kind, rows in tables.kinds.items():
        st.v = v_old.clone()
        s = SIGMA[kind](st, g, c)
        sigma = s if sigma is None else torch.where(rows, s, sigma)
        v_new = st.v if v_new is None else torch.where(rows, st.v, v_new)
    st.v = v_new
    return sigma


@dataclass
class Applied:
    """What one step did: θ_k, the gradient it used (with the L2 term), d_k = scale·raw, and
    the σ its σ rule gave (None where σ ≡ 1; η's own factors f_k are in `Step.eta`)."""

    theta: torch.Tensor
    g: torch.Tensor
    raw: torch.Tensor
    scale: float | torch.Tensor
    sigma: torch.Tensor | None

    @property
    def d(self) -> torch.Tensor:
        """The direction d_k (read it before the next step: `raw` may be the live moment)."""
        return self.raw if isinstance(self.scale, float) and self.scale == 1.0 else self.raw * self.scale


def apply(theta: torch.Tensor, g: torch.Tensor, st: State, c: Step, tables: Tables,
          out: torch.Tensor | None = None) -> Applied:
    """One step: θ_k = θ_{k−1}·decay − η·d/σ.

    `theta` is read, never written; the new θ goes to `out` (a fresh tensor if None).
    `g` is the gradient of step k; `st` is updated in place."""
    if tables.wd is not None:  # coupled L2, added to the gradient as torch.optim does
        g = torch.add(g, theta, alpha=tables.wd) if isinstance(tables.wd, float) else torch.addcmul(g, tables.wd, theta)
    raw, scale = g, 1.0  # d = scale·raw
    if tables.uses_m:
        _axpy(_mul(st.m, c.a_m), c.b_m, g)  # m ← a_m·m + b_m·g
        if isinstance(c.c_g, float) and c.c_g == 0.0:
            raw, scale = st.m, c.c_m  # d = c_m·m: c_m joins η (Adam's bias correction costs no pass)
        else:
            raw = _axpy(g * c.c_g, c.c_m, st.m)  # d = c_g·g + c_m·m
    sigma = sigma_of(tables, st, g, c) if tables.uses_sigma else None
    base = theta if isinstance(c.decay, float) and c.decay == 1.0 else theta * c.decay
    eta = c.eta if isinstance(scale, float) and scale == 1.0 else c.eta * scale  # a float, or a tensor where rows differ
    if sigma is not None and isinstance(eta, float) and not tables.guard and "adadelta" not in tables.kinds:
        # θ − η·raw/σ in one fused op: without it `make bench`'s basin row (128² Adam starts) ran 212 → 257 ms
        return Applied(torch.addcdiv(base, raw, sigma, value=-eta, **_to(out)), g, raw, scale, sigma)
    ratio = raw if sigma is None else raw / sigma
    if sigma is not None and tables.guard:  # book rules have no ε: σ = 0 only where every gradient so far is 0
        ratio = torch.where(raw == 0, torch.zeros_like(ratio), ratio)
    if "adadelta" in tables.kinds:
        after_adadelta(st, ratio * scale, c, tables.kinds["adadelta"])
    if isinstance(eta, float):
        new = torch.add(base, ratio, alpha=-eta, **_to(out))
    else:
        new = torch.addcmul(base, eta, ratio, value=-1.0, **_to(out))
    return Applied(new, g, raw, scale, sigma)


def _to(out: torch.Tensor | None) -> dict:
    return {} if out is None else {"out": out}


def row_coeffs(spec, hp: dict, lr_t: np.ndarray) -> RowCoeffs:
    """A row's coefficients from its optimizer spec, resolved hyper-parameters and η_k (T,).

    For R rows at once (`Tables.batched`): η_k of shape (T, R) or (T, 1) and hyper-parameters
    of shape (1, R) (or floats); every coefficient then broadcasts to (T, R)."""
    lr_t = np.asarray(lr_t, dtype=np.float64)
    T = len(lr_t)
    k = np.arange(1, T + 1, dtype=np.float64)
    if lr_t.ndim == 2:
        k = k[:, None]
    mrule, srule = spec.momentum_rule, spec.scaling_rule
    mc = mrule.coeffs(k, lr_t, hp)
    sc = srule.coeffs(k, hp)
    wd = hp.get("weight_decay", 0.0)
    ones = np.ones(lr_t.shape if lr_t.ndim == 1 else (T, 1))
    return RowCoeffs(
        momentum=mc, scaling=sc, eta=(ones if mrule.eta_inside else lr_t) * sc.f, lr=lr_t,
        decay=(1.0 - lr_t * wd) if spec.decoupled else ones, wd=0.0 if spec.decoupled else wd,
        guard=srule.needs_eps_guard,
    )
