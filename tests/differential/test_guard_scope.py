"""Only a try whose handlers would catch a data error guards its failing expressions:
native == sfnx == pyflow's runner (JSONata) for both kinds, and the unguarded ones also
compile to JSONPath, where no Catch could see an expression's failure anyway."""
from __future__ import annotations

from typing import Any

import pytest

from pyflow.compiler import compile_workflow
from pyflow.diagnostics import CompileError
from pyflow.testing import assert_agrees
from tests.differential.engines import check
from tests.differential.programs import guard_scope as g
from tests.jsonpath.test_jsonpath import assert_agree, moto_runner  # noqa: F401 - the fixture

UNGUARDED = [g.not_caught_by_a_named_handler]
# `except TaskFailed` does not catch a data error (native, sfnx, the runner), but moto's
# interpreter catches its own error for a missing path with it: guarded, so JSONPath rejects it
GUARDED = [g.not_caught_by_task_failed, g.caught_by_lookup_error, g.caught_by_an_outer_handler, g.caught_by_finally,
           g.handler_fails_under_finally, g.else_fails_under_finally]
KEYS = ["ok", "partial", "reject", "other"]
CASES = [(wf, {"key": k}) for wf in UNGUARDED + GUARDED for k in KEYS]


def _id(case: Any) -> str:
    return getattr(case, "__name__", None) or str(case)


def _types(wf: Any, query_language: str = "jsonata") -> list[str]:
    states = compile_workflow(wf, query_language=query_language).definition["States"]
    return [s["Type"] for s in states.values()]


@pytest.mark.parametrize("wf,execution_input", CASES, ids=_id)
def test_native_agrees_with_sfnx_and_the_runner(wf: Any, execution_input: dict[str, Any]) -> None:
    expected, on_sfnx = check(wf, execution_input)
    assert expected.agrees_with(on_sfnx), f"native={expected} sfnx={on_sfnx}"
    assert_agrees(wf, execution_input)


def test_a_missing_key_fails_the_run_past_a_handler_that_does_not_catch_it() -> None:
    expected, on_sfnx = check(g.not_caught_by_a_named_handler, {"key": "partial"})
    assert expected.error == "KeyError" and on_sfnx.error == "States.QueryEvaluationError"
    expected, on_sfnx = check(g.not_caught_by_task_failed, {"key": "partial"})
    assert expected.error == "KeyError" and on_sfnx.error == "States.QueryEvaluationError"
    assert check(g.not_caught_by_task_failed, {"key": "reject"})[1].output == ["task failed", "Rejected"]


def test_a_handler_that_catches_data_errors_still_sees_them() -> None:
    assert check(g.caught_by_lookup_error, {"key": "partial"})[1].output == "missing"
    assert check(g.caught_by_an_outer_handler, {"key": "partial"})[1].output == "outer States.QueryEvaluationError"
    assert check(g.caught_by_finally, {"key": "partial"})[1].error == "States.QueryEvaluationError"


def test_finally_sees_the_failure_of_an_except_or_else_block() -> None:
    # was: the handler's failing lookup was not guarded, so `finally` never ran compiled
    assert check(g.handler_fails_under_finally, {"key": "reject"})[1].output == "finally"
    assert check(g.else_fails_under_finally, {"key": "partial"})[1].output == ["finally"]
    assert check(g.else_fails_under_finally, {"key": "ok"})[1].output == [3, "finally"]


@pytest.mark.parametrize("wf", UNGUARDED, ids=_id)
def test_no_guard_where_nothing_would_catch(wf: Any) -> None:
    assert "Parallel" not in _types(wf)


@pytest.mark.parametrize("wf", GUARDED, ids=_id)
def test_a_guard_where_a_handler_would_catch(wf: Any) -> None:
    assert "Parallel" in _types(wf)


@pytest.mark.parametrize("wf,execution_input", [(wf, {"key": k}) for wf in UNGUARDED for k in KEYS], ids=_id)
def test_unguarded_programs_compile_to_jsonpath_and_agree(wf: Any, execution_input: dict[str, Any]) -> None:
    assert_agrees(wf, execution_input, query_language="jsonpath")


@pytest.mark.parametrize("wf", GUARDED, ids=_id)
def test_catching_a_data_error_stays_rejected_in_jsonpath(wf: Any) -> None:
    with pytest.raises(CompileError) as info:
        compile_workflow(wf, query_language="jsonpath")
    assert {d.code for d in info.value.diagnostics} == {"PF130"}


@pytest.mark.parametrize("wf,execution_input", [(wf, {"key": k}) for wf in UNGUARDED for k in KEYS], ids=_id)
def test_unguarded_jsonpath_runs_on_moto(wf: Any, execution_input: dict[str, Any], moto_runner: Any) -> None:
    assert_agree(wf, compile_workflow(wf, query_language="jsonpath"), execution_input, moto_runner)
