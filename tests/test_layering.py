"""Layers point one way (import-linter contracts in pyproject.toml), the engine and the surfaces
neither print nor cache, and every Streamlit cache of the UI is bounded."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PURE_PACKAGES = ("optim_lab", "surfaces")
UI_LIBS = ("streamlit", "plotly")

def _lint(root: Path) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("lint-imports")
    return subprocess.run([str(exe), "--config", str(root / "pyproject.toml")], cwd=root, capture_output=True, text=True,
                          timeout=300, check=False, env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"})


def test_import_contracts_hold():
    """pyproject.toml's import-linter contracts: ui → engine → surfaces → surfaces.spec, one way,
    and no streamlit/plotly below ui."""
    proc = _lint(ROOT)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "0 broken" in proc.stdout


def test_import_contracts_catch_an_upward_import(tmp_path):
    """The contracts fail when the bottom layer imports the engine (or a UI library)."""
    for pkg in ("ui", "optim_lab", "surfaces"):
        shutil.copytree(ROOT / pkg, tmp_path / pkg, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    spec = tmp_path / "surfaces" / "spec.py"
    spec.write_text(spec.read_text(encoding="utf-8") + "\nimport optim_lab.engine  # noqa\nimport plotly  # noqa\n", encoding="utf-8")
    proc = _lint(tmp_path)
    assert proc.returncode != 0
    assert "surfaces.spec is not allowed to import optim_lab" in proc.stdout.replace("\n", " ") or "BROKEN" in proc.stdout
    assert "no UI library below ui BROKEN" in " ".join(proc.stdout.split())


def test_import_contracts_catch_a_section_reaching_into_another(tmp_path):
    """import-linter's independence contract over ui.sections.*."""
    for pkg in ("ui", "optim_lab", "surfaces"):
        shutil.copytree(ROOT / pkg, tmp_path / pkg, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    assert "0 broken" in _lint(tmp_path).stdout
    calc = tmp_path / "ui" / "sections" / "playground" / "calc.py"
    calc.write_text(calc.read_text(encoding="utf-8") + "\nfrom ui.sections.maps import calc as other  # noqa\n", encoding="utf-8")
    out = " ".join(_lint(tmp_path).stdout.split())
    assert "sections never import each other (what two share lives in ui/common) BROKEN" in out


def _sources() -> list[Path]:
    files = sorted(p for pkg in PURE_PACKAGES for p in (ROOT / pkg).rglob("*.py"))
    assert files, "no sources found"
    return files


PRINT = re.compile(r"(?<![\w.])print\(")
PRINT_ALLOWED = {  # the CLI writes to stdout/stderr; the code generator writes the text of a script that prints
    ROOT / "optim_lab" / "cli.py", ROOT / "optim_lab" / "training" / "codegen.py",
}


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_pure_sources_neither_print_nor_cache(path):
    text = path.read_text(encoding="utf-8")
    assert "st.cache" not in text, f"{path.relative_to(ROOT)} caches the Streamlit way"
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


def test_test_file_names_are_unique():
    """tests/ is no package (a package named tests/ui would hide the real ui), so pytest imports
    test modules by their base name: two test files of one name break collection."""
    names = [p.name for p in (ROOT / "tests").rglob("test_*.py")]
    assert sorted(set(names)) == sorted(names), sorted({n for n in names if names.count(n) > 1})


def test_common_imports_no_section():
    """ui/common has no __init__.py, so import-linter's graph does not hold it (a namespace
    package): this one rule is read from the source until it becomes a package."""
    pattern = re.compile(r"^\s*(?:from|import)\s+ui\.sections\.\w+", re.M)
    for path in (ROOT / "ui" / "common").rglob("*.py"):
        assert not pattern.findall(path.read_text(encoding="utf-8")), path.name
