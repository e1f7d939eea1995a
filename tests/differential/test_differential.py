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
    (basics.unread_parameter, {"z": 1}),
    (basics.unread_parameter, {"x": None, "z": 1}),
    (basics.reassigned_parameter, {"z": 1}),
    (basics.reassigned_parameter, {"x": 0, "z": 1}),
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


@pytest.mark.parametrize("query_language", ["jsonata", "jsonpath"])
@pytest.mark.parametrize("wf", [basics.unread_parameter, basics.reassigned_parameter])
def test_unread_parameter_is_required(wf, query_language):
    """DESIGN §2: a missing field without a default fails the execution, read or not."""
    from pyflow.testing import assert_agrees

    assert assert_agrees(wf, {"z": 1}, query_language=query_language).status == "FAILED"
    assert_agrees(wf, {"x": 2, "z": 1}, query_language=query_language)
