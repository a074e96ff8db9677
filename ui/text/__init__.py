"""The bilingual text catalog: every user-visible string, in English and Chinese.

The shell's and the shared view's strings live in this package (`common`,
`formula`); each section's live in `ui/sections/<slug>/text.py`, found there by
themselves.  Every such module defines two dicts, `EN` and `ZH`, with the same keys
and the same `{placeholders}`; they are merged here (a test checks both halves
agree, and a key defined in two modules is refused).  Terms follow the book
(`ui.text.glossary`, held to by a test): 误差表面, 鞍点, 局部极小值, 海森矩阵, 批量, 动量, 学习率调度…
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from types import ModuleType

LANGS = ("zh", "en")

CATALOG: dict[str, dict[str, str]] = {"en": {}, "zh": {}}
SOURCES: dict[str, str] = {}  # key → module that defines it
NOT_CATALOG = {"glossary"}  # modules of this package that hold no strings (the book's terms)


def text_modules() -> list[tuple[str, ModuleType]]:
    """(name, module) of every catalog part: this package's modules, then each section's text.py."""
    from ui import sections

    own = [(f"{__name__}.{info.name}", importlib.import_module(f"{__name__}.{info.name}"))
           for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name) if info.name not in NOT_CATALOG]
    return own + [(module.__name__, module) for _, module in sections.modules("text")]


def _load() -> None:
    for name, mod in text_modules():
        for lang, table in (("en", mod.EN), ("zh", mod.ZH)):
            for key, value in table.items():
                if key in CATALOG[lang] and SOURCES.get(key) != name:
                    raise KeyError(f"text key {key!r} defined in both {SOURCES[key]} and {name}")
                CATALOG[lang][key] = value
                SOURCES[key] = name


_load()


# Chinese sets no space between two Chinese characters: "{name} 在第 {k} 步" keeps its space
# after "Adam" but must lose it after "梯度下降" (the space belongs to mixed Latin/Chinese only)
_CJK = "\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
_SPACE_BETWEEN_CJK = re.compile(f"(?<=[{_CJK}])[ \u00a0]+(?=[{_CJK}])")


def zh_spacing(text: str) -> str:
    """`text` without spaces between two Chinese characters (or full-width punctuation)."""
    return _SPACE_BETWEEN_CJK.sub("", text)


def t(key: str, lang: str, **values) -> str:
    """The string `key` in `lang`, formatted with `values`."""
    zh = lang == "zh"
    table = CATALOG["zh" if zh else "en"]
    text = table.get(key)
    if text is None:
        text = CATALOG["en"].get(key, key)
    text = text.format(**values) if values else text
    return zh_spacing(text) if zh and values else text
