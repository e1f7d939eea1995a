"""Issue 4's constructs: native run == compiled run on sfnx, on every path
(errors raised, caught, retried, re-raised and uncaught)."""
from __future__ import annotations

import pytest

from pyflow.compiler import compile_workflow
from tests.differential.engines import check
from tests.differential.programs import concurrency, errors

CASES = [
    (errors.pay, {"amount": 10}),
    (errors.pay, {"amount": 5000}),
    (errors.pay, {"amount": -1}),
    (errors.reraise, {"amount": 5000}),
    (errors.reraise, {"amount": 5}),
    (errors.reraise, {"amount": -5}),
    (errors.raise_inside_try, {"kind": "order"}),
    (errors.raise_inside_try, {"kind": "value"}),
    (errors.raise_inside_try, {"kind": "none"}),
    (errors.nested_try, {"amount": 1}),
    (errors.nested_try, {"amount": -1}),
    (errors.nested_try, {"amount": 5000}),
    (errors.data_error_in_try, {"data": {"key": 3}}),
    (errors.data_error_in_try, {"data": {}}),
    (errors.with_retry, {"fail_times": 2, "key": "a"}),
    (errors.with_retry, {"fail_times": 5, "key": "b"}),
    (concurrency.parallel_sum, {"a": 3, "b": 4}),
    (concurrency.branch_temporaries, {"n": 0, "xs": []}),
    (concurrency.branch_temporaries, {"n": 2, "xs": [1, 2]}),
    (concurrency.comprehension, {"xs": [1, 2, 3, 4]}),
    (concurrency.comprehension, {"xs": []}),
    (concurrency.comprehension, {"xs": [7]}),
    (concurrency.for_map, {"xs": [1, 2]}),
    (concurrency.fragments, {"a": 2, "b": 9}),
    (concurrency.parent, {"n": 4}),
    (concurrency.map_error, {"xs": [1, 2, 3], "bad": 2}),
    (concurrency.map_error, {"xs": [1, 2, 3], "bad": 9}),
]


@pytest.mark.parametrize("wf,execution_input", CASES, ids=lambda v: getattr(v, "__name__", None) or str(v)[:40])
def test_native_and_compiled_agree(wf, execution_input):
    native, compiled = check(wf, execution_input, reset=errors._calls.clear)
    assert native.agrees_with(compiled), f"native={native} compiled={compiled}"


def test_retry_fields_and_catch_order() -> None:
    d = compile_workflow(errors.with_retry).definition
    task = next(s for s in d["States"].values() if s.get("Resource") == "${flaky}")
    assert task["Retry"] == [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 1, "MaxAttempts": 3, "BackoffRate": 2.0}]
    assert [c["ErrorEquals"] for c in task["Catch"]] == [["Flaky"]]


def test_subclass_is_caught_by_base_class_clause() -> None:
    d = compile_workflow(errors.reraise).definition
    catch = next(s for s in d["States"].values() if s.get("Resource") == "${charge}")["Catch"]
    assert catch[0]["ErrorEquals"] == ["OrderError", "PaymentDeclined"]


def test_fragment_states_are_prefixed_by_call_site() -> None:
    d = compile_workflow(concurrency.fragments).definition
    names = sorted(d["States"])
    assert any(n.startswith("double_then_add") for n in names)
    assert len([n for n in names if n.startswith("double_then_add") and "double" in n[16:]]) == 3


def test_nested_workflow_compiles_to_startexecution_sync2() -> None:
    compiled = compile_workflow(concurrency.parent)
    task = next(iter(compiled.definition["States"].values()))
    assert task["Resource"] == "arn:aws:states:::states:startExecution.sync:2"
    assert task["Arguments"]["StateMachineArn"] == "${child}"
    assert [c.name for c in compiled.nested] == ["child"]


def test_map_has_max_concurrency_and_item_processor() -> None:
    d = compile_workflow(concurrency.comprehension).definition
    maps = [s for s in d["States"].values() if s["Type"] == "Map"]
    assert len(maps) == 4
    assert sorted(m.get("MaxConcurrency", 0) for m in maps) == [0, 0, 0, 2]
    assert all(m["ItemProcessor"]["ProcessorConfig"]["Mode"] == "INLINE" for m in maps)
