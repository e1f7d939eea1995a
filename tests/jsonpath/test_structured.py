"""Issue 4's constructs on the JSONPath target: try/except/finally, re-raise, Retry,
Parallel, Map (plain, filtered, side effects), fragments, nested workflows, activities
and callbacks. Every differential program of ``tests/differential/test_structured.py``
either runs on moto's Step Functions interpreter and on pyflow's runner with the native
outcome, or is rejected with PF130 naming what JSONPath cannot express."""
from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

from pyflow.diagnostics import CompileError
from tests.aslvalidator import validate_all
from tests.differential.engines import Outcome, native
from tests.differential.programs import concurrency, errors
from tests.differential.test_structured import CASES as STRUCT_CASES
from tests.jsonpath import programs
from tests.jsonpath.test_jsonpath import (  # noqa: F401 - moto_runner is a fixture
    assert_pf130,
    case_id,
    compile_jsonpath,
    moto_runner,
    run_local,
    run_moto,
)

# Programs JSONPath cannot express, each with the construct the diagnostic names.
REJECTED = {
    errors.data_error_in_try: "catching a data error",
    concurrency.parent: "`+` of any and int",
    programs.guarded_div: "catching a data error",
}

OWN_CASES = [
    (programs.nested_parent, {"n": 4}),
    (programs.guarded_div, {"items": [1, 2], "i": 5}),
    (programs.map_outer, {"xs": [1, 2, 3], "offset": 10}),
    (programs.map_outer, {"xs": [], "offset": 1}),
    (programs.parallel_catch, {"a": 3}),
    (programs.parallel_catch, {"a": -1}),
    (programs.uncaught, {"amount": -3}),
]

CASES = list(STRUCT_CASES) + OWN_CASES

# moto deviations (the run must still not go on with a different value):
# a JSONPath filter that selects nothing fails on moto (AWS and pyflow's runner: []).
MOTO_EMPTY_FILTER = {(concurrency.comprehension, json.dumps({"xs": []}))}


def run_local(compiled: Any, execution_input: dict[str, Any]) -> Outcome:
    from pyflow.local import run_definition

    def machines(c: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for child in c.nested:
            out["${" + child.name + "}"] = child.definition
            out.update(machines(child))
        return out

    tasks: dict[str, Any] = {}

    def collect(c: Any) -> None:
        tasks.update(c.task_functions())
        for child in c.nested:
            collect(child)

    collect(compiled)
    ex = run_definition(compiled.definition, execution_input, tasks=tasks, state_machines=machines(compiled))
    if ex.status == "SUCCEEDED":
        return Outcome(output=ex.output)
    return Outcome(error=ex.error)


def _reset(compiled: Any) -> None:
    """The retry program counts attempts in a module global: clear it in every copy."""
    import inspect

    errors._calls.clear()
    for fn in compiled.task_functions().values():
        calls = getattr(inspect.unwrap(getattr(fn, "fn", fn)), "__globals__", {}).get("_calls")
        if isinstance(calls, dict):
            calls.clear()


def _uses_nested(compiled: Any) -> bool:
    return "states:startExecution" in compiled.json


@pytest.mark.parametrize("wf,execution_input", CASES, ids=case_id)
def test_structured_on_jsonpath(wf: Any, execution_input: dict[str, Any], moto_runner: Any) -> None:  # noqa: F811
    if wf in REJECTED:
        assert_pf130(wf, REJECTED[wf])
        return
    compiled = compile_jsonpath(wf)
    assert '"Assign"' not in compiled.json and "{%" not in compiled.json
    _reset(compiled)
    expected = native(wf, execution_input)
    _reset(compiled)
    on_local = run_local(compiled, execution_input)
    assert expected.agrees_with(on_local), f"native={expected} local={on_local}"
    if _uses_nested(compiled):
        return  # moto's interpreter does not run nested states:startExecution; the local runner did
    _reset(compiled)
    on_moto = run_moto(moto_runner, compiled, execution_input)
    if (wf, json.dumps(execution_input)) in MOTO_EMPTY_FILTER:
        assert on_moto.error is not None, on_moto  # fails rather than going on with a wrong list
        return
    assert expected.agrees_with(on_moto), f"native={expected} moto={on_moto}"


def _definitions() -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for wf, _ in CASES:
        if wf not in REJECTED and wf.__name__ not in out:
            compiled = compile_jsonpath(wf)
            out[wf.__name__] = compiled.definition
            for child in compiled.nested:
                out[child.name] = child.definition
    for wf in (programs.activity_flow, programs.callback_flow):
        out[wf.__name__] = compile_jsonpath(wf).definition
    return out


def test_structured_definitions_pass_asl_validator() -> None:
    problems = validate_all(_definitions())
    assert not problems, json.dumps(problems, indent=2)


def test_no_variables_in_structured_definitions() -> None:
    for name, definition in _definitions().items():
        text = json.dumps(definition)
        assert '"Assign"' not in text and "{%" not in text and "$states" not in text, name


def test_catch_order_result_path_and_retry() -> None:
    d = compile_jsonpath(errors.pay).definition
    charge = d["States"]["charge"]
    assert [c["ErrorEquals"][0] for c in charge["Catch"]] == ["PaymentDeclined", "ValueError", "States.ALL"]
    assert charge["Catch"][0]["ResultPath"] == "$.err"
    reraise = next(s for s in d["States"].values() if s["Type"] == "Fail")
    assert reraise == {"Type": "Fail", "ErrorPath": "$.pf_error1.Error", "CausePath": "$.pf_error1.Cause"}
    flaky = compile_jsonpath(errors.with_retry).definition["States"]["flaky"]
    assert flaky["Retry"] == [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 1, "MaxAttempts": 3,
                               "BackoffRate": 2.0}]


def test_parallel_merges_branch_results_by_name() -> None:
    """A branch that exports one variable outputs it bare; the return right after the
    Parallel is its ResultSelector (no Pass), reading the branch outputs as ``$[i]``; a
    constant assigned before it is the branches' input (``Parameters``)."""
    d = compile_jsonpath(concurrency.parallel_sum).definition
    assert list(d["States"]) == ["Parallel"]  # `base = 100` is the branches' input: no Pass stores it
    par = d["States"]["Parallel"]
    assert par["Parameters"] == {"base": 100}
    assert par["ResultSelector"] == {"x.$": "$[0]", "y.$": "$[1]", "total.$": "States.MathAdd($[0], $[1])"}
    assert par["End"] is True
    ends = [s for b in par["Branches"] for s in b["States"].values() if s.get("End")]
    assert all("ResultSelector" not in e and "ResultPath" not in e for e in ends)


def test_map_passes_outer_locals_through_item_selector() -> None:
    d = compile_jsonpath(programs.map_outer).definition
    m = next(s for s in d["States"].values() if s["Type"] == "Map")
    assert "$$.Map.Item.Value" in m["ItemSelector"].values()
    assert m["ItemSelector"]["by.$"] == "$.by"
    assert m["MaxConcurrency"] == 3
    maps = [s for s in compile_jsonpath(concurrency.comprehension).definition["States"].values() if s["Type"] == "Map"]
    assert sorted(m.get("MaxConcurrency", 0) for m in maps) == [0, 0, 0, 2]


def test_nested_activity_callback_resources() -> None:
    nested = compile_jsonpath(programs.nested_parent)
    task = next(s for s in nested.definition["States"].values() if s["Type"] == "Task")
    assert task["Resource"] == "arn:aws:states:::states:startExecution.sync:2"
    assert task["Parameters"]["StateMachineArn"] == "${child_double}"
    act = next(s for s in compile_jsonpath(programs.activity_flow).definition["States"].values() if s["Type"] == "Task")
    assert act["Resource"] == "${review_job}"
    cb = next(s for s in compile_jsonpath(programs.callback_flow).definition["States"].values() if s["Type"] == "Task")
    assert cb["Resource"] == "arn:aws:states:::lambda:invoke.waitForTaskToken"
    assert cb["Parameters"]["Payload"]["token.$"] == "$$.Task.Token"


def test_state_counts() -> None:
    kinds = Counter(s["Type"] for s in compile_jsonpath(errors.reraise).definition["States"].values())
    assert kinds == {"Task": 2, "Fail": 1}
