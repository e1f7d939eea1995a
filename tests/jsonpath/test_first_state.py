"""A parameter read by the first real state after a ``Start`` Pass comes from the execution
input (``$$.Execution.Input``), not from the Pass's output, which holds only what it
computed: native == pyflow's runner == moto."""
from __future__ import annotations

from typing import Any

import pytest

from pyflow.compiler import compile_workflow
from pyflow.testing import assert_agrees
from tests.differential.engines import native
from tests.jsonpath import first_state_programs as fs
from tests.jsonpath.test_jsonpath import moto_runner, run_moto  # noqa: F401 - the fixture

CASES = [(fs.reassigned_then_return, {"a": 0, "b": 7}), (fs.reassigned_then_raise, {"a": 1, "why": "no"}),
         # a first Choice reading the input merged with the parameters' defaults
         (fs.chained_with_defaults, {"x": 5}), (fs.chained_with_defaults, {"x": 10, "hi": 11}),
         (fs.chained_with_defaults, {"x": -1}), (fs.first_choice_with_defaults, {"x": 0}),
         (fs.first_choice_with_defaults, {"x": 4}), (fs.first_choice_with_defaults, {"x": 5}),
         (fs.first_choice_with_defaults, {"x": 5, "n": 9})]


@pytest.mark.parametrize("wf,execution_input", CASES, ids=lambda c: getattr(c, "__name__", "input"))
def test_first_state_reads_the_input(wf: Any, execution_input: dict[str, Any], moto_runner: Any) -> None:
    assert_agrees(wf, execution_input)
    expected = native(wf, execution_input)
    on_moto = run_moto(moto_runner, compile_workflow(wf), execution_input)
    assert expected.agrees_with(on_moto), f"native={expected} moto={on_moto}"
