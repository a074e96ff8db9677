"""Shared AppTest helpers: open a page the way a browser does (through app.py,
with query parameters), and read its charts and notices."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui.text import t

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"


def open_page(script: str, lang: str = "en", query: dict | None = None, timeout: float = 120) -> AppTest:
    """Run `script` ("pages/<id>.py" or "app.py") for a new session with these URL parameters."""
    at = AppTest.from_file(str(APP), default_timeout=timeout)
    at.query_params["lang"] = lang
    for k, v in (query or {}).items():
        at.query_params[k] = v
    if script != "app.py":
        at.switch_page(script)
    at.run()
    return at


def notice_prefix(lang: str) -> str:
    return t("url_ignored", lang, items="\x00").split("\x00")[0]


def ignored_notices(at: AppTest) -> list[str]:
    """The 'values in the link were ignored' notices, in either language."""
    prefixes = (notice_prefix("en"), notice_prefix("zh"))
    return [w.value for w in at.warning if w.value.startswith(prefixes)]


def live_data(at: AppTest) -> dict:
    """The page's one live control's data, as the browser decodes it (`ui.common.live.Shared`:
    UTF-8 JSON bytes)."""
    (el,) = at.get("bidi_component")
    assert el.proto.component_name == "optim_lab.live" and el.proto.WhichOneof("data") == "bytes"
    return json.loads(el.proto.bytes)


def charts(at: AppTest) -> dict[str, dict]:
    """Every Plotly chart's figure JSON, by element id."""
    return {c.proto.id: json.loads(c.proto.spec) for c in at.get("plotly_chart")}


def chart(at: AppTest, key: str) -> dict:
    hits = [c for c in at.get("plotly_chart") if c.proto.id.endswith(f"-{key}")]
    assert hits, f"no chart {key!r}"
    return json.loads(hits[0].proto.spec)


def assert_clean(at: AppTest, *, errors_ok: bool = False) -> None:
    """No exception, no error box (unless allowed), no ignored-URL notice, at least one chart."""
    assert not at.exception, [e.value for e in at.exception]
    if not errors_ok:
        assert not at.error, [e.value for e in at.error]
    assert not ignored_notices(at), ignored_notices(at)
    assert at.get("plotly_chart"), "no chart drawn"


def assert_state_matches(at: AppTest, params: dict, context: str = "") -> None:
    """Every preset value ended up in its control (log sliders hold log10 of the value)."""
    for key, value in params.items():
        where = (context, key) if context else key
        if f"{key}__log" in at.session_state:
            assert at.session_state[f"{key}__log"] == pytest.approx(math.log10(float(value)), abs=0.006), where
            continue
        got = at.session_state[key]
        if isinstance(got, bool):
            assert got == (value in ("1", "true")), where
        elif isinstance(got, (int, float)):
            assert got == pytest.approx(float(value)), where
        else:
            assert str(got) == value, where
