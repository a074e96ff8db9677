"""The engine and the surfaces are pure: no UI library is imported, nothing prints,
nothing is cached the Streamlit way.  Only the UI layer may use streamlit/plotly."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PURE_PACKAGES = ("optim_lab", "surfaces")
UI_LIBS = ("streamlit", "plotly")

_PROBE = """
import json, sys
import optim_lab.engine, optim_lab.analysis, optim_lab.cli, optim_lab.bench, surfaces
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in {"streamlit", "plotly"})))
"""


def test_importing_the_engine_loads_no_ui_library():
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    loaded = json.loads(proc.stdout.strip().splitlines()[-1])
    assert loaded == []


def _sources() -> list[Path]:
    files = sorted(p for pkg in PURE_PACKAGES for p in (ROOT / pkg).rglob("*.py"))
    assert files, "no sources found"
    return files


FORBIDDEN = {
    "import streamlit": re.compile(r"^\s*(import|from)\s+streamlit\b", re.M),
    "import plotly": re.compile(r"^\s*(import|from)\s+plotly\b", re.M),
    "st.cache": re.compile(r"\bst\.cache"),
}
PRINT = re.compile(r"(?<![\w.])print\(")
PRINT_ALLOWED = {ROOT / "optim_lab" / "cli.py"}  # the CLI is the one place that writes to stdout/stderr


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_pure_sources_have_no_ui_imports_prints_or_caches(path):
    text = path.read_text(encoding="utf-8")
    for what, pattern in FORBIDDEN.items():
        assert not pattern.search(text), f"{path.relative_to(ROOT)} contains {what!r}"
        assert what not in text, f"{path.relative_to(ROOT)} contains {what!r}"
    if path not in PRINT_ALLOWED:
        assert not PRINT.search(text), f"{path.relative_to(ROOT)} calls print("


def test_every_streamlit_cache_is_bounded():
    """A class shares one server: every st.cache_data / st.cache_resource names max_entries."""
    import re

    root = Path(__file__).resolve().parent.parent
    unbounded = []
    for path in [*root.glob("ui/**/*.py"), *root.glob("pages/*.py"), root / "app.py"]:
        for m in re.finditer(r"@st\.cache_(data|resource)(\([^)]*\))?", path.read_text(encoding="utf-8")):
            if "max_entries" not in (m.group(2) or ""):
                unbounded.append(f"{path.relative_to(root)}: {m.group(0)}")
    assert not unbounded, unbounded


def test_the_import_graph_is_frozen_out_of_the_collectors_reach():
    """Streamlit runs gc.collect(2) after every script run; the pages freeze what they
    import (torch, plotly, pandas, our modules) once, so that walk stays short."""
    import gc

    from ui.shell import freeze_imports

    freeze_imports()
    frozen = gc.get_freeze_count()
    assert frozen > 50_000  # torch + plotly + pandas are far more than this
    freeze_imports()  # once per process: a second call freezes nothing new
    assert gc.get_freeze_count() == frozen
    assert gc.isenabled()  # what sessions create later is still collected
