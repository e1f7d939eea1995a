"""A timestamp comparison on a string that is no timestamp fails the run with ValueError in
JSONPath, as ``pf.timestamp`` does natively (it was a false rule, so the run went on with the
wrong branch), and only where Python evaluates it (``and`` short-circuits): native ==
pyflow's runner == moto."""
from __future__ import annotations

from typing import Any

import pytest

from pyflow.compiler import CompileError, compile_workflow
from pyflow.testing import assert_agrees
from tests.differential.engines import native
from tests.jsonpath import timestamp_programs as tp
from tests.jsonpath.test_jsonpath import moto_runner, run_moto  # noqa: F401 - the fixture

NEW_YEAR = "2026-01-01T00:00:00Z"
CASES = [(tp.compare_two, {"a": "bad", "b": NEW_YEAR}), (tp.compare_two, {"a": NEW_YEAR, "b": "2026-13-01"}),
         (tp.compare_two, {"a": "2025-12-31T23:59:59Z", "b": NEW_YEAR}), (tp.compare_two, {"a": NEW_YEAR, "b": NEW_YEAR}),
         (tp.not_equal_to_constant, {"a": "soon"}), (tp.not_equal_to_constant, {"a": NEW_YEAR}),
         (tp.only_when_asked, {"a": "bad", "b": "bad", "check": False}),
         (tp.only_when_asked, {"a": "bad", "b": NEW_YEAR, "check": True}),
         (tp.only_when_asked, {"a": "2025-01-01T00:00:00Z", "b": NEW_YEAR, "check": True})]


@pytest.mark.parametrize("wf,execution_input", CASES, ids=lambda c: getattr(c, "__name__", "input"))
def test_an_invalid_timestamp_fails_as_in_python(wf: Any, execution_input: dict[str, Any], moto_runner: Any) -> None:
    assert_agrees(wf, execution_input)
    expected = native(wf, execution_input)
    on_moto = run_moto(moto_runner, compile_workflow(wf), execution_input)
    assert expected.agrees_with(on_moto), f"native={expected} moto={on_moto}"


def test_the_failure_is_named_valueerror() -> None:
    states = compile_workflow(tp.compare_two).definition["States"]
    fails = [s for s in states.values() if s["Type"] == "Fail" and s.get("Error") == "ValueError"]
    assert len(fails) == 1


def test_a_test_that_could_raise_valueerror_or_typeerror_is_rejected() -> None:
    """One Choice rule leads to one Fail state with one error name: ``x < 3`` on a value of
    unknown type may raise TypeError, the timestamp ValueError."""
    with pytest.raises(CompileError) as info:
        compile_workflow(f"{tp.__file__}:mixed_errors")
    assert {d.code for d in info.value.diagnostics} == {"PF130"}
