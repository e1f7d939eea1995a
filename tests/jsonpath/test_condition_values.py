"""Tests used as values on the JSONPath target: a Choice decides the test and each way out
stores the value (``True``/``False``, the chosen operand, or the operand ``and``/``or``
returns) in the state document, then the ways join. Each program runs natively, on moto's
Step Functions interpreter and on pyflow's local runner with the same outcome (TypeError
where Python raises; an operand on the way not taken is never read)."""
from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

from pyflow.diagnostics import CompileError
from tests.aslvalidator import validate_all
from tests.differential.engines import native
from tests.differential.programs import basics, boundaries, exprs
from tests.differential.test_exprs import CASES as EXPR_CASES
from tests.jsonpath import condition_programs as cp
from tests.jsonpath.test_jsonpath import (  # noqa: F401 - moto_runner is a fixture
    assert_jsonpath_agrees,
    assert_pf130,
    case_id,
    compile_jsonpath,
    moto_runner,
)

# one value of every kind
VALUES: list[Any] = [2, 1, 0, 2.5, True, False, "b", "", None, [1], [], {"k": 1}, {}]

CASES: dict[Any, list[dict[str, Any]]] = {
    cp.every_comparison: [{"a": a, "n": 1} for a in VALUES],
    cp.equality_only: [{"a": a, "s": "b"} for a in VALUES],
    cp.membership: [{"d": {"k": 0}, "s": "xy", "xs": ["xy"]}, {"d": {}, "s": "", "xs": []},
                    {"d": {"j": 1}, "s": "a", "xs": ["b", "a"]}],
    cp.choose_missing: [{"d": {}, "use": False}, {"d": {"k": 3}, "use": True}, {"d": {}, "use": True}],
    cp.operands: [{"a": a, "b": b} for a, b in ((0, "x"), ([], 1), ("s", 0), (None, []), (1, 2), ({}, False),
                                                 (True, None), (0.0, ""), ([0], {"k": 1}))],
    cp.or_missing: [{"d": {}, "a": "set"}, {"d": {"k": 5}, "a": 0}, {"d": {}, "a": ""}],
    cp.nested: [{"a": a, "n": 1, "s": s} for a in (3, 1, 0, "z", None, True) for s in ("x", "y", "")],
    cp.in_loop: [{"xs": [], "limit": 1}, {"xs": [0, 1, 2, 1.5, True], "limit": 1}, {"xs": [1, "a"], "limit": 1}],
    cp.in_while: [{"n": 0}, {"n": 4}],
    cp.in_try: [{"a": a, "n": 1} for a in (2, 1, 0.5, True, "a", None, [])],
    cp.after_task: [{"a": a, "n": 1} for a in (1, 1.0, True, 2, "1", None, [1])],
    cp.task_argument: [{"a": a, "n": 1} for a in (2, 1, False, "a")],
    cp.compared_test: [{"a": a, "b": 1, "c": c} for a in (0, 1) for c in (True, False, 1, 0, "x", None)],
    cp.conditional_test: [{"a": a, "b": b, "c": c} for c in (True, False) for a, b in ((0, "x"), ([1], {}), ("", None))],
    cp.map_over_conditional: [{"xs": ["a", "b"], "ys": [], "c": True}, {"xs": ["a"], "ys": ["z"], "c": False}],
    # (a filter keeping nothing fails on moto: `$[?(@.keep == true)].value` "could not be found")
    cp.filters: [{"xs": [1, 0, "a", "", None, [], [0], {}, True, False, 2.5], "c": c} for c in (1, "a", [0])],
    # differential programs this unblocked
    exprs.bool_equals_int: EXPR_CASES[exprs.bool_equals_int],
    boundaries.child: [{"x": 2}, {"x": -1}, {"x": 0}],
}

ALL = [(wf, i) for wf, inputs in CASES.items() for i in inputs]

# what stays PF130, with the exact reason
REJECTED = {
    exprs.deep_equals: "`==` with a non-empty list or dict",
    exprs.list_order: "between two values that may both be lists",
    basics.collections: "len() of a dict",
    cp.elif_compared: "a comparison or and/or used as a value inside an elif test",
    cp.argument_in_try: "a test used as a value that may raise (TypeError of `<`, a missing key ...) inside a try",
    cp.conditional_after_and: "a conditional expression `a if c else b` inside an elif test or on the right of and/or",
}


@pytest.mark.parametrize("wf,execution_input", ALL, ids=case_id)
def test_agrees_with_native(wf: Any, execution_input: dict[str, Any], moto_runner: Any) -> None:
    assert_jsonpath_agrees(wf, execution_input, moto_runner, tolerant=False)


def test_inputs_cover_every_outcome() -> None:
    """Not vacuous: TypeError, a caught TypeError, a missing key on the way taken, and
    and/or returning operands all happen natively."""
    assert native(cp.every_comparison, {"a": "b", "n": 1}).error == "TypeError"
    assert native(cp.in_try, {"a": "a", "n": 1}).output == "type error"
    assert native(cp.choose_missing, {"d": {}, "use": False}).output == ["default", "none"]
    assert native(cp.choose_missing, {"d": {}, "use": True}).error
    assert native(cp.operands, {"a": 0, "b": "x"}).output == ["x", 0, "x", 0]
    assert native(cp.operands, {"a": [], "b": 1}).output == [1, [], 1, []]
    assert native(cp.task_argument, {"a": "a", "n": 1}).error == "TypeError"


def test_parent_of_unblocked_child_runs_locally() -> None:
    """`parent_uncaught` runs `child` as a nested execution (moto has none): pyflow's runner."""
    from pyflow.testing import assert_agrees

    assert assert_agrees(boundaries.parent_uncaught, {"x": -1}, query_language="jsonpath").error == "States.TaskFailed"
    assert assert_agrees(boundaries.parent_uncaught, {"x": 2}, query_language="jsonpath").output == 3


@pytest.mark.parametrize("wf", sorted(REJECTED, key=case_id), ids=case_id)
def test_what_stays_pf130(wf: Any) -> None:
    error = assert_pf130(wf, REJECTED[wf])
    if wf.__module__ != cp.__name__:
        assert not any("used as a value" in d.message for d in error.diagnostics)


def test_every_definition_passes_asl_validator() -> None:
    problems = validate_all({wf.__name__: compile_jsonpath(wf).definition for wf in CASES})
    assert not problems, json.dumps(problems, indent=2)


def test_a_bool_value_costs_a_choice_and_two_passes() -> None:
    """`return [a == b, ...]`: per test one Choice and one Pass on each way out storing
    true/false with Result/ResultPath (the document kept); the last pair makes the output."""
    d = compile_jsonpath(exprs.bool_equals_int).definition
    kinds = Counter(s["Type"] for s in d["States"].values())
    assert kinds == {"Choice": 4, "Pass": 8}
    stored = [s for s in d["States"].values() if "ResultPath" in s]
    assert sorted(s["Result"] for s in stored) == [False] * 3 + [True] * 3
    ends = [s for s in d["States"].values() if s.get("End")]
    assert len(ends) == 2 and all(s["OutputPath"] == "$.return" for s in ends)


def test_conditional_argument_is_chosen_before_the_task() -> None:
    """`boom("boom" if x < 0 else "ok")`: a Choice, a Pass per way, then the task."""
    d = compile_jsonpath(boundaries.child).definition
    kinds = Counter(s["Type"] for s in d["States"].values())
    assert kinds["Task"] == 1 and kinds["Choice"] == 2  # `if x == 0` and the conditional
