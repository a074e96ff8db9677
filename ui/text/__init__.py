"""The bilingual text catalog: every user-visible string, in English and Chinese.

Each module in this package defines two dicts, `EN` and `ZH`, with the same keys
and the same `{placeholders}`; they are merged here (a test checks both halves
agree).  Terms follow the book: 鞍点, 局部极小值, 海森矩阵, 批量, 动量, 学习率调度…
"""

from __future__ import annotations

import importlib
import pkgutil

LANGS = ("zh", "en")

CATALOG: dict[str, dict[str, str]] = {"en": {}, "zh": {}}
SOURCES: dict[str, str] = {}  # key → module that defines it


def _load() -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        mod = importlib.import_module(f"{__name__}.{info.name}")
        for lang, table in (("en", mod.EN), ("zh", mod.ZH)):
            for key, value in table.items():
                if key in CATALOG[lang] and SOURCES.get(key) != info.name:
                    raise KeyError(f"text key {key!r} defined in both {SOURCES[key]} and {info.name}")
                CATALOG[lang][key] = value
                SOURCES[key] = info.name


_load()


def t(key: str, lang: str, **values) -> str:
    """The string `key` in `lang`, formatted with `values`."""
    table = CATALOG["zh" if lang == "zh" else "en"]
    text = table.get(key)
    if text is None:
        text = CATALOG["en"].get(key, key)
    return text.format(**values) if values else text
