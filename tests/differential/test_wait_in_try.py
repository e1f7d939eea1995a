"""A computed Wait inside ``try`` is caught as in Python (JSONata): native == sfnx ==
pyflow's runner. In JSONPath a bad Wait value is ``States.Runtime``, which no Catch
catches; the native run mirrors that (both fail)."""
from __future__ import annotations

from typing import Any

import pytest

from pyflow.testing import assert_agrees
from tests.differential.engines import check
from tests.differential.programs import waits

CASES = [
    (waits.wait_caught, {"x": 3}), (waits.wait_caught, {"x": -1}), (waits.wait_caught, {"x": 1.5}),
    (waits.wait_caught, {"x": "soon"}), (waits.wait_caught, {"x": None}),
    (waits.wait_until_caught, {"when": "2026-01-01T00:00:00Z"}), (waits.wait_until_caught, {"when": "tomorrow"}),
    (waits.wait_until_caught, {"when": 5}),
    (waits.wait_from_task, {"kind": "short"}), (waits.wait_from_task, {"kind": "negative"}),
    (waits.wait_from_task, {"kind": "fraction"}), (waits.wait_from_task, {"kind": "missing"}),
]


def _id(case: Any) -> str:
    return getattr(case, "__name__", None) or str(case)


@pytest.mark.parametrize("wf,execution_input", CASES, ids=_id)
def test_caught_like_python_on_sfnx_and_the_runner(wf: Any, execution_input: dict[str, Any]) -> None:
    expected, on_sfnx = check(wf, execution_input)
    assert expected.agrees_with(on_sfnx), f"native={expected} sfnx={on_sfnx}"
    assert_agrees(wf, execution_input)


def test_a_bad_value_is_caught_not_fatal() -> None:
    expected, on_sfnx = check(waits.wait_caught, {"x": -1})
    assert expected.output == on_sfnx.output == "States.QueryEvaluationError"


@pytest.mark.parametrize("wf,execution_input", CASES, ids=_id)
def test_jsonpath_runs_agree(wf: Any, execution_input: dict[str, Any]) -> None:
    assert_agrees(wf, execution_input, query_language="jsonpath")
