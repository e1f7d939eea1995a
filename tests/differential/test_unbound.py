"""A variable read where the path taken did not assign it fails the run in both runs
(UnboundLocalError natively, the engine's data error compiled): native == pyflow's
runner (JSONata and JSONPath) == sfnx."""
from __future__ import annotations

import json
from typing import Any

import pytest

from pyflow.compiler import compile_workflow
from pyflow.testing import assert_agrees
from tests.differential.engines import check, native
from tests.differential.programs import unbound as u

CASES = [
    (u.maybe_in_list, {"c": True}), (u.maybe_in_list, {"c": False}),
    (u.maybe_in_fstring, {"c": True}), (u.maybe_in_fstring, {"c": False}),
    (u.maybe_tested, {"c": True}), (u.maybe_tested, {"c": False}),
    (u.loop_variable_after, {"xs": [1, 2]}), (u.loop_variable_after, {"xs": []}),
    (u.carried_between_iterations, {"xs": [2, 1]}), (u.carried_between_iterations, {"xs": [1, 2]}),
    (u.passed_to_task, {"c": True}), (u.passed_to_task, {"c": False}),
    (u.caught, {"c": True}), (u.caught, {"c": False}),
    (u.always_assigned, {"xs": [1, -2]}),
]


def _id(value: Any) -> str:
    return getattr(value, "__name__", None) or json.dumps(value)


@pytest.mark.parametrize("wf,execution_input", CASES, ids=_id)
def test_native_and_local_runner_agree(wf: Any, execution_input: dict[str, Any]) -> None:
    assert_agrees(wf, execution_input)


@pytest.mark.parametrize("wf,execution_input", CASES, ids=_id)
def test_native_and_sfnx_agree(wf: Any, execution_input: dict[str, Any]) -> None:
    expected, compiled = check(wf, execution_input)
    assert expected.agrees_with(compiled), f"native={expected} sfnx={compiled}"


@pytest.mark.parametrize("wf", [u.maybe_in_list, u.maybe_tested, u.passed_to_task])
def test_jsonpath_fails_too(wf: Any) -> None:
    """JSONPath reads a missing field as a failed state (States.Runtime)."""
    assert native(wf, {"c": False}).error == "UnboundLocalError"
    assert_agrees(wf, {"c": False}, query_language="jsonpath")


def test_no_check_where_always_assigned() -> None:
    assert "UnboundLocalError" not in json.dumps(compile_workflow(u.always_assigned).definition)
    assert "UnboundLocalError" in json.dumps(compile_workflow(u.loop_variable_after).definition)
