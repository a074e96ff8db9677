"""The named optimizers: each is one momentum rule times one scaling rule.

PyTorch-convention entries match `torch.optim` with its defaults (tests pin
this to float64 round-off); the book's conventions are entries of their own
(`*-book`), so the two can race side by side and the difference shows.
"""

from __future__ import annotations

from dataclasses import dataclass

from surfaces.spec import Param, lookup, resolve

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
    convention: str = "pytorch"  # or "book"
    note_en: str = ""
    note_zh: str = ""

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
        return ps

    def lr_param(self) -> Param:
        return Param("lr", self.lr, LR_MIN, LR_MAX, log=True, label_en="learning rate η", label_zh="学习率 η", latex=r"\eta")

    def resolve(self, values: dict | None) -> dict[str, float]:
        return resolve(f"optimizer {self.name}", self.params, values)

    def label(self, lang: str) -> str:
        return self.label_zh if lang == "zh" else self.label_en


def _spec(name, en, zh, mom, scal, lr, torch_name, **kw) -> OptimizerSpec:
    return OptimizerSpec(name, en, zh, mom, scal, lr, torch_name, **kw)


OPTIMIZERS_LIST: tuple[OptimizerSpec, ...] = (
    _spec("sgd", "SGD / GD", "SGD / 梯度下降", "none", "none", 1e-3, "SGD"),
    _spec("momentum", "SGD + momentum", "SGD + 动量", "heavy-ball", "none", 1e-3, "SGD"),
    _spec("nesterov", "Nesterov momentum", "Nesterov 动量", "nesterov", "none", 1e-3, "SGD"),
    _spec("adagrad", "AdaGrad", "AdaGrad", "none", "adagrad", 1e-2, "Adagrad"),
    _spec("rmsprop", "RMSProp", "RMSProp", "none", "rmsprop", 1e-2, "RMSprop"),
    _spec("adam", "Adam", "Adam", "ema", "adam", 1e-3, "Adam"),
    _spec("adamw", "AdamW", "AdamW", "ema", "adam", 1e-3, "AdamW", weight_decay=1e-2, decoupled=True),
    _spec("radam", "RAdam", "RAdam", "ema", "radam", 1e-3, "RAdam"),
    _spec("nadam", "NAdam", "NAdam", "nadam", "adam", 2e-3, "NAdam"),
    _spec("adamax", "Adamax", "Adamax", "ema", "adamax", 2e-3, "Adamax"),
    _spec("adadelta", "AdaDelta", "AdaDelta", "none", "adadelta", 1.0, "Adadelta"),
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
    return OptimizerSpec(
        CUSTOM, f"{m.label_en} × {s.label_en}", f"{m.label_zh} × {s.label_zh}", m.name, s.name,
        1e-2, None, weight_decay=None, convention="custom",
    )
