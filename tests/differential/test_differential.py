"""Native run == compiled run on an independent engine (sfnx), for every program."""
from __future__ import annotations

import pytest

from tests.differential.engines import check
from tests.differential.programs import basics, control

CASES = [
    (basics.arithmetic, {"a": 7, "b": 3}),
    (basics.arithmetic, {"a": -7, "b": 2}),
    (basics.arithmetic, {"a": 7, "b": 0}),
    (basics.strings, {"name": "world", "n": 5}),
    (basics.strings, {"name": "x", "n": 1}),
    (basics.collections, {"items": [1, "a", [2]], "extra": {"a": 1}}),
    (basics.collections, {"items": [], "extra": {}}),
    (basics.truthiness, {"values": [0, 1, "", "s", [], [0], {}, {"a": 1}, None, True, False, 2.5]}),
    (basics.task_values, {"n": 4}),
    (basics.task_values, {"n": 0}),
    (basics.task_values, {"n": 1}),
    (basics.missing_key, {"data": {"present": 1}}),
    (basics.missing_key, {"data": {"missing": [1]}}),
    (basics.defaults, {"a": 1}),
    (basics.defaults, {"a": 1, "b": 2, "c": "y"}),
    (basics.defaults, {}),
    (basics.keyword_only, {"x": 3}),
    (basics.keyword_only, {"x": 3, "y": -1}),
    (control.classify, {"n": -5}),
    (control.classify, {"n": 0}),
    (control.classify, {"n": 4}),
    (control.classify, {"n": 7}),
    (control.classify, {"n": 50}),
    (control.classify, {"n": 500}),
    (control.loop_until, {"limit": 20}),
    (control.loop_until, {"limit": 0}),
    (control.for_loop, {"xs": [1, -2, 3]}),
    (control.for_loop, {"xs": [1, 99, 3]}),
    (control.for_loop, {"xs": [5, 5000]}),
    (control.for_loop, {"xs": []}),
    (control.nested, {"a": 2, "b": 3}),
    (control.waits, {"seconds": 3}),
    (control.fails, {"kind": "raise"}),
    (control.fails, {"kind": "fail"}),
    (control.fails, {"kind": "task"}),
    (control.fails, {"kind": "none"}),
    (control.ranges, {"n": 5}),
    (control.ranges, {"n": 0}),
]


@pytest.mark.parametrize("wf,execution_input", CASES, ids=lambda v: getattr(v, "__name__", None) or str(v)[:40])
def test_native_and_compiled_agree(wf, execution_input):
    native, compiled = check(wf, execution_input)
    assert native.agrees_with(compiled), f"native={native} compiled={compiled}"
