"""``< <= > >= == !=`` on operands of unknown type, JSONPath target: the Choice rules are
guarded by type tests, so the compiled run (on moto's Step Functions interpreter and on
pyflow's runner) gives the native run's answer for every kind of value, and fails with
TypeError where Python raises it. What no Choice rule can decide (two values that may
both be lists or dicts) stays PF130."""
from __future__ import annotations

import json
from typing import Any

import pytest

from pyflow.diagnostics import CompileError
from tests.aslvalidator import validate_all
from tests.differential.engines import native
from tests.jsonpath import compare_programs as cp
from tests.jsonpath.test_jsonpath import (  # noqa: F401 - moto_runner is a fixture
    assert_jsonpath_agrees,
    case_id,
    compile_jsonpath,
    moto_runner,
)

# one value of every kind (and the numbers that make a bool differ from an int)
VALUES: list[Any] = [2, 1, -1, 2.5, 0.0, True, False, "b", "", "2", None, [1], [], {"k": 1}, {}]

CASES: dict[Any, list[dict[str, Any]]] = {
    cp.order_vs_int: [{"a": a, "n": 1} for a in VALUES] + [{"a": True, "n": 2}, {"a": False, "n": 0}],
    cp.int_vs_order: [{"a": a, "n": 1} for a in VALUES],
    cp.order_vs_float: [{"a": a, "x": 1.5} for a in (2, 1, 1.5, True, "x", None, [1.5], {})],
    cp.order_vs_bool: [{"a": a, "b": b} for b in (True, False) for a in (1, 0, 0.5, -2, True, False, "", None, [])],
    cp.order_vs_str: [{"a": a, "s": "b"} for a in ("a", "b", "c", "", "ba", "B", "é", 1, True, None, ["b"], {})]
    + [{"a": "z", "s": "é"}, {"a": "\U0001F600", "s": "\u00ff"}],
    cp.order_vs_constants: [{"a": a} for a in (3, 2, 1.5, 1, 0.5, 0, -1, True, False, "2", None, [2], {"a": 2})],
    cp.order_vs_text: [{"a": a} for a in ("a", "b", "m", "n", "", 1, False, None, ["a"], {})],
    cp.order_vs_none: [{"a": a} for a in (1, "a", None, True, [], {})],
    cp.typed_mismatch: [
        {"d": {"a": 1}, "xs": [1], "s": "1", "n": 1, "b": True},
        {"d": {}, "xs": [], "s": "", "n": 0, "b": False},
        {"d": {}, "xs": [], "s": "x", "n": 1, "b": False},
        {"d": {}, "xs": [], "s": "x", "n": 2, "b": True},
        {"d": {}, "xs": [], "s": "x", "n": -1, "b": True},
    ],
    cp.dict_order: [{"d": {}, "n": 1}, {"d": {"a": 1}, "n": 0}],
    cp.task_result_order: [{"a": a, "n": 1} for a in (2, 1, 0.5, True, False, "2", None, [2], {})],
    cp.equals_vs_typed: [{"a": a, "n": 1, "x": 1.0, "s": "1", "b": True} for a in VALUES + [1.0, "1"]]
    + [{"a": a, "n": 0, "x": 2.5, "s": "", "b": False} for a in (0, 0.0, False, True, "", 2.5, None, [], {})],
    cp.equals_vs_constants: [{"a": a} for a in VALUES + [1.0, "1", 0]],
    cp.guarded_logic: [{"a": a, "n": 1} for a in (0, 1, 2, True, False, "a", None, [], {"k": 1})],
    cp.elif_chain: [{"a": a, "n": 1} for a in ("stop", 0, 1, 2, True, 0.5, "go", None, [])],
    cp.count_up: [{"limit": v} for v in (3, 2.5, 0, -1, True, False, "3", None, [3], {})],
    cp.caught_type_error: [{"a": a, "n": 1} for a in (0, 1, 2, True, "a", None, [], {})],
    cp.while_in_map: [{"xs": [2, 0.5, True, -1]}, {"xs": []}, {"xs": [1, "a"]}, {"xs": [None]}, {"xs": [[1]]}],
    cp.empty_collections: [{"a": a, "xs": xs, "d": d, "n": 0}
                           for a, xs, d in (([], [], {}), ({}, [None], {"k": None}), ("[]", [[]], {}), ("{}", [], {"": 0}),
                                            (0, [0], {}), (None, [], {}), (False, [], {}), ([0], [], {}), ({"k": 1}, [], {}))],
}

ALL = [(wf, i) for wf, inputs in CASES.items() for i in inputs]

REJECTED = {
    cp.maybe_lists_order: "`<` between two values that may both be lists",
    cp.maybe_lists_equal: "`==` between two values that may both be dicts",
    cp.untyped_both: "`==` between two values that may both be dicts or lists",
    cp.equals_nonempty_list: "`==` with a non-empty list or dict",
}


@pytest.mark.parametrize("wf,execution_input", ALL, ids=case_id)
def test_agrees_with_native(wf: Any, execution_input: dict[str, Any], moto_runner: Any) -> None:
    assert_jsonpath_agrees(wf, execution_input, moto_runner, tolerant=False)


def test_inputs_cover_every_outcome() -> None:
    """The cases above are not vacuous: TypeError, and both answers of each test, happen."""
    errors = {wf.__name__ for wf, i in ALL if native(wf, i).error == "TypeError"}
    assert errors >= {"order_vs_int", "int_vs_order", "order_vs_float", "order_vs_bool", "order_vs_str",
                      "order_vs_constants", "order_vs_text", "order_vs_none", "typed_mismatch", "dict_order",
                      "task_result_order", "guarded_logic", "elif_chain", "count_up"}
    assert native(cp.caught_type_error, {"a": "a", "n": 1}).output == "type error"
    assert native(cp.equals_vs_typed, {"a": True, "n": 1, "x": 1.0, "s": "1", "b": True}).output == "start|n|b"


@pytest.mark.parametrize("wf", sorted(REJECTED, key=case_id), ids=case_id)
def test_what_no_rule_decides_is_pf130(wf: Any) -> None:
    with pytest.raises(CompileError) as info:
        compile_jsonpath(wf)
    (diag,) = info.value.diagnostics
    assert diag.code == "PF130" and REJECTED[wf] in diag.message, info.value.render()
    assert "jsonata" in diag.help


def test_every_definition_passes_asl_validator() -> None:
    problems = validate_all({wf.__name__: compile_jsonpath(wf).definition for wf in CASES})
    assert not problems, json.dumps(problems, indent=2)


def test_type_error_is_tested_first_and_fails_the_run() -> None:
    """`if a < n` (a unknown, n an int): the Choice's first rule sends anything that is
    neither a number nor a bool to a Fail with Python's error name."""
    d = compile_jsonpath(cp.dict_order).definition
    choice = next(s for s in d["States"].values() if s["Type"] == "Choice")
    # a dict is never ordered against an int: the test always fails the run
    assert choice["Choices"][0]["Next"] == "TypeError_comparison"
    d = compile_jsonpath(cp.order_vs_int).definition
    choice = next(s for s in d["States"].values() if s["Type"] == "Choice")
    first = choice["Choices"][0]
    assert first["Next"] == "TypeError_comparison"
    assert first["Not"] == {"Or": [{"Variable": "$$.Execution.Input.a", "IsNumeric": True},
                                   {"Variable": "$$.Execution.Input.a", "IsBoolean": True}]}
    fail = d["States"]["TypeError_comparison"]
    assert fail["Type"] == "Fail" and fail["Error"] == "TypeError"


def test_a_map_item_compared_in_a_while() -> None:
    """The Map's item is assigned on entry to its body: the while's Pass may carry it."""
    d = compile_jsonpath(cp.while_in_map).definition
    (m,) = [s for s in d["States"].values() if s["Type"] == "Map"]
    inner = m["ItemProcessor"]["States"]
    assert any(s["Type"] == "Choice" for s in inner.values())
    assert any(s.get("Next") == "TypeError_comparison" for c in inner.values() for s in c.get("Choices", []))


def test_equality_never_fails_the_run() -> None:
    """Python's `==` never raises: no Choice of an equality goes to a Fail."""
    for wf in (cp.equals_vs_typed, cp.equals_vs_constants):
        d = compile_jsonpath(wf).definition
        assert not any(s["Type"] == "Fail" for s in d["States"].values()), wf.__name__
