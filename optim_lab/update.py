"""The one update every caller steps with:

    θ_k = θ_{k−1}·decay_k − (η_k/σ_k) ⊙ d_k            k = 1..T

(σ rules), or θ_k = θ_{k−1}·decay_k − η_k·u_k where a direction rule makes u_k from d_k
without a σ (sign steps, Rprop, Adafactor, Muon's orthogonalisation; see `rules`).

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
import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from .rules import MOMENTUM, MomentumCoeffs, ScalingCoeffs

SIGMA_KINDS = ("rms", "amsgrad", "centered", "max", "adadelta")
DIRECTION_KINDS = ("sign", "rprop", "factored", "orthogonal")


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
    sign: float | np.ndarray = 1.0  # −1: maximize (torch flips g before the L2 term)
    d_first: bool = False  # Lion: d from m before m moves


class Column:
    """A coefficient as `apply` wants it at step t: `values[t]`, a float where every row
    shares the value at step t, else a tensor of shape (R, *rest).  `table` is (T, R), or
    (T, 1) / (1, R) / (1, 1) for one that does not depend on the row / the step."""

    def __init__(self, table: np.ndarray, shape: tuple[int, ...], T: int | None = None, dtype=torch.float64):
        table = np.asarray(table, dtype=np.float64)
        self._made = (table, shape, len(table) if T is None else T, dtype)
        self._values = None
        self.constant = bool((table == table[:1]).all())  # the same value at every step (row by row)
        self.is_zero = bool((table == 0).all())
        self.is_one = bool((table == 1).all())

    @property
    def values(self) -> list:
        """Made on first use (a race's rule that reads its columns otherwise never splits them)."""
        if self._values is None:
            table, shape, T, dtype = self._made
            if (table == table[:, :1]).all():  # every row has the same value at every step
                self._values = np.broadcast_to(table[:, 0], (T,)).tolist()
            elif (table == table[:1]).all():
                self._values = [torch.as_tensor(np.array(table[0]), dtype=dtype).reshape(shape)] * T
            else:  # pre-split: indexing a tensor per step costs more than the step's arithmetic on 8 rows
                full = np.array(np.broadcast_to(table, (T, table.shape[1])))
                self._values = list(torch.as_tensor(full, dtype=dtype).reshape(T, *shape).unbind(0))
        return self._values


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
    a_p: float | torch.Tensor
    c_v: float | torch.Tensor
    sign: float | torch.Tensor
    x: dict = dataclasses.field(default_factory=dict)  # a direction rule's own columns (`ScalingCoeffs.extra`)
    t: int = -1  # the step's index in its `Tables` (−1: made by hand)


STEP_FIELDS = tuple(f.name for f in dataclasses.fields(Step) if f.name not in ("x", "t"))
MOMENTUM_FIELDS = tuple(f.name for f in dataclasses.fields(MomentumCoeffs) if f.name not in ("f", "extra"))
SCALING_FIELDS = tuple(f.name for f in dataclasses.fields(ScalingCoeffs) if f.name not in ("kind", "f", "decay", "extra"))


class Tables:
    """Coefficients of R rows for T steps, shaped to broadcast against state of shape (R, *rest).

    `rest` is the trailing shape the coefficients broadcast over: (1, 1) for the race's
    (R, S, 2) state; () with R = 1 for a network's parameters (every value a float)."""

    def __init__(self, rows: Sequence[RowCoeffs], rest: tuple[int, ...] = (), param_dims: int | None = None):
        self.rows = list(rows)
        T = len(self.rows[0].lr)

        def table(get) -> np.ndarray:  # (T, R)
            return np.stack([np.broadcast_to(np.asarray(get(r), dtype=np.float64), (T,)) for r in self.rows], axis=1)

        tables = {name: table(lambda r, n=name: getattr(r.momentum, n)) for name in MOMENTUM_FIELDS}
        tables |= {name: table(lambda r, n=name: getattr(r.scaling, n)) for name in SCALING_FIELDS}
        tables |= {name: table(lambda r, n=name: getattr(r, n)) for name in ("eta", "decay", "lr", "sign")}
        tables["f"] = table(lambda r: r.scaling.f)
        extra = sorted({n for r in self.rows for n in r.scaling.extra})
        extras = {n: table(lambda r, n=n: r.scaling.extra.get(n, 0.0)) for n in extra}
        self._build(tables, extras, len(self.rows), rest, param_dims, np.array([r.wd for r in self.rows]),
                    any(r.guard for r in self.rows), [r.scaling.kind for r in self.rows], [r.d_first for r in self.rows])

    @classmethod
    def batched(cls, coeffs: RowCoeffs, R: int, rest: tuple[int, ...] = (), dtype=torch.float64,
                param_dims: int | None = None) -> Tables:
        """R rows of ONE optimizer whose hyper-parameters differ per row (a sweep): `coeffs`
        holds arrays that broadcast to (T, R) — (T, R), (T, 1) or (1, R) — straight from the
        rules called with k of shape (T, 1) and hyper-parameters of shape (1, R).  `dtype`:
        that of the per-row tensors (float32 state stays float32)."""
        self = cls.__new__(cls)
        self.rows = []
        T = np.shape(coeffs.lr)[0]

        two = _two_d_of(coeffs, R, T)
        tables = {n: a for n, a in two.items() if not n.startswith("x:")}
        extras = {n[2:]: a for n, a in two.items() if n.startswith("x:")}
        wd = np.broadcast_to(np.asarray(coeffs.wd, dtype=np.float64).reshape(-1), (R,))
        self._build(tables, extras, R, rest, param_dims, wd, bool(coeffs.guard), [coeffs.scaling.kind] * R,
                    [coeffs.d_first] * R, T, dtype)
        return self

    @classmethod
    def stacked(cls, blocks: Sequence[tuple[RowCoeffs, int]], rest: tuple[int, ...] = (), dtype=torch.float64,
                param_dims: int | None = None) -> Tables:
        """The rows of several sweeps in one table, block after block: block b is (`coeffs`, n_b)
        as `batched` takes them (arrays broadcasting to (T, n_b)), of any optimizer — a family of
        a whole race (racers × positions) steps as ONE loop.  A coefficient stays (1, N) where
        no block varies it along the steps, so the tables hold what `batched`'s would."""
        self = cls.__new__(cls)
        self.rows = []
        T = np.shape(blocks[0][0].lr)[0]
        two = [(_two_d_of(c, n, T), n) for c, n in blocks]  # per block: name → (1|T, 1|n) arrays

        def joined(name: str) -> np.ndarray:
            parts = [(t.get(name, np.zeros((1, 1))), n) for t, n in two]
            rows = T if any(a.shape[0] != 1 for a, _ in parts) else 1
            return np.concatenate([np.broadcast_to(a, (rows, n)) for a, n in parts], axis=1)

        names = [*MOMENTUM_FIELDS, *SCALING_FIELDS, "eta", "decay", "lr", "sign", "f"]
        extra = sorted({n for c, _ in blocks for n in c.scaling.extra})
        N = sum(n for _, n in blocks)
        wd = np.concatenate([np.broadcast_to(np.asarray(c.wd, dtype=np.float64).reshape(-1), (n,)) for c, n in blocks])
        self._build({n: joined(n) for n in names}, {n: joined("x:" + n) for n in extra}, N, rest, param_dims, wd,
                    any(bool(c.guard) for c, _ in blocks), [k for c, n in blocks for k in [c.scaling.kind] * n],
                    [f for c, n in blocks for f in [c.d_first] * n], T, dtype)
        return self

    def _build(self, tables: dict, extras: dict, R: int, rest: tuple[int, ...], param_dims: int | None, wd: np.ndarray,
               guard: bool, kinds: list[str], d_first: list[bool], T: int | None = None, dtype=torch.float64) -> None:
        self.R = R
        self.T = len(tables["lr"]) if T is None else T
        # the trailing dims that make ONE parameter: None = the whole tensor (a network's weight);
        # 1 in the race, where each row's θ is a 2-vector (a 1×2 matrix to Muon)
        self.param_dims = param_dims
        shape = (self.R, *rest) if self.R > 1 else rest
        self.columns = {name: Column(tables[name], shape, self.T, dtype) for name in STEP_FIELDS}
        self._ordered = [self.columns[name] for name in STEP_FIELDS]
        self._steps, self._own_steps = None, {}  # made on first use (`at`, `own_values`)
        self.extras = {name: Column(t, shape, self.T, dtype) for name, t in extras.items()}
        full = (self.T, self.R)  # the records: (T, R) views, nothing copied
        self.lr, self.eta, self.decay, self.f = (tables[n] if tables[n].shape == full else np.broadcast_to(tables[n], full)
                                                 for n in ("lr", "eta", "decay", "f"))
        self.wd = None if not wd.any() else (float(wd[0]) if (wd == wd[0]).all() else
                                             torch.as_tensor(np.array(wd), dtype=dtype).reshape(shape))
        self.guard = guard
        self.kinds = {k: _mask(kinds, k, shape) for k in SIGMA_KINDS if k in kinds}
        self.directions = {k: _mask(kinds, k, shape) for k in DIRECTION_KINDS if k in kinds}
        # the rows of each direction rule (None: all), for rules that compute on their own rows only
        self.direction_index = {k: None if self.directions[k] is True else np.flatnonzero([kk == k for kk in kinds])
                                for k in self.directions}
        # a direction rule's columns on its own rows (where it computes on them alone): a float
        # where its rows agree, so numpy runs Muon's Newton–Schulz on scalars
        self.own = {}
        for k, names in (("orthogonal", NS_NAMES), ("rprop", RPROP_NAMES), ("factored", FACTORED_NAMES)):
            idx = self.direction_index.get(k)
            if idx is not None:
                sub = (len(idx), *rest) if len(idx) > 1 else rest
                self.own[k] = {n: Column(t[:, idx] if t.shape[1] > 1 else t, sub, self.T, dtype)
                               for n, t in extras.items() if n in names}
        # Muon's coefficients, where they are floats at every step and never change (the race's
        # usual case): read once, not per step
        ns = self.own.get("orthogonal")
        self.ns_const = None
        if ns is not None and len(ns) == len(NS_NAMES) and all(
                isinstance(col.values[0], float) and col.values.count(col.values[0]) == self.T for col in ns.values()):
            self.ns_const = [ns[n].values[0] for n in NS_NAMES]
        mu = extras.get("mu_avg")  # ASGD: at steps whose μ_k are all 0 or 1, θ̄ ← lerp(θ̄, θ, μ) is exact
        self.avg_lerp = None if mu is None else np.broadcast_to(((mu == 0) | (mu == 1)).all(axis=1), (self.T,)).tolist()
        self.direction_rows = _mask(["d" if k in DIRECTION_KINDS else "s" for k in kinds], "d", shape)
        self.uses_sigma = bool(self.kinds) and (not self.columns["q"].is_zero or set(self.kinds) != {"rms"})
        m = self.columns
        self.uses_m = not (m["a_m"].is_zero and m["b_m"].is_one and m["c_g"].is_zero and m["c_m"].is_one)
        self.d_first = _mask(["y" if d else "n" for d in d_first], "y", shape) if any(d_first) else None
        self.uses_p, self.uses_c_v = not m["a_p"].is_zero, not m["c_v"].is_zero
        self.flips = not m["sign"].is_one
        self.averages = "mu_avg" in self.extras and not self.extras["mu_avg"].is_zero
        self.anchored = "sf_c" in self.extras  # schedule-free: y pulled toward z, x reported
        self.wd_u = "wd_u" in self.extras and not self.extras["wd_u"].is_zero
        self.sam = "sam_rho" in self.extras and not self.extras["sam_rho"].is_zero
        # the one row with SAM's ρ > 0, where one row alone has it (`sam_row_point`), and its ρ_k
        rho = extras.get("sam_rho")
        on = [] if rho is None else np.flatnonzero(np.broadcast_to((rho != 0).any(axis=0), (self.R,)))
        self.sam_row = int(on[0]) if len(on) == 1 else None
        self.sam_rho = None if self.sam_row is None else \
            np.broadcast_to(rho[:, self.sam_row if rho.shape[1] > 1 else 0], (self.T,)).tolist()
        # θ − η·raw/σ can be one fused op only when nothing else acts on raw/σ
        self.fused = not (guard or "adadelta" in self.kinds or self.directions or self.uses_p or self.anchored or self.wd_u)

    def at(self, t: int) -> Step:
        if self._steps is None:  # every step's values, made once: ~1 µs a step less than 13 look-ups
            self._steps = list(zip(*(col.values for col in self._ordered), strict=True))
        return Step(*self._steps[t], x=StepExtras(self.extras, t), t=t)

    def own_values(self, kind: str, c: Step) -> dict:
        """Step c's columns on the rows of direction rule `kind` only (its rows in
        `direction_index[kind]`), as floats or numpy arrays; all rows' where it has all."""
        own = self.own.get(kind) if c.t >= 0 else None
        if own is None:
            idx = self.direction_index.get(kind)
            return {n: v if isinstance(v, float) else (v.numpy() if idx is None else v.numpy()[idx]) for n, v in c.x.items()}
        if kind not in self._own_steps:  # every step's, made once (the short paths read them every step)
            cols = [[v if isinstance(v, float) else v.numpy() for v in col.values] for col in own.values()]
            self._own_steps[kind] = [dict(zip(own, vals, strict=True)) for vals in zip(*cols, strict=True)]
        return self._own_steps[kind][c.t]


def _two_d_of(coeffs: RowCoeffs, R: int, T: int) -> dict[str, np.ndarray]:
    """A sweep's coefficients (`Tables.batched`, `Tables.stacked`) as (1|T, 1|R) arrays by name
    (a direction rule's own columns as "x:<name>")."""
    def two_d(a) -> np.ndarray:
        a = np.asarray(a, dtype=np.float64)
        a = a.reshape(1, 1) if a.ndim == 0 else (a[:, None] if a.ndim == 1 else a)
        if a.shape[0] not in (1, T) or a.shape[1] not in (1, R):
            raise ValueError(f"coefficients: shape {a.shape} does not broadcast to ({T}, {R})")
        return a

    out = {name: two_d(getattr(coeffs.momentum, name)) for name in MOMENTUM_FIELDS}
    out |= {name: two_d(getattr(coeffs.scaling, name)) for name in SCALING_FIELDS}
    out |= {name: two_d(getattr(coeffs, name)) for name in ("eta", "decay", "lr", "sign")}
    out["f"] = two_d(coeffs.scaling.f)
    out |= {"x:" + n: two_d(v) for n, v in coeffs.scaling.extra.items()}
    return out


class StepExtras(Mapping):
    """Step t's values of the direction rules' own columns (`Step.x`), read on use."""

    __slots__ = ("_cols", "_t")

    def __init__(self, cols: dict, t: int):
        self._cols, self._t = cols, t

    def __getitem__(self, name: str):
        return self._cols[name].values[self._t]

    def __iter__(self):
        return iter(self._cols)

    def __len__(self) -> int:
        return len(self._cols)


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
    more: dict = dataclasses.field(default_factory=dict)  # the other rules' state, made on first use
    hosts: dict = dataclasses.field(default_factory=dict, repr=False)  # numpy views of `more`'s tensors (`host`)

    @classmethod
    def zeros_like(cls, theta: torch.Tensor) -> State:
        return cls(*(torch.zeros_like(theta) for _ in range(3)))

    def buf(self, name: str, shape: tuple[int, ...] | None = None, init: torch.Tensor | None = None) -> torch.Tensor:
        """State `name` (zeros of θ's shape, or of `shape`, or a copy of `init`, when first asked for):
        AMSGrad's max of v, RMSprop's ḡ and p, Rprop's step sizes, Adafactor's factors, ASGD's
        average θ̄, schedule-free's z (which starts at θ_0)."""
        if name not in self.more:
            self.more[name] = (init.clone() if init is not None else
                               torch.zeros(self.m.shape if shape is None else shape, dtype=self.m.dtype))
        return self.more[name]

    def host(self, name: str) -> np.ndarray:
        """`buf(name)` as a numpy view of the same memory, made once (a row's short path reads and
        writes its state through it; a tensor's .numpy() costs ~0.7 µs a call)."""
        if name not in self.hosts:
            self.hosts[name] = self.buf(name).numpy()
        return self.hosts[name]


def _mul(x: torch.Tensor, a) -> torch.Tensor:
    return x.mul_(a)


def _axpy(y: torch.Tensor, a, x: torch.Tensor) -> torch.Tensor:
    """y + a·x in place, for a float or a broadcasting tensor a."""
    return y.add_(x, alpha=a) if isinstance(a, float) else y.addcmul_(a, x)


# -- the three σ rules ------------------------------------------------------------
def _second_moment(st: State, g: torch.Tensor, c: Step) -> torch.Tensor:
    """v ← a_v·v + b_v·g² (+ c_v: Adagrad's initial sum, added on step 1)."""
    v = _mul(st.v, c.a_v)
    v.addcmul_(g, g, value=c.b_v) if isinstance(c.b_v, float) else v.addcmul_(c.b_v, g * g)
    if not (isinstance(c.c_v, float) and c.c_v == 0.0):
        v.add_(c.c_v)
    return v


def _root(v: torch.Tensor, c: Step) -> torch.Tensor:
    root = v.sqrt() if isinstance(c.q, float) and c.q == 1.0 else torch.mul(v, c.q).sqrt_()
    return root.add_(c.e_out)


def sigma_rms(st: State, g: torch.Tensor, c: Step) -> torch.Tensor:
    """v ← a_v·v + b_v·g²;  σ = sqrt(q·v) + ε."""
    return _root(_second_moment(st, g, c), c)


def sigma_amsgrad(st: State, g: torch.Tensor, c: Step) -> torch.Tensor:
    """v as "rms", v̂ ← max(v̂, v);  σ = sqrt(q·v̂) + ε  (torch's amsgrad=True)."""
    vmax = st.buf("v_max")
    torch.maximum(vmax, _second_moment(st, g, c), out=vmax)
    return _root(vmax, c)


def sigma_centered(st: State, g: torch.Tensor, c: Step) -> torch.Tensor:
    """v as "rms", ḡ ← lerp(ḡ, g, b_v);  σ = sqrt(v − ḡ²) + ε  (torch's RMSprop centered=True)."""
    v = _second_moment(st, g, c)
    gbar = st.buf("g_avg").lerp_(g, c.b_v)
    return v.addcmul(gbar, gbar, value=-1).sqrt_().add_(c.e_out)


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


SIGMA = {"rms": sigma_rms, "amsgrad": sigma_amsgrad, "centered": sigma_centered, "max": sigma_max,
         "adadelta": sigma_adadelta}


# -- the direction rules: u from d, no σ ------------------------------------------
def _per_param(x: torch.Tensor, tables: Tables, fn):
    """fn over each parameter: the whole tensor (a network), or each row's last dims (the race)."""
    if tables.param_dims is None:
        return fn(x, None)
    return fn(x, tuple(range(-tables.param_dims, 0)))


def _numel(x: torch.Tensor, tables: Tables) -> int:
    return x.numel() if tables.param_dims is None else math.prod(x.shape[-tables.param_dims:])


def dir_sign(theta, d, st: State, c: Step, tables: Tables) -> torch.Tensor:
    """u = sign(d): every coordinate moves by exactly η (Lion)."""
    return torch.sign(d)


def dir_rprop(theta, d, st: State, c: Step, tables: Tables) -> torch.Tensor:
    """s ← clip(s·η₊ where d agrees with the last d, s·η₋ where it flips); u = s ⊙ sign(d),
    d forgotten where it flipped (matches torch.optim.Rprop)."""
    x = c.x
    idx = tables.direction_index["rprop"]
    if idx is not None and len(idx) == 1 and d.dim() == 3 and d.shape[1] == 1 and d.dtype == torch.float64 and c.t >= 0:
        return _rprop_row(d, st.host("step_size"), st.host("prev"), int(idx[0]), tables.own_values("rprop", c))
    s, prev = st.buf("step_size"), st.buf("prev")
    if not (isinstance(x["s0"], float) and x["s0"] == 0.0):
        s.add_(x["s0"])  # s starts at η on step 1
    agree = d.mul(prev).sign_()
    factor = torch.where(agree > 0, x["eta_plus"], torch.where(agree < 0, _t(x["eta_minus"], d), 1.0))  # d's dtype
    s.mul_(factor).clamp_(min=x["s_min"], max=x["s_max"])
    prev.copy_(d).masked_fill_(factor == x["eta_minus"], 0.0)  # d forgotten where it flipped (torch: factor.eq(η₋))
    return torch.sign(prev).mul_(s)


@dataclass
class RowsU:
    """A direction rule's u on its own rows only (numpy, row or rows `idx` of the race's state):
    `apply` writes it into the merged direction in place of a full tensor and a where."""

    idx: int | np.ndarray
    values: np.ndarray


RPROP_NAMES = ("s0", "eta_plus", "eta_minus", "s_min", "s_max")


def _rprop_row(d: torch.Tensor, S: np.ndarray, P: np.ndarray, i: int, x: dict) -> RowsU:
    """`dir_rprop` on the race's one Rprop row (row i, one start; S, P: the step sizes and the
    last d as numpy views), in Python floats: the same float64 operations, each exact in IEEE
    arithmetic as torch's (a race's row is a few numbers, where torch's ~12 ops a step cost ~25 µs)."""
    em, ep, lo, hi, s0 = x["eta_minus"], x["eta_plus"], x["s_min"], x["s_max"], x["s0"]
    s_new, p_new, u = [], [], []
    for dj, sj, pj in zip(d.numpy()[i, 0].tolist(), S[i, 0].tolist(), P[i, 0].tolist(), strict=True):
        if s0 != 0.0:
            sj = sj + s0  # s starts at η on step 1
        agree = dj * pj
        factor = ep if agree > 0 else (em if agree < 0 else 1.0)  # NaN: neither, 1 (as torch's where chain)
        sj = sj * factor
        sj = sj if sj != sj else min(max(sj, lo), hi)  # clamp; NaN stays NaN
        pj = 0.0 if factor == em else dj  # d forgotten where it flipped (torch: factor.eq(η₋))
        s_new.append(sj)
        p_new.append(pj)
        u.append(float((pj > 0) - (pj < 0)) * sj)  # torch.sign(NaN) is 0
    S[i, 0], P[i, 0] = s_new, p_new
    return RowsU(i, np.array([u]))


def dir_factored(theta, d, st: State, c: Step, tables: Tables) -> torch.Tensor:
    """Adafactor: v̂ = R·C/mean(R) for a matrix (an EMA of g² for a vector), 1 − β₂,k = w_k;
    u = α_k/max(1, RMS(g/√v̂)/d) · g/√v̂ with α_k = max(ε₂, RMS(θ))·ρ_k (torch.optim.Adafactor)."""
    x = c.x
    idx = tables.direction_index["factored"]
    if idx is not None and len(idx) == 1 and d.dim() == 3 and d.shape[1:] == (1, 2) and d.dtype == torch.float64 \
            and c.t >= 0:  # the race's one Adafactor row: Python floats, unless a value leaves their exact range
        u = _factored_row(theta, d, st.host("variance"), int(idx[0]), tables.own_values("factored", c))
        if u is not None:
            return u
    if tables.param_dims is None and d.dim() > 1:  # factored: one row and one column statistic
        row = st.buf("row_var", d.shape[:-1] + (1,))
        col = st.buf("col_var", d.shape[:-2] + (1, d.shape[-1]))
        row.lerp_(torch.norm(d, dim=-1, keepdim=True).square_().div_(d.size(-1)), x["w"])
        col.lerp_(torch.norm(d, dim=-2, keepdim=True).square_().div_(d.size(-2)), x["w"])
        var = (row @ col).div_(row.mean(dim=-2, keepdim=True).clamp_(min=x["eps1"]))
    else:
        var = st.buf("variance").lerp_(d.square(), x["w"])
    u = var.clamp(min=_once(tables, c, "eps1", "sq", lambda e: e * e)).rsqrt_().mul_(d)  # a new tensor: the state keeps v
    n = _numel(d, tables)
    if tables.param_dims is None:  # a network's tensor: scalars, as torch computes them
        alpha = max(x["eps2"], theta.norm(2).item() / n**0.5) * x["rho"]
        return u.mul_(alpha / max(1.0, u.norm(2).item() / (n**0.5 * x["d"])))
    dims = tuple(range(-tables.param_dims, 0))
    alpha = torch.linalg.vector_norm(theta, dim=dims, keepdim=True).div_(n**0.5).clamp_(min=x["eps2"]).mul_(x["rho"])
    denom = torch.linalg.vector_norm(u, dim=dims, keepdim=True).div_(_once(tables, c, "d", n, lambda v: n**0.5 * v)).clamp_(min=1.0)
    return u.mul_(alpha.div_(denom))


FACTORED_NAMES = ("w", "rho", "eps1", "eps2", "d")


def _factored_row(theta: torch.Tensor, d: torch.Tensor, V: np.ndarray, i: int, x: dict) -> RowsU | None:
    """`dir_factored` on the race's one Adafactor row (row i of one start, a 2-vector: v̂ is an
    EMA of g², V its numpy view) in Python floats: the same float64 operations in the same order, torch's fused
    ones (lerp, the norm's sum of squares) rounded once by `_fma` (a race's row is two numbers,
    where torch's ~15 ops a step cost ~40 µs).  None, with the state untouched, where a value
    leaves the range in which `_fma` is exact: the torch ops then take the step."""
    (d0, d1), (v0, v1), (t0, t1) = d.numpy()[i, 0].tolist(), V[i, 0].tolist(), theta.numpy()[i, 0].tolist()
    w, rho, eps1, eps2, dd = x["w"], x["rho"], x["eps1"], x["eps2"], x["d"]
    floor = eps1 * eps1
    v0, v1 = _lerp(v0, d0 * d0, w), _lerp(v1, d1 * d1, w)
    if v0 is None or v1 is None or not floor > 0.0:
        return None
    u0, u1 = 1.0 / math.sqrt(max(v0, floor)) * d0, 1.0 / math.sqrt(max(v1, floor)) * d1
    sq_t, sq_u = _fma(t1, t1, t0 * t0), _fma(u1, u1, u0 * u0)  # ‖θ‖², ‖u‖² as torch's norm sums them
    if sq_t is None or sq_u is None:
        return None
    alpha = max(math.sqrt(sq_t) / _SQRT2, eps2) * rho
    scale = alpha / max(math.sqrt(sq_u) / (_SQRT2 * dd), 1.0)
    V[i, 0] = (v0, v1)
    return RowsU(i, np.array([[u0 * scale, u1 * scale]]))


_SQRT2 = 2**0.5  # √n of a 2-vector, as `dir_factored` forms it
_SPLIT64 = 2.0**27 + 1.0  # Veltkamp's splitter for float64: two halves of 26 bits


def _fma(a: float, b: float, c: float) -> float | None:
    """a·b + c rounded once, as torch's CPU kernels round their fused multiply-adds: a·b made
    exact as p + e (Dekker's product), the three summed with one rounding (fsum).  None where
    that is not exact (a product near under- or overflow) or a value is not finite, and
    everywhere on a machine whose torch does not fuse them (`torch_fuses`)."""
    if not (math.isfinite(a) and math.isfinite(b) and math.isfinite(c)) or not torch_fuses():
        return None
    p = a * b
    if a == 0.0 or b == 0.0:
        return p + c  # the product is exactly 0
    if not (2.0**-880 < abs(p) < 2.0**900 and abs(a) < 2.0**900 and abs(b) < 2.0**900):
        return None
    return _fma_exact(a, b, c)


@functools.cache
def torch_fuses() -> bool:
    """Whether this machine's torch rounds lerp, addcmul and a 2-vector's norm once, as one fused
    multiply-add each (its vectorised CPU kernels do where the CPU has FMA): checked once on
    random values, where one rounding and two differ in about 40 % of the cases.  Where it does
    not, `_fma` declines everywhere and the race's rows take torch's own ops (exact either way)."""
    gen = torch.Generator().manual_seed(21)
    a, b, c = (torch.randn(256, 2, dtype=torch.float64, generator=gen) for _ in range(3))
    w = torch.rand(256, 2, dtype=torch.float64, generator=gen)
    lerp = torch.lerp(a, b, w).tolist()
    mad = torch.addcmul(c, a, b).tolist()
    norm = torch.linalg.vector_norm(a, dim=-1).tolist()
    A, B, C, W = a.tolist(), b.tolist(), c.tolist(), w.tolist()
    for i in range(256):
        for j in range(2):
            s, e, x = A[i][j], B[i][j], W[i][j]
            one = _fma_exact(x, e - s, s) if abs(x) < 0.5 else _fma_exact(x - 1.0, e - s, e)
            if one != lerp[i][j] or _fma_exact(A[i][j], B[i][j], C[i][j]) != mad[i][j]:
                return False
        if math.sqrt(_fma_exact(A[i][1], A[i][1], A[i][0] * A[i][0])) != norm[i]:
            return False
    return True


def _fma_exact(a: float, b: float, c: float) -> float:
    """a·b + c with one rounding, for ordinary values (Dekker's product + fsum)."""
    p = a * b
    big = a * _SPLIT64
    ah = big - (big - a)
    big = b * _SPLIT64
    bh = big - (big - b)
    al, bl = a - ah, b - bh
    return math.fsum((p, ((ah * bh - p) + ah * bl + al * bh) + al * bl, c))


def _lerp(start: float, end: float, weight: float) -> float | None:
    """torch.lerp of floats: start + w·(end − start) for |w| < ½, else end − (1 − w)·(end − start),
    each one fused multiply-add (`_fma`)."""
    return _fma(weight, end - start, start) if abs(weight) < 0.5 else _fma(weight - 1.0, end - start, end)


def _once(tables: Tables, c: Step, name: str, key, fn):
    """fn of step c's value of the extra column `name`, computed once where the column never
    changes along the steps (the same value, so the same result), else at this step."""
    col = tables.extras.get(name)
    if col is None or not col.constant or c.t < 0:
        return fn(c.x[name])
    cache = tables.__dict__.setdefault("_once", {})
    if (name, key) not in cache:
        cache[(name, key)] = fn(col.values[0])
    return cache[(name, key)]


def newton_schulz(G: torch.Tensor, a, b, c, steps, eps) -> torch.Tensor:
    """torch.optim.Muon's orthogonalisation of a matrix (or a stack of them) in bfloat16:
    X ← X/‖X‖, then X ← aX + (bXXᵀ + c(XXᵀ)²)X, five times by default.  For a stack the
    coefficients may be (N, 1, 1) tensors, one per matrix (a race of Muons)."""
    X = G.bfloat16()
    tall = G.size(-2) > G.size(-1)
    if tall:
        X = X.mT
    if X.dim() == 2:  # torch's own ops, so a network's matrix matches torch.optim.Muon exactly
        X = X.div(X.norm().clamp(min=eps))
        for _ in range(int(steps)):
            gram = X @ X.T
            X = torch.addmm(X, torch.addmm(gram, gram, gram, beta=b, alpha=c), X, beta=a)
    else:  # a stack of 1×n rows (the race): XXᵀ is a number per row
        assert X.size(-2) == 1, "a stack of matrices is orthogonalised row by row only"
        X = torch.from_numpy(ns_rows(G.numpy(), a, b, c, steps, eps))
    return X.mT if tall else X


def ns_rows(G: np.ndarray, a, b, c, steps, eps) -> np.ndarray:
    """`newton_schulz` of a stack of 1×n rows (N, 1, n), float64 in, float32 out, in numpy:
    G to bfloat16 as torch converts it (through float32), its float32 norms as torch's
    `vector_norm` gives them (torch's own call where the squares could under- or overflow)."""
    if G.shape[-1] == 2 and len(G) <= 4 and all(isinstance(v, float) for v in (a, b, c, steps, eps)):
        rows = [_ns_pair(row, a, b, c, int(steps), eps) for row in G.reshape(-1, 2).tolist()]
        if all(r is not None for r in rows):
            return np.array(rows, dtype=np.float32).reshape(G.shape)
    X = _bf16_bits(G.astype(np.float32))
    norm = np.sqrt((X * X).sum(-1, keepdims=True))
    if not (norm.min() >= 2.0**-50 and norm.max() <= 2.0**60):  # also NaN
        norm = torch.linalg.vector_norm(torch.from_numpy(X), dim=-1, keepdim=True).numpy()
    return _ns_rows(X, norm, a, b, c, steps, eps)


def _ns_rows(X: np.ndarray, norm: np.ndarray, a, b, c, steps, eps) -> np.ndarray:
    """Newton–Schulz on a stack of 1×n rows (float32, already bfloat16 values; `norm` their
    float32 norms), as torch's bfloat16 kernels compute it: each matmul and addmm in float32,
    rounded to bfloat16.  A row's XXᵀ is a number, so the matmuls become elementwise float32
    ops, done in numpy: IEEE float32 rounds as torch does, and numpy's ops cost a fraction of
    torch's on a few numbers (as torch ops this was ~200 µs a step, 40 % of `make bench`'s race);
    one row at a time with numpy's float32 scalars where the stack is a few rows."""
    a, b, c, steps, eps = (v.numpy() if isinstance(v, torch.Tensor) else v for v in (a, b, c, steps, eps))
    a, b, c = (np.asarray(v, dtype=np.float32) for v in (a, b, c))
    steps = np.asarray(steps)
    X = X / np.maximum(_bf16_bits(norm), _bf16_bits(np.asarray(eps, dtype=np.float32)))  # each row's ε
    rnd = _bf16 if np.abs(X).min() >= _TINY else _bf16_bits  # the first values' size bounds the later ones'
    X = rnd(X)
    if X.size <= 8 and a.ndim == b.ndim == c.ndim == steps.ndim == 0:  # a few numbers: scalars
        return np.array([_ns_row(list(row), a[()], b[()], c[()], int(steps), rnd) for row in X.reshape(-1, X.shape[-1])],
                        dtype=np.float32).reshape(X.shape)
    for i in range(int(steps.max())):
        gram = rnd((X * X).sum(-1, keepdims=True))
        new = rnd(a * X + (rnd(b * gram + c * (gram * gram)) * X + _ZERO))  # as `_ns_row`
        X = new if steps.ndim == 0 else np.where(steps > i, new, X)
    return X


def _ns_pair(g: list, a: float, b: float, c: float, steps: int, eps: float) -> list | None:
    """`ns_rows` on one 1×2 row in numpy float32 scalars (a few µs where the array ops cost
    ~60 µs of per-call overhead): the same operations in the same order; None where the
    norm leaves the range in which it equals torch's."""
    x = [_bf16_any(np.float32(v)) for v in g]
    norm = np.sqrt(x[0] * x[0] + x[1] * x[1])
    if not 2.0**-50 <= norm <= 2.0**60:
        return None
    den = max(_bf16(norm), _bf16_eps(eps))
    x = [_bf16_any(xi / den) for xi in x]
    rnd = _bf16 if all(xi == 0 or abs(xi) >= _TINY for xi in x) else _bf16_any
    return _ns_row(x, np.float32(a), np.float32(b), np.float32(c), steps, rnd)


@functools.lru_cache(maxsize=64)
def _bf16_eps(eps: float) -> np.float32:
    """ε as torch's clamp of a bfloat16 norm uses it: rounded to bfloat16 (through float32)."""
    return _bf16_bits(np.array([eps], dtype=np.float32))[0]


def _bf16_any(x: np.float32) -> np.float32:
    """A float32 scalar rounded to bfloat16: Veltkamp's split where it is exact, else on the bits."""
    if x == 0 or _TINY <= abs(x) <= 2.0**100:
        return _bf16(x)
    return _bf16_bits(np.array([x], dtype=np.float32))[0]


def _ns_row(x: list, a, b, c, steps: int, rnd) -> list:
    """`_ns_rows` on one row, in numpy float32 scalars: the same operations in the same order."""
    for _ in range(steps):
        gram = x[0] * x[0]
        for xi in x[1:]:
            gram = gram + xi * xi
        gram = rnd(gram)
        k = rnd(b * gram + c * (gram * gram))
        x = [rnd(a * xi + (k * xi + _ZERO)) for xi in x]  # the matmul's sum starts at +0 (a −0 product gives +0)
    return x


_ZERO = np.float32(0.0)
_BF16_HALF, _BF16_KEEP = np.uint32(0x7FFF), np.uint32(0xFFFF0000)
_SPLIT = np.float32(65537.0)  # 2¹⁶ + 1: Veltkamp's splitter for 24 − 16 = 8 significant bits
_TINY = 2.0**-100  # above it (and below 10³³) `_bf16` equals `_bf16_bits` (checked on 10⁸ values and every tie)


def _bf16(x):
    """float32 values (array or scalar) rounded to bfloat16, to nearest with ties to even,
    kept as float32, by Veltkamp's split: 3 float ops.  Normal values only (not below 2⁻¹⁰⁰:
    in float32's subnormals it keeps more bits than bfloat16 has)."""
    big = x * _SPLIT
    return big - (big - x)


def _bf16_bits(x: np.ndarray) -> np.ndarray:
    """float32 rounded to bfloat16 on the bits (c10's rounding: bias 0x7FFF, +1 where the kept
    half is odd), kept as float32; any value, subnormal or huge."""
    x = np.asarray(x, dtype=np.float32)
    u = x.view(np.uint32)
    return ((u + ((u >> 16) & np.uint32(1)) + _BF16_HALF) & _BF16_KEEP).view(np.float32)


NS_NAMES = ("ns_a", "ns_b", "ns_c", "ns_steps", "ns_eps")


def dir_orthogonal(theta, d, st: State, c: Step, tables: Tables) -> torch.Tensor:
    """u = √max(1, A/B)·NS(d) (torch.optim.Muon, adjust_lr_fn "original").  A network's
    parameter must be a matrix; in the race each row's θ is a 1×2 matrix, whose NS is
    its direction times a number the iteration leaves near 0.7: normalised momentum."""
    if tables.param_dims is None:
        if d.dim() != 2:
            raise ValueError(f"muon: orthogonalises matrices only, got a parameter of shape {tuple(d.shape)}")
        coeffs = [c.x[n] for n in NS_NAMES]
        ortho = newton_schulz(d, *coeffs[:3], coeffs[3], coeffs[4]).to(d.dtype)
        ratio = math.sqrt(max(1.0, d.shape[0] / d.shape[1]))
        return ortho if ratio == 1.0 else ortho.mul_(ratio)
    # the race: each row's θ is a 1×n matrix (√max(1, 1/n) = 1), on Muon's rows only (the
    # others' u is dropped), gathered and scattered in numpy
    idx = tables.direction_index["orthogonal"]
    full = d.numpy()
    if idx is not None and len(idx) == 1 and full.shape[1:] == (1, 2) and tables.ns_const is not None:
        a, b, cc, steps, eps = tables.ns_const  # the race's one Muon row: `ns_rows`' own scalar path, called direct
        row = _ns_pair(full[idx[0], 0].tolist(), a, b, cc, int(steps), eps)
        if row is not None:
            return RowsU(int(idx[0]), np.array([row], dtype=np.float32))
    sub = full if idx is None else (full[idx[0]:idx[0] + 1] if len(idx) == 1 else full[idx])
    if tables.ns_const is not None:
        own = tables.ns_const
    else:
        own = tables.own_values("orthogonal", c)
        own = [own[n] for n in NS_NAMES]
    coeffs = [v if isinstance(v, float) else
              np.broadcast_to(np.asarray(v).reshape(-1, *[1] * (sub.ndim - 1)), sub.shape[:-1] + (1,)).reshape(-1, 1, 1)
              for v in own]
    ortho = ns_rows(sub.reshape(-1, 1, sub.shape[-1]), *coeffs).reshape(sub.shape)
    if idx is None:
        return torch.from_numpy(ortho.astype(np.float64))
    return RowsU(int(idx[0]), ortho[0]) if len(idx) == 1 else RowsU(idx, ortho)


DIRECTION = {"sign": dir_sign, "rprop": dir_rprop, "factored": dir_factored, "orthogonal": dir_orthogonal}


def _t(value, like: torch.Tensor):
    """A column's value where a torch op wants a tensor (floats become 0-d tensors)."""
    return torch.as_tensor(value, dtype=like.dtype) if isinstance(value, float) else value


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
    report: torch.Tensor | None = None  # the θ to show where it is not the stepped one (schedule-free's x)

    @property
    def d(self) -> torch.Tensor:
        """The direction d_k (read it before the next step: `raw` may be the live moment)."""
        return self.raw if isinstance(self.scale, float) and self.scale == 1.0 else self.raw * self.scale


def apply(theta: torch.Tensor, g: torch.Tensor, st: State, c: Step, tables: Tables,
          out: torch.Tensor | None = None) -> Applied:
    """One step: θ_k = θ_{k−1}·decay − η·d/σ (σ rules), or θ_{k−1}·decay − η·u(d) (direction rules).

    `theta` is read, never written; the new θ goes to `out` (a fresh tensor if None).
    `g` is the gradient of step k; `st` is updated in place."""
    if tables.flips:  # maximize: climb, i.e. step with −g; torch flips g before adding the L2 term
        g = -g if isinstance(c.sign, float) else g * c.sign
    if tables.wd is not None:  # coupled L2, added to the gradient as torch.optim does
        g = torch.add(g, theta, alpha=tables.wd) if isinstance(tables.wd, float) else torch.addcmul(g, tables.wd, theta)
    raw, scale = g, 1.0  # d = scale·raw
    if tables.uses_m:
        early = None if tables.d_first is None else _axpy(g * c.c_g, c.c_m, st.m)  # Lion: d from m before it moves
        _axpy(_mul(st.m, c.a_m), c.b_m, g)  # m ← a_m·m + b_m·g
        if tables.d_first is True:
            raw = early
        elif isinstance(c.c_g, float) and c.c_g == 0.0:
            raw, scale = st.m, c.c_m  # d = c_m·m: c_m joins η (Adam's bias correction costs no pass)
        else:
            raw = _axpy(g * c.c_g, c.c_m, st.m)  # d = c_g·g + c_m·m
        if early is not None and tables.d_first is not True:
            raw, scale = torch.where(tables.d_first, early, _scaled(raw, scale)), 1.0
    sigma = sigma_of(tables, st, g, c) if tables.uses_sigma else None
    base = theta
    if tables.anchored:  # schedule-free: y ← lerp(y, z, c_k) before the step (θ is y)
        base = torch.lerp(theta, st.buf("z", init=theta), c.x["sf_c"])
    base = base if isinstance(c.decay, float) and c.decay == 1.0 else base * c.decay
    eta = c.eta if isinstance(scale, float) and scale == 1.0 else c.eta * scale  # a float, or a tensor where rows differ
    if sigma is not None and isinstance(eta, float) and tables.fused:
        # θ − η·raw/σ in one fused op: without it `make bench`'s basin row (128² Adam starts) ran 212 → 257 ms
        return _averaged(Applied(torch.addcdiv(base, raw, sigma, value=-eta, **_to(out)), g, raw, scale, sigma), st, c, tables)
    ratio = raw if sigma is None else raw / sigma
    if sigma is not None and tables.guard:  # book rules have no ε: σ = 0 only where every gradient so far is 0
        ratio = torch.where(raw == 0, torch.zeros_like(ratio), ratio)
    if "adadelta" in tables.kinds:
        after_adadelta(st, ratio * scale, c, tables.kinds["adadelta"])
    if tables.directions:  # u from d by a direction rule; η is then applied to u alone
        d = raw if isinstance(scale, float) and scale == 1.0 else raw * scale
        ratio, eta, scale = (None if sigma is None and not tables.kinds else _scaled(ratio, scale)), c.eta, 1.0
        fresh = sigma is not None and ratio is not raw  # ratio is ours to write into (raw/σ, or a where's result)
        host = None  # ratio's numpy view, while ratio stays the same tensor
        for kind, rows in tables.directions.items():
            u = DIRECTION[kind](theta, d, st, c, tables)
            if isinstance(u, RowsU):  # its own rows only: written into the merged direction
                if ratio is None or not fresh:
                    ratio, fresh = (torch.zeros_like(d) if ratio is None else ratio.clone()), True
                if host is None:
                    host = ratio.numpy()
                host[u.idx] = u.values
            else:
                ratio, fresh, host = (u if rows is True or ratio is None else torch.where(rows, u, ratio)), True, None
        if sigma is not None:  # σ ≡ 1 on the rows of direction rules (their u is the whole direction)
            sigma = sigma.masked_fill(tables.direction_rows, 1.0) if sigma is st.v else \
                sigma.masked_fill_(tables.direction_rows, 1.0)  # σ is ours unless it is the state (Adamax)
    if tables.uses_p:  # heavy ball on the scaled step: p ← a_p·p + u (RMSprop's momentum)
        ratio = _mul(st.buf("p"), c.a_p).add_(ratio)
    if tables.wd_u:  # schedule-free AdamW: u ← u + λ·y
        ratio = _axpy(ratio * 1.0, c.x["wd_u"], theta)
    if isinstance(eta, float):
        new = torch.add(base, ratio, alpha=-eta, **_to(out))
    else:
        new = torch.addcmul(base, eta, ratio, value=-1.0, **_to(out))
    report = None
    if tables.anchored:  # z ← z − η'_k·u; the reported θ is x = lerp(y, z, 1 − 1/β)
        z = st.buf("z")
        z.sub_(ratio, alpha=c.x["sf_lr"]) if isinstance(c.x["sf_lr"], float) else z.addcmul_(c.x["sf_lr"], ratio, value=-1.0)
        report = torch.lerp(new, z, c.x["sf_x"])
    if tables.directions or tables.uses_p or tables.anchored or tables.wd_u:  # the direction taken: step = η·scale·(raw/σ)
        raw = ratio if sigma is None else ratio * sigma
    return _averaged(Applied(new, g, raw, scale, sigma, report), st, c, tables)


def _scaled(x: torch.Tensor, scale) -> torch.Tensor:
    """scale·x as a new tensor (x itself where scale is the float 1: nothing to multiply)."""
    return x if isinstance(scale, float) and scale == 1.0 else x * scale


def sam_point(theta: torch.Tensor, g: torch.Tensor, c: Step, tables: Tables) -> torch.Tensor:
    """θ + ρ·g/(‖g‖ + 10⁻¹²), SAM's ascent point (Foret et al. 2021), ‖g‖ per parameter (each
    row's in the race); rows with ρ = 0 stay at θ.  A network's ‖g‖ spans all its parameters:
    `LabOptimizer` forms that one itself."""
    norm = torch.linalg.vector_norm(g, dim=tuple(range(-tables.param_dims, 0)), keepdim=True) \
        if tables.param_dims is not None else torch.linalg.vector_norm(g)
    return torch.addcmul(theta, g, torch.div(c.x["sam_rho"], norm.add_(1e-12)))


def sam_row_point(theta: torch.Tensor, g: torch.Tensor, c: Step, tables: Tables) -> list | None:
    """`sam_point` of the race's one SAM row (`Tables.sam_row`, one start) alone, in Python floats:
    ‖g‖² summed as torch's norm sums it and θ + g·ρ/(‖g‖ + 10⁻¹²) as addcmul rounds it, each
    multiply-add rounded once (`_fma`); None where `_fma` declines (then `sam_point`)."""
    i = tables.sam_row
    (g0, g1), (t0, t1) = g.numpy()[i, 0].tolist(), theta.numpy()[i, 0].tolist()
    sq = _fma(g1, g1, g0 * g0)
    if sq is None:
        return None
    q = tables.sam_rho[c.t] / (math.sqrt(sq) + 1e-12)
    x, y = _fma(g0, q, t0), _fma(g1, q, t1)
    return None if x is None or y is None else [x, y]


def _averaged(step: Applied, st: State, c: Step, tables: Tables) -> Applied:
    """θ̄ ← θ̄ + μ_k(θ_k − θ̄), θ̄ = θ_k while μ_k = 1 (ASGD's averaged sequence, torch's state "ax")."""
    if tables.averages:
        ax, mu = st.buf("ax"), c.x["mu_avg"]
        if isinstance(mu, float):
            ax.copy_(step.theta) if mu == 1.0 else ax.add_(step.theta.sub(ax).mul_(mu))
        elif c.t >= 0 and tables.avg_lerp[c.t]:  # every μ_k 0 or 1: lerp's ends are exact (θ̄ kept, θ copied)
            ax.lerp_(step.theta, mu)
        else:
            ax.copy_(torch.where(mu == 1.0, step.theta, ax + (step.theta - ax) * mu))
    return step


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
    sc = srule.coeffs(k, lr_t, hp)
    wd = hp.get("weight_decay", 0.0)
    decoupled = spec.decoupled or bool(hp.get("decoupled_weight_decay", False))
    ones = np.ones(lr_t.shape if lr_t.ndim == 1 else (T, 1))
    sc.extra = {**sc.extra, **mc.extra}
    if spec.scaled_momentum:  # RMSprop's `momentum` flag: the scaled-heavy-ball rule's coefficient
        mc.a_p = MOMENTUM["scaled-heavy-ball"].coeffs(k, lr_t, hp).a_p
    if spec.sam is not None:
        sc.extra["sam_rho"] = hp["rho"] * ones
    if spec.wd_on_step:  # schedule-free AdamW: λ·y joins the scaled step u
        sc.extra["wd_u"], wd = wd * ones, 0.0
    return RowCoeffs(
        momentum=mc, scaling=sc, eta=(ones if mrule.eta_inside or srule.eta_own else lr_t) * sc.f * mc.f, lr=lr_t,
        decay=((1.0 - lr_t * wd) if decoupled else ones) * sc.decay, wd=0.0 if decoupled else wd,
        guard=srule.needs_eps_guard, sign=-1.0 if hp.get("maximize") else 1.0, d_first=mrule.d_first,
    )
