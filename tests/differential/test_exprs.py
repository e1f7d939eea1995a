"""Expressions whose JSONata spelling differs from Python's meaning: native run ==
compiled run on sfnx and on pyflow's runner (DESIGN §1)."""
from __future__ import annotations

import json
from typing import Any

import pytest

from pyflow.compiler import compile_workflow
from pyflow.local import run_definition
from tests.differential.engines import Outcome, check, native
from tests.differential.programs import exprs

CASES = {
    exprs.bool_equals_int: [{"a": True, "b": 1}, {"a": False, "b": 0}, {"a": True, "b": 2}, {"a": False, "b": 1}],
    exprs.untyped_equals: [{"a": True, "b": 1}, {"a": 1, "b": 1.0}, {"a": False, "b": 0}, {"a": "1", "b": 1},
                           {"a": [1, {"x": True}], "b": [True, {"x": 1.0}]}, {"a": {"x": []}, "b": {"x": [False]}},
                           {"a": [[]], "b": [[]]}, {"a": [True], "b": True}, {"a": None, "b": 0}],
    exprs.deep_equals: [{"xs": [1, 1], "d": {"a": 1}}, {"xs": [True, [1]], "d": {"a": 2}}, {"xs": [], "d": {}},
                        {"xs": [[True]], "d": {"a": True, "b": 1}}],
    exprs.repeat: [{"s": "ab", "xs": [1, [2]], "n": 3}, {"s": "ab", "xs": [[1]], "n": 1},
                   {"s": "ab", "xs": [1], "n": 0}, {"s": "", "xs": [], "n": -2}],
    exprs.untyped_times: [{"a": 2, "b": 3.5}, {"a": True, "b": "xy"}, {"a": [1], "b": 2}, {"a": "x", "b": 2.5},
                          {"a": {}, "b": 2}, {"a": 3, "b": False}],
    # every kind of left operand against each side whose type is known
    exprs.times_known: [{"a": a, "n": 2, "f": 0.5, "s": "xy", "xs": [1, [2]], "b": True, "op": op}
                        for op in ("int", "float", "str", "list", "bool")
                        for a in (3, 2.5, True, False, "ab", [1], {}, -1, 0)],
    exprs.bool_arithmetic: [{"a": True, "n": 3}, {"a": False, "n": -1}],
    exprs.list_order: [{"a": [1], "b": [2]}, {"a": [1, 2], "b": [1]}, {"a": [], "b": []},
                       {"a": [[1], "a"], "b": [[1], "b"]}, {"a": [True], "b": [1]}, {"a": [1, "a"], "b": [1, 2]}],
    exprs.untyped_order: [{"a": "a", "b": "b"}, {"a": 2, "b": 1.5}, {"a": [1], "b": [1, 0]}, {"a": False, "b": 0},
                          {"a": True, "b": 2}, {"a": "a", "b": 1}],
    exprs.dict_views: [{"d": {"b": [1], "a": {"x": 2}, "c": [[3]]}}, {"d": {}}, {"d": {"z": []}}],
    exprs.iterate_dict: [{"d": {"b": 1, "a": [2]}}, {"d": {}}],
    exprs.iterate_untyped: [{"d": {"b": 1, "a": 2}}, {"d": "xyz"}, {"d": [3, 4]}, {"d": 5}],
    exprs.comprehensions: [{"d": {"b": 1, "a": 2}, "s": "héllo"}, {"d": {}, "s": ""}, {"d": {"q": 1}, "s": "a"}],
    exprs.map_over_untyped: [{"d": {"q": 1, "p": 2}}, {"d": "ab"}, {"d": ["x"]}, {"d": 3}],
    exprs.set_list_item: [{"xs": [1, 2, 3], "i": 1}, {"xs": [1], "i": 0}, {"xs": [1, 2], "i": -2},
                          {"xs": [1, 2], "i": 2}, {"xs": [1, 2], "i": -3}, {"xs": [], "i": 0}],
    exprs.module_tasks: [{"x": 1}],
    exprs.unpack_any: [{"t": [1, 2], "s": "ab", "d": {"x": 1, "y": 2}}, {"t": "xy", "s": "é😀", "d": {"b": 0, "a": 1}},
                       {"t": {"k": 1, "j": 2}, "s": "ab", "d": {"x": 1, "y": 2}},
                       {"t": [1, 2, 3], "s": "ab", "d": {"x": 1, "y": 2}}, {"t": [1, 2], "s": "abc", "d": {"x": 1, "y": 2}},
                       {"t": [1, 2], "s": "ab", "d": {"x": 1}}, {"t": 5, "s": "ab", "d": {"x": 1, "y": 2}}],
    exprs.fnmatch_specials: [{"name": n} for n in ["a\\xyzb", "a*b", "]x", "xa-/x", "x]/x", "b\\[", "a\\[", "f.c", "]a[", "\\x["]],
    exprs.randint_bounds: [{"a": 1, "b": 5}, {"a": 3, "b": 3}, {"a": -2, "b": -1}, {"a": 5, "b": 1}],
    exprs.comprehension_over_range: [{"n": 4}, {"n": 0}, {"n": -1}],
    exprs.unpack_in_for: [{"pairs": [[1, 2], "ab", {"k": 1, "j": 2}]}, {"pairs": []}, {"pairs": [[1, 2], [1, 2, 3]]},
                          {"pairs": [[1]]}, {"pairs": [None]}],
    exprs.set_untyped_item: [{"xs": [1, 2], "i": True}, {"xs": {"a": 1}, "i": "b"}, {"xs": "ab", "i": 0},
                             {"xs": [1], "i": 0.5}],
}

ALL = [(wf, i) for wf, inputs in CASES.items() for i in inputs]


def _id(value: Any) -> str:
    return getattr(value, "__name__", None) or json.dumps(value)[:40]


@pytest.mark.parametrize("wf,execution_input", ALL, ids=_id)
def test_native_and_sfnx_agree(wf: Any, execution_input: dict[str, Any]) -> None:
    expected, compiled = check(wf, execution_input)
    assert expected.agrees_with(compiled), f"native={expected} sfnx={compiled}"


@pytest.mark.parametrize("wf,execution_input", ALL, ids=_id)
def test_native_and_local_runner_agree(wf: Any, execution_input: dict[str, Any]) -> None:
    expected = native(wf, execution_input)
    compiled = compile_workflow(wf)
    ex = run_definition(compiled.definition, execution_input, tasks=compiled.task_functions())
    got = Outcome(output=ex.output) if ex.status == "SUCCEEDED" else Outcome(error=ex.error)
    assert expected.agrees_with(got), f"native={expected} local={got}"


def test_plain_comparisons_stay_plain() -> None:
    """Where no bool can meet a number (two strs, two ints, a list against []) the
    comparison is JSONata's own operator, not the Python-equality helper."""
    text = json.dumps(compile_workflow(exprs.iterate_dict).definition)
    assert "$__eq" not in text


@pytest.mark.parametrize("execution_input", [{"a": 3, "b": 3}, {"a": -2, "b": -1}, {"a": 5, "b": 1}])
def test_randint_jsonpath(execution_input: dict[str, Any]) -> None:
    """States.MathRandom includes its end (pyflow's runner and moto agree), as randint does."""
    from pyflow.testing import assert_agrees

    for _ in range(5):
        assert_agrees(exprs.randint_bounds, execution_input, query_language="jsonpath")
