"""Issues 19 and 21: the first state reads the inputs from ``$`` only where the entry's
values stay pending into it (else a ``Start`` Pass's output is its document):
native == pyflow's runner == moto."""
from __future__ import annotations

from typing import Any

import pytest

from tests.jsonpath import plain_first_programs as pf
from tests.jsonpath.test_jsonpath import assert_jsonpath_agrees, case_id, compile_jsonpath, moto_runner  # noqa: F401

CASES = [
    (pf.three_params, {"a": 1, "xs": [1, 2], "b": 3}),
    (pf.three_params, {"a": 1, "xs": [], "b": 0}),
    (pf.two_params, {"a": 1, "xs": [1, 2]}),
    (pf.two_params, {"a": 1, "xs": []}),
    (pf.no_unread_param, {"xs": [4], "b": 2}),
    (pf.reassigned_twice, {"a": 1, "xs": [7, 8], "b": 3}),
    (pf.reassigned_twice, {"a": 1, "xs": [], "b": 3}),
    (pf.index_then_const, {"a": 0, "xs": [1, 2], "b": 9}),
    (pf.index_then_const, {"a": 0, "xs": [1], "b": 9}),
    (pf.read_in_branch, {"a": 1, "xs": [1], "b": 3}),
    (pf.read_in_branch, {"a": 1, "xs": [1], "b": 1}),
    (pf.loop_after, {"a": 1, "xs": [1, 3, 5], "b": 3}),
    (pf.loop_after, {"a": 1, "xs": [], "b": 3}),
    (pf.while_after, {"a": 1, "xs": [1], "b": 3}),
    (pf.while_after, {"a": 1, "xs": [1], "b": 0}),
    (pf.task_replaces, {"a": 1, "xs": [1, 2], "b": 4}),
]


@pytest.mark.parametrize("wf,execution_input", CASES, ids=case_id)
def test_inputs_survive_a_start_pass(wf: Any, execution_input: dict[str, Any], moto_runner: Any) -> None:
    assert_jsonpath_agrees(wf, execution_input, moto_runner)


@pytest.mark.parametrize("wf", sorted({wf for wf, _ in CASES}, key=case_id), ids=case_id)
def test_no_input_read_from_a_start_pass(wf: Any) -> None:
    """Behind the Start Pass, no state reads an input field from ``$``: only the Start Pass's
    own fields are there."""
    states = compile_jsonpath(wf).definition["States"]
    start = states["Start"]
    assert start["Type"] == "Pass"
    kept = {k.removesuffix(".$") for k in start.get("Parameters", {})}
    text = str({sid: st for sid, st in states.items() if sid != "Start"})
    for field in ("xs", "b"):
        if field not in kept:
            assert f"'$.{field}'" not in text, states
