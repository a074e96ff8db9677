"""The named optimizers: each is one momentum rule times one scaling rule.

PyTorch-convention entries match `torch.optim` with its defaults (tests pin
this to float64 round-off); the book's conventions are entries of their own
(`*-book`), so the two can race side by side and the difference shows.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from surfaces.spec import Param, lookup, resolve, switch

from .rules import MOMENTUM, SCALING, MomentumRule, ScalingRule

LR_MIN, LR_MAX = 1e-8, 100.0


@dataclass(frozen=True)
class OptimizerSpec:
    name: str
    label_en: str
    label_zh: str
    momentum: str  # a key of rules.MOMENTUM
    scaling: str  # a key of rules.SCALING
    lr: float  # torch.optim's default learning rate (or the book's example)
    torch_name: str | None  # the torch.optim class this entry matches, None for book rules
    weight_decay: float | None = 0.0  # None: not offered; else default of the L2 (or decoupled) term
    decoupled: bool = False  # AdamW: θ ← θ(1 − η·wd) before the step
    convention: str = "pytorch"  # or "book", "paper"
    note_en: str = ""
    note_zh: str = ""
    flags: tuple[Param, ...] = ()  # the torch class's own switches (maximize, amsgrad, …) beyond its rules' knobs
    paper: str = ""  # where a rule outside torch.optim comes from (its reference package is the test oracle)
    sam: float | None = None  # offers `rho` (this default): the gradient at θ + ρ·g/‖g‖, two evaluations per step
    wd_on_step: bool = False  # weight decay added to the scaled step u (schedule-free AdamW), not to g
    scaled_momentum: bool = False  # its `momentum` rides the scaled step (RMSprop's): p ← μp + g/σ

    @property
    def reference(self) -> str:
        """Its torch.optim class, or its paper."""
        return f"torch.optim.{self.torch_name}" if self.torch_name else (self.paper or self.convention)

    @property
    def momentum_rule(self) -> MomentumRule:
        return MOMENTUM[self.momentum]

    @property
    def scaling_rule(self) -> ScalingRule:
        return SCALING[self.scaling]

    @property
    def params(self) -> tuple[Param, ...]:
        ps = self.momentum_rule.params + self.scaling_rule.params
        if self.weight_decay is not None:
            ps += (Param("weight_decay", self.weight_decay, 0.0, 1.0, label_en="weight decay", label_zh="权重衰减", latex=r"\lambda_{wd}"),)
        if self.sam is not None:
            ps += (dataclasses.replace(P_RHO, default=self.sam),)
        return ps + self.flags

    def gradient_evaluations(self, hp: dict) -> int:
        """Gradients one step needs with resolved hyper-parameters `hp`: 2 for SAM with ρ > 0
        (at θ, then at θ + ε), else 1.  A fair race counts both."""
        return 2 if self.sam is not None and np.any(np.asarray(hp.get("rho", 0.0)) > 0) else 1

    def lr_param(self) -> Param:
        return Param("lr", self.lr, LR_MIN, LR_MAX, log=True, label_en="learning rate η", label_zh="学习率 η", latex=r"\eta")

    def resolve(self, values: dict | None) -> dict[str, float]:
        return resolve(f"optimizer {self.name}", self.params, values)

    def label(self, lang: str) -> str:
        return self.label_zh if lang == "zh" else self.label_en


def _spec(name, en, zh, mom, scal, lr, torch_name, **kw) -> OptimizerSpec:
    return OptimizerSpec(name, en, zh, mom, scal, lr, torch_name, **kw)


P_RHO = Param("rho", 0.05, 0.0, 10.0, label_en="SAM radius ρ (0: plain gradient)", label_zh="SAM 半径 ρ（0：普通梯度）",
              latex=r"\rho")
# torch's RMSprop(momentum=μ): the heavy ball rides the scaled step (p ← μp + g/σ, θ ← θ − ηp), the
# `scaled-heavy-ball` momentum rule's coefficient; a flag of the class, so RMSprop stays none × rmsprop
SCALED_MOMENTUM = Param("momentum", 0.0, 0.0, 0.999, label_en="momentum μ (on g/σ)", label_zh="动量系数 μ（作用于 g/σ）",
                        latex=r"\mu")
MAXIMIZE = switch("maximize", False, "maximize (climb)", "最大化（沿梯度上升）")
AMSGRAD = switch("amsgrad", False, "AMSGrad (σ from the max of v)", "AMSGrad（σ 取 v 的历史最大值）")
DECOUPLED = switch("decoupled_weight_decay", False, "decoupled weight decay (AdamW-style)", "解耦权重衰减（AdamW 式）")


def _torch(name, en, zh, mom, scal, lr, torch_name, flags=(), **kw) -> OptimizerSpec:
    """A torch.optim class: every one of them but Muon has `maximize`."""
    return OptimizerSpec(name, en, zh, mom, scal, lr, torch_name, flags=(*flags, MAXIMIZE), **kw)


OPTIMIZERS_LIST: tuple[OptimizerSpec, ...] = (
    _torch("sgd", "SGD / GD", "SGD / 梯度下降", "none", "none", 1e-3, "SGD"),
    _torch("momentum", "SGD + momentum", "SGD + 动量", "heavy-ball", "none", 1e-3, "SGD"),
    _torch("nesterov", "Nesterov momentum", "Nesterov 动量", "nesterov", "none", 1e-3, "SGD"),
    _torch("adagrad", "AdaGrad", "AdaGrad", "none", "adagrad", 1e-2, "Adagrad"),
    _torch("rmsprop", "RMSProp", "RMSProp", "none", "rmsprop", 1e-2, "RMSprop", flags=(SCALED_MOMENTUM,),
           scaled_momentum=True),
    _torch("adam", "Adam", "Adam", "ema", "adam", 1e-3, "Adam", flags=(AMSGRAD,)),
    _torch("adamw", "AdamW", "AdamW", "ema", "adam", 1e-3, "AdamW", weight_decay=1e-2, decoupled=True, flags=(AMSGRAD,)),
    _torch("radam", "RAdam", "RAdam", "ema", "radam", 1e-3, "RAdam", flags=(DECOUPLED,)),
    _torch("nadam", "NAdam", "NAdam", "nadam", "adam", 2e-3, "NAdam", flags=(DECOUPLED,)),
    _torch("adamax", "Adamax", "Adamax", "ema", "adamax", 2e-3, "Adamax"),
    _torch("adadelta", "AdaDelta", "AdaDelta", "none", "adadelta", 1.0, "Adadelta"),
    _torch("rprop", "Rprop", "Rprop", "none", "rprop", 1e-2, "Rprop", weight_decay=None,
           note_en="Only the sign of g is used: each coordinate has its own step size, grown while the sign holds.",
           note_zh="只用 g 的符号：每个坐标有自己的步长，符号不变就放大，变号就缩小。"),
    _torch("asgd", "ASGD (averaged SGD)", "ASGD（平均 SGD）", "none", "asgd", 1e-2, "ASGD",
           note_en="Plain SGD with a decaying η; the average of the iterates (torch's state 'ax') is kept beside θ.",
           note_zh="η 逐步衰减的 SGD；迭代点的平均（torch 的 state 'ax'）记在 θ 旁边。"),
    _torch("adafactor", "Adafactor", "Adafactor", "none", "adafactor", 1e-2, "Adafactor", decoupled=True,
           note_en="On a 2-D surface θ is a vector: the second moment is not factored (only matrices are).",
           note_zh="二维曲面上 θ 是向量：二阶矩不分解（只有矩阵才分解）。"),
    OptimizerSpec(
        "muon", "Muon", "Muon", "muon", "orthogonal", 1e-3, "Muon", weight_decay=0.1, decoupled=True,
        note_en="Made for weight matrices. On a 2-D surface θ is a 1×2 matrix: Muon becomes normalised momentum, steps of ≈ 0.7 η.",
        note_zh="为权重矩阵而设计。二维曲面上 θ 是 1×2 矩阵：Muon 退化为归一化动量，步长约 0.7 η。",
    ),
    OptimizerSpec(
        "lion", "Lion", "Lion", "lion", "sign", 1e-4, None, weight_decay=0.0, decoupled=True, convention="paper",
        paper="Chen et al. 2023, Symbolic Discovery of Optimization Algorithms (lion-pytorch)",
        note_en="A sign step: every coordinate moves by exactly ±η.",
        note_zh="符号步：每个坐标每步恰好移动 ±η。",
    ),
    OptimizerSpec(
        "sam", "SAM (sharpness-aware, over SGD)", "SAM（锐度感知，基于 SGD）", "none", "none", 1e-2, None, convention="paper",
        paper="Foret et al. 2021, Sharpness-Aware Minimization", sam=0.05,
        note_en="Steps with the gradient at θ + ρ·g/‖g‖, the worst nearby point: two gradient evaluations per step.",
        note_zh="用 θ + ρ·g/‖g‖（附近最差的点）处的梯度走一步：每步计算两次梯度。",
    ),
    OptimizerSpec(
        "sgd-schedule-free", "schedule-free SGD", "无调度 SGD", "schedule-free", "none", 1.0, None, convention="paper",
        paper="Defazio et al. 2024, The Road Less Scheduled (schedulefree.SGDScheduleFree)",
        note_en="No schedule needed: θ shown is the average x; gradients are taken at y, between x and the SGD iterate z.",
        note_zh="不需要学习率调度：显示的 θ 是平均点 x；梯度在 x 与 SGD 迭代点 z 之间的 y 处计算。",
    ),
    OptimizerSpec(
        "adamw-schedule-free", "schedule-free AdamW", "无调度 AdamW", "schedule-free-adam", "adam", 2.5e-3, None,
        convention="paper", wd_on_step=True,
        paper="Defazio et al. 2024, The Road Less Scheduled (schedulefree.AdamWScheduleFree)",
        note_en="No schedule needed: θ shown is the average x; gradients are taken at y, between x and the AdamW iterate z.",
        note_zh="不需要学习率调度：显示的 θ 是平均点 x；梯度在 x 与 AdamW 迭代点 z 之间的 y 处计算。",
    ),
    _spec(
        "momentum-book", "Momentum (book §3.2)", "动量（书中约定）", "book", "none", 1e-2, None,
        weight_decay=None, convention="book",
        note_en="η sits inside the movement m: equal to PyTorch's momentum at constant η, different once η changes.",
        note_zh="η 在移动量 m 之内：η 不变时与 PyTorch 的动量相同，η 一变就不同。",
    ),
    _spec(
        "adagrad-book", "AdaGrad (book §3.3)", "AdaGrad（书中约定）", "none", "adagrad-book", 1e-1, None,
        weight_decay=None, convention="book",
        note_en="σ is the root MEAN square of all gradients, no ε; with η_t = η/√(t+1) it equals PyTorch's AdaGrad.",
        note_zh="σ 是所有梯度的均方根，没有 ε；配上 η_t = η/√(t+1) 就等于 PyTorch 的 AdaGrad。",
    ),
    _spec(
        "rmsprop-book", "RMSProp (book §3.3)", "RMSProp（书中约定）", "none", "rmsprop-book", 1e-2, None,
        weight_decay=None, convention="book",
        note_en="σ₀ = |g₀|, no ε: the first step is exactly η (PyTorch's first step is η/√(1−α)).",
        note_zh="σ₀ = |g₀|，没有 ε：第一步恰好是 η（PyTorch 的第一步是 η/√(1−α)）。",
    ),
)

OPTIMIZERS: dict[str, OptimizerSpec] = {o.name: o for o in OPTIMIZERS_LIST}

CUSTOM = "custom"


def get_optimizer(name: str) -> OptimizerSpec:
    return lookup("optimizer", OPTIMIZERS, name)


def custom_optimizer(momentum: str, scaling: str) -> OptimizerSpec:
    """"Build your own": any momentum rule with any scaling rule."""
    m = lookup("momentum rule", MOMENTUM, momentum)
    s = lookup("scaling rule", SCALING, scaling)
    # SAM's gradient with any momentum × scaling (ρ = 0: the plain gradient); not beside
    # AdaDelta, whose own ρ has the name
    sam = 0.0 if "rho" not in {p.name for p in m.params + s.params} else None
    return OptimizerSpec(
        CUSTOM, f"{m.label_en} × {s.label_en}", f"{m.label_zh} × {s.label_zh}", m.name, s.name,
        1e-2, None, weight_decay=None, convention="custom", sam=sam,
    )
