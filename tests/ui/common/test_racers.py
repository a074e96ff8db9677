"""The racer editor's hyper-parameter controls: every optimizer's weight decay reaches 0 and
HW3's 10⁻⁵ (a box, not a slider stepping by 10⁻³), and a box's value is what it shows, in
the page and in the URL."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from optim_lab.optimizers import OPTIMIZERS
from tests import apptest
from ui.common.racers import param_control
from ui.shell import PAGE_BY_ID

WD = "o1_h_weight_decay"
WITH_WD = [n for n, s in OPTIMIZERS.items() if any(p.name == "weight_decay" for p in s.params)]


class _Recorder:
    """Stands in for `sh.controls`: records which control param_control draws."""

    def __init__(self):
        self.calls = []

    def _record(self, kind, key, label, lo, hi, default, **kw):
        self.calls.append(SimpleNamespace(kind=kind, lo=lo, hi=hi, default=default, **kw))
        return default

    def number(self, *a, **kw):
        return self._record("number", *a, **kw)

    def slider(self, *a, **kw):
        return self._record("slider", *a, **kw)

    def log_slider(self, *a, **kw):
        return self._record("log_slider", *a, **kw)


def test_there_are_optimizers_with_weight_decay():
    assert {"sgd", "adam", "adamw"} <= set(WITH_WD)


@pytest.mark.parametrize("name", WITH_WD)
def test_weight_decay_is_a_box_from_zero_that_shows_small_values(name):
    p = next(p for p in OPTIMIZERS[name].params if p.name == "weight_decay")
    controls = _Recorder()
    param_control(SimpleNamespace(lang="en", controls=controls), WD, p, None)
    (call,) = controls.calls
    assert call.kind == "number" and call.lo == 0.0 and call.hi >= 1.0
    for small in (1e-6, 1e-5, 3e-4):  # the box shows them as themselves, not as 0 or 0.001
        assert float(f"{small:{call.fmt[1:]}}") == small
    assert 0 < call.step <= max(call.default / 10, 1e-5)


def _query(at) -> dict:
    return {k: (v[0] if isinstance(v, list) else v) for k, v in at.query_params.items()}


def _playground(params: dict):
    return apptest.open_page(PAGE_BY_ID["playground"].path, "en", {"n": "1", "steps": "20"} | params)


def test_a_typed_weight_decay_is_rounded_to_what_the_box_shows():
    at = _playground({"o1": "adam"})
    box = at.number_input(key=WD)
    assert box.value == 0.0 and box.format == "%.3g"
    box.set_value(1.23456e-6).run()
    assert not at.exception
    assert at.number_input(key=WD).value == 1.23e-6 and _query(at)[WD] == "1.23e-06"
    at.number_input(key=WD).set_value(1e-5).run()
    assert at.number_input(key=WD).value == 1e-5 and _query(at)[WD] == "1e-05"
    at.number_input(key=WD).set_value(0.0).run()
    assert at.number_input(key=WD).value == 0.0 and WD not in _query(at)  # the default stays out of the URL


def test_adamw_goes_down_to_zero_and_a_linked_value_is_rounded():
    at = _playground({"o1": "adamw", WD: "2.34567e-05"})
    assert not apptest.ignored_notices(at)
    assert at.number_input(key=WD).value == 2.35e-5 and _query(at)[WD] == "2.35e-05"
    at.number_input(key=WD).set_value(0.0).run()
    assert at.number_input(key=WD).value == 0.0 and _query(at)[WD] == "0"  # AdamW's default is 0.01
