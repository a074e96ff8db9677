"""The book's terms: each English term of the chapter and the Chinese term 《深度学习详解》 uses
for it.  A test holds every Chinese string of the catalog to it: wherever an English string
uses a term, its Chinese twin uses the book's term (误差表面, never 误差曲面).

Not a catalog part (no EN/ZH): `ui.text` skips this module when it merges the catalog.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    en: str  # as written in English; "-" and " " match each other, a plural -s/-es is allowed
    zh: tuple[str, ...]  # the book's term (any of these, e.g. where the book itself uses two)
    also: tuple[str, ...] = ()  # other English spellings (irregular plurals)

    def pattern(self) -> re.Pattern:
        forms = sorted((self.en, *self.also), key=len, reverse=True)
        alts = "|".join(r"[\s-]".join(map(re.escape, re.split(r"[\s-]", f))) for f in forms)
        return re.compile(rf"(?<![\w-])(?:{alts})(?:e?s)?(?![\w-])", re.IGNORECASE)


# ordered from the longer terms to the shorter ones they contain
TERMS: tuple[Term, ...] = (
    Term("error surface", ("误差表面",)),
    Term("learning-rate schedule", ("学习率调度",), also=("learning-rate scheduling", "learning rate scheduling")),
    Term("adaptive learning rate", ("自适应学习率",)),
    Term("learning rate", ("学习率",)),
    Term("batch normalization", ("批量归一化",)),
    Term("feature normalization", ("特征归一化",)),
    Term("mini-batch", ("小批量",)),
    Term("full batch", ("全批量",)),
    Term("batch", ("批量",)),
    Term("momentum", ("动量",)),
    Term("Hessian", ("海森矩阵",)),
    Term("saddle point", ("鞍点",)),
    Term("saddle", ("鞍点", "鞍面")),
    Term("local minimum", ("局部极小值",), also=("local minima",)),
    Term("local maximum", ("局部极大值",), also=("local maxima",)),
    Term("global minimum", ("全局最小值",), also=("global minima",)),
    Term("critical point", ("临界点",)),
    Term("warm-up", ("预热",), also=("warmup",)),
    Term("cross-entropy", ("交叉熵",)),
    Term("mean squared error", ("均方误差",)),
    Term("gradient descent", ("梯度下降",)),
    Term("gradient", ("梯度",)),
    Term("eigenvalue", ("特征值",)),
    Term("eigenvector", ("特征向量",)),
    Term("epoch", ("回合",)),
    Term("Taylor", ("泰勒",)),
    Term("loss", ("损失",)),
)

# Chinese that is not the book's: a mixed-up term or a translationese word → what to write instead
AVOID: dict[str, str] = {
    "误差曲面": "误差表面",
    "梅森矩阵": "海森矩阵",
    "海森特征值": "海森矩阵的特征值",
    "检查器": "局部分析",
}

# English that is code, not prose: `spans`, name=value, torch.optim.X(...) — no term to translate there
_CODE = re.compile(r"`[^`]*`|\b[\w.]+\s*=\s*[^\s,;)]+|\b(?:torch|nn|optim)\.[\w.]+(?:\([^)]*\))?")


def prose(text: str) -> str:
    """`text` without its code (where English words stay English in both languages)."""
    return _CODE.sub(" ", text)


def avoided(zh: str) -> list[str]:
    """The words of `zh` that `AVOID` replaces."""
    return [w for w in AVOID if w in zh]


def missing_terms(en: str, zh: str) -> list[Term]:
    """The terms the English string uses whose book term the Chinese string lacks."""
    en = prose(en)
    return [term for term in TERMS if term.pattern().search(en) and not any(z in zh for z in term.zh)]
