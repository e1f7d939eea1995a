"""A native run behaves like the compiled one at its edges (DESIGN §1-§2): JSON at task
and workflow boundaries, ASL's error matching in ``except``, ``err.error``/``err.cause``,
nested workflow failures, ``time.sleep`` on the virtual clock and bad Wait values.

Each case runs natively and compiled on the local runner (``assert_agrees``), in both
query languages where the compiler accepts the workflow.
"""
from __future__ import annotations

import json
import time
import types
from typing import Any

import pytest

import pyflow as pf
from pyflow import errors, native
from pyflow.errors import error_name
from pyflow.testing import assert_agrees, run
from tests.differential.engines import check
from tests.differential.programs import boundaries as b

BOTH = ["jsonata", "jsonpath"]


def native_run(wf: Any, execution_input: dict[str, Any], query_language: str | None = None) -> Any:
    with pf.virtual_time(), native.target(query_language):
        return wf.run(execution_input)


def native_error(wf: Any, execution_input: dict[str, Any], query_language: str | None = None) -> BaseException:
    with pytest.raises(Exception) as info:
        native_run(wf, execution_input, query_language)
    return info.value


# --------------------------------------------------------------------------- 1. JSON boundaries
@pytest.mark.parametrize("ql", BOTH)
def test_a_task_mutating_its_argument_does_not_change_the_callers_variable(ql: str) -> None:
    assert assert_agrees(b.task_mutates_argument, {"d": {"a": 1}}, query_language=ql).output == {"a": 1}


def test_a_workflow_works_on_a_json_copy_of_its_input_and_returns_a_copy() -> None:
    caller = {"a": [1, {"b": None}]}
    with pf.virtual_time():
        out = b.task_mutates_argument(d=caller)
        echoed = b.echo(d=caller)
    assert out == {"a": [1, {"b": None}]} and caller == {"a": [1, {"b": None}]}
    assert echoed == caller and echoed is not caller and echoed["a"] is not caller["a"]
    assert b.echo.run({"d": (1, 2)}) == [1, 2]  # a tuple is a JSON array


def test_a_workflow_input_that_is_not_json_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="not JSON"):
        b.echo(d={"when": object()})


@pytest.mark.parametrize("ql", BOTH)
def test_a_task_returning_a_date_fails_with_runtime_marshal_error(ql: str) -> None:
    assert assert_agrees(b.task_returns_date, {"x": 1}, query_language=ql).error == "Runtime.MarshalError"
    exc = native_error(b.task_returns_date, {"x": 1})
    assert isinstance(exc, errors.MarshalError) and error_name(exc) == "Runtime.MarshalError"
    caught = assert_agrees(b.task_returns_date_caught, {"x": 1}, query_language=ql).output
    assert caught == ["Runtime.MarshalError", "Unable to marshal response: Object of type date is not JSON serializable"]


@pytest.mark.parametrize("ql", BOTH)
def test_a_task_returning_int_keys_gives_string_keys(ql: str) -> None:
    assert assert_agrees(b.task_returns_int_keys, {"x": 1}, query_language=ql).output == {"1": "a", "2": [1]}


def test_json_copy_matches_a_json_round_trip() -> None:
    values = [{1: "a", None: 2, False: 3, "x": (1, 2)}, [1.5, float("inf"), "é"], {"a": {"b": [{}]}}, {2.5: 1},
              {1: "first", "1": "second"}, True, None]
    for value in values:
        assert repr(native.json_copy(value)) == repr(json.loads(json.dumps(value)))
    with pytest.raises(TypeError, match="keys must be"):
        native.json_copy({(1,): 2})
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(ValueError, match="Circular"):
        native.json_copy(loop)


# --------------------------------------------------------------------------- 2. except TaskFailed
TASK_FAILED_CASES = [
    (b.task_failed, {"kind": "boom"}, "TaskFailed Boom"),
    (b.task_failed, {"kind": "timeout"}, "Exception States.Timeout"),  # TaskFailed does not match Timeout
    (b.task_failed, {"kind": "ok"}, "ok"),
    (b.task_failed_raise, {"n": 1}, "Exception Boom"),  # a raise statement is routed by name
    (b.task_failed_reraise, {"kind": "boom"}, "Exception Boom"),
    (b.task_failed_finally, {"kind": "boom"}, "Exception Boom"),
    (b.task_failed_fail, {"kind": "x"}, "Exception E"),
    (b.task_failed_parallel, {"kind": "boom"}, "TaskFailed Boom"),  # the Parallel state's error
    (b.task_failed_parallel, {"kind": "no"}, "ok"),
    (b.task_failed_map, {"xs": ["ok", "boom"]}, "TaskFailed Boom"),
    (b.task_failed_for_map, {"xs": ["a", "boom"]}, "TaskFailed Boom"),  # the Map state's error
    (b.task_failed_for_map, {"xs": ["a"]}, "ok"),
]


@pytest.mark.parametrize("ql", BOTH)
@pytest.mark.parametrize("wf,execution_input,expected", TASK_FAILED_CASES,
                         ids=lambda v: getattr(v, "__name__", None) or str(v)[:30])
def test_except_task_failed_matches_as_in_asl(wf: Any, execution_input: dict[str, Any], expected: str,
                                              ql: str) -> None:
    assert assert_agrees(wf, execution_input, query_language=ql).output == expected


def test_except_task_failed_does_not_catch_a_data_error() -> None:
    """A JSONata expression failing is not a task failing: States.TaskFailed does not
    match States.QueryEvaluationError (as in AWS, sfnx and fakecloud)."""
    out = assert_agrees(b.task_failed_data_error, {"d": {}}).output
    assert out == "Exception States.QueryEvaluationError"
    assert assert_agrees(b.task_failed_data_error, {"d": {"k": 3}}).output == 3


@pytest.mark.parametrize("ql", BOTH)
def test_a_data_error_in_task_arguments_is_not_a_task_failure(ql: str) -> None:
    execution = assert_agrees(b.task_failed_argument_data_error, {"d": {}}, query_language=ql)
    assert execution.error == ("States.QueryEvaluationError" if ql == "jsonata" else "States.Runtime")
    assert isinstance(native_error(b.task_failed_argument_data_error, {"d": {}}, ql), KeyError)


def test_a_task_error_keeps_its_class() -> None:
    """The ASL matching lives in the except clauses: the exception itself is untouched."""
    with pf.virtual_time(), pytest.raises(b.Boom) as info:
        b.boom("boom")
    assert type(info.value) is b.Boom and info.value.error == "Boom"
    assert json.loads(info.value.cause)["errorMessage"] == "bad thing"


# --------------------------------------------------------------------------- 3. err.error / err.cause
ERR_CASES = [
    (b.raised_in_body, {"n": 0}, ["Boom", "0"]),
    (b.raised_in_body, {"n": 1}, ["Boom", "inner"]),
    (b.raised_in_body, {"n": 2}, ["Boom", ""]),
    (b.raised_in_body, {"n": 3}, ["KeyError", "kk"]),
    (b.raised_in_body, {"n": 4}, ["ValueError", "bad 4"]),
    (b.raised_in_body, {"n": 5}, ["Declined", "why"]),
    (b.converted, {"kind": "boom"}, ["ValueError", "converted"]),
    (b.raise_caught_variable, {"n": 1}, ["Boom", "x"]),
]


@pytest.mark.parametrize("ql", BOTH)
@pytest.mark.parametrize("wf,execution_input,expected", ERR_CASES,
                         ids=lambda v: getattr(v, "__name__", None) or str(v)[:30])
def test_err_error_and_cause_of_raised_errors(wf: Any, execution_input: dict[str, Any], expected: list[str],
                                             ql: str) -> None:
    assert assert_agrees(wf, execution_input, query_language=ql).output == expected


def test_err_error_and_cause_of_a_reraised_task_error() -> None:
    assert assert_agrees(b.reraised, {"kind": "boom"}).output == ["Boom", "bad thing"]


def test_err_error_of_a_data_error_is_the_engines_error() -> None:
    assert assert_agrees(b.data_error, {"d": {}}).output == "States.QueryEvaluationError"
    assert assert_agrees(b.data_error_reraised, {"d": {}}).output == "States.QueryEvaluationError"
    # the cause differs by design: compiled, it quotes the JSONata expression
    assert native_run(b.data_error_cause, {"d": {}}) == ["States.QueryEvaluationError", "KeyError: 'k'"]
    assert run(b.data_error_cause, {"d": {}}).output[0] == "States.QueryEvaluationError"


# --------------------------------------------------------------------------- 4. nested workflows
def test_a_nested_workflows_failure_is_task_failed_not_the_childs_error() -> None:
    out = assert_agrees(b.parent, {"x": -1}).output
    cause = json.dumps({"errorMessage": "bad thing", "errorType": "Boom", "requestId": "", "stackTrace": []})
    assert out == ["TaskFailed", "States.TaskFailed", "FAILED", "Boom", cause, {"x": -1}]
    assert assert_agrees(b.parent, {"x": 0}).output == ["TaskFailed", "States.TaskFailed", "FAILED", "Boom", "direct",
                                                         {"x": 0}]
    assert assert_agrees(b.parent, {"x": 2}).output == 3
    assert assert_agrees(b.parent_uncaught, {"x": -1}).error == "States.TaskFailed"


def test_a_nested_failure_cause_describes_the_child_execution() -> None:
    exc = native_error(b.parent_uncaught, {"x": 0})
    assert isinstance(exc, errors.TaskFailed) and not isinstance(exc, b.Boom)
    desc = json.loads(exc.cause)
    compiled = json.loads(run(b.parent_uncaught, {"x": 0}).cause)
    assert list(desc) == list(compiled)
    assert {k: desc[k] for k in ("Status", "Input", "Error", "Cause")} == \
        {k: compiled[k] for k in ("Status", "Input", "Error", "Cause")}


def test_a_workflow_called_from_a_task_is_a_run_of_its_own() -> None:
    @pf.task
    def calls_child(x: int) -> int:
        return b.child(x)

    with pf.virtual_time(), pytest.raises(b.Boom):
        calls_child(0)


# --------------------------------------------------------------------------- 5. time.sleep
def test_time_sleep_in_a_workflow_is_on_the_virtual_clock() -> None:
    started = time.monotonic()
    with pf.virtual_time() as clock:
        assert b.sleeps(n=1000) == "rested"
    assert clock.slept == [1000, 1000]  # the task's own time.sleep(0.01) really slept
    assert time.monotonic() - started < 5
    assert time.sleep is pf.api._real_sleep
    assert assert_agrees(b.sleeps, {"n": 1000}).output == "rested"


def test_pyflow_run_native_does_not_sleep(capsys: Any) -> None:
    from pyflow.cli import main

    started = time.monotonic()
    assert main(["run", "tests.differential.programs.boundaries:sleeps", "--native", "--input", '{"n": 600}']) == 0
    assert time.monotonic() - started < 30
    assert json.loads(capsys.readouterr().out) == "rested"


# --------------------------------------------------------------------------- 6. bad waits
BAD_WAITS = [
    (b.waits, {"n": -1}), (b.waits, {"n": 1.5}), (b.waits, {"n": "3"}), (b.waits, {"n": True}),
    (b.waits, {"n": 100_000_000}), (b.sleeps_bad, {"n": -1}), (b.sleeps_bad, {"n": 1.5}),
    (b.waits_until, {"ts": "2020-01-01"}), (b.waits_until, {"ts": 5}),
]


@pytest.mark.parametrize("ql", BOTH)
@pytest.mark.parametrize("wf,execution_input", BAD_WAITS, ids=lambda v: getattr(v, "__name__", None) or str(v)[:30])
def test_a_bad_wait_value_fails_with_the_engines_error(wf: Any, execution_input: dict[str, Any], ql: str) -> None:
    expected = "States.QueryEvaluationError" if ql == "jsonata" else "States.Runtime"
    assert assert_agrees(wf, execution_input, query_language=ql).error == expected
    assert error_name(native_error(wf, execution_input, ql)) == expected


@pytest.mark.parametrize("ql", BOTH)
@pytest.mark.parametrize("n", [0, 2, 2.0, 99_999_999])
def test_good_wait_values_agree(n: Any, ql: str) -> None:
    assert assert_agrees(b.waits, {"n": n}, query_language=ql).output == "waited"


# --------------------------------------------------------------------------- the rewrite itself
def test_the_prepared_function_keeps_the_source_lines() -> None:
    import traceback

    with pf.virtual_time(), pytest.raises(b.Boom) as info:
        b.child(0)
    last = traceback.extract_tb(info.value.__traceback__)[-1]
    assert last.filename == b.__file__ and last.line == 'raise Boom("direct")'


def test_a_closure_workflow_is_prepared_with_its_cells() -> None:
    suffix = "!"

    def body(kind: str):
        try:
            b.boom(kind)
        except errors.TaskFailed as err:
            return err.error + suffix
        return "ok" + suffix

    wf = pf.workflow(body)
    assert wf.native_fn is not body and isinstance(wf.native_fn, types.FunctionType)
    with pf.virtual_time():
        assert wf(kind="boom") == "Boom!" and wf(kind="ok") == "ok!"


def test_a_function_without_source_runs_as_written() -> None:
    namespace: dict[str, Any] = {}
    exec("def f(x):\n    try:\n        raise KeyError(x)\n    except KeyError as e:\n        return str(e)\n", namespace)
    assert native.prepared(namespace["f"]) is namespace["f"]
    assert pf.workflow(namespace["f"])(x="k") == "'k'"


def test_asl_matching_rules() -> None:
    boom = b.Boom("x")
    native.mark_origin(boom, "task")
    assert native.catches(errors.TaskFailed, boom) and native.catches((KeyError, Exception), boom)
    raised = b.Boom("x")
    native.mark_origin(raised, "raise")
    assert not native.catches(errors.TaskFailed, raised) and native.catches(b.Boom, raised)
    assert not native.catches(Exception, errors.Runtime("r")) and not native.catches(errors.Runtime, errors.Runtime("r"))
    assert not native.catches(Exception, errors.DataLimitExceeded("big"))
    assert native.catches(errors.DataLimitExceeded, errors.DataLimitExceeded("big"))
    assert not native.catches(errors.TaskFailed, errors.Timeout("slow"))
    assert not native.catches(errors.TaskFailed, KeyError("k")) and native.catches(Exception, KeyError("k"))
    assert not native.catches(Exception, KeyboardInterrupt()) and native.catches(BaseException, KeyboardInterrupt())


SFNX_CASES = [
    (b.task_mutates_argument, {"d": {"a": 1}}), (b.task_returns_int_keys, {"x": 1}),
    (b.task_failed, {"kind": "boom"}), (b.task_failed, {"kind": "timeout"}), (b.task_failed_raise, {"n": 1}),
    (b.task_failed_reraise, {"kind": "boom"}), (b.task_failed_finally, {"kind": "boom"}),
    (b.task_failed_parallel, {"kind": "boom"}), (b.task_failed_map, {"xs": ["ok", "boom"]}),
    (b.task_failed_for_map, {"xs": ["a", "boom"]}), (b.task_failed_data_error, {"d": {}}),
    (b.raised_in_body, {"n": 1}), (b.raised_in_body, {"n": 3}), (b.converted, {"kind": "boom"}),
    (b.data_error, {"d": {}}), (b.parent_uncaught, {"x": -1}), (b.waits, {"n": -1}), (b.waits, {"n": 1.5}),
]


@pytest.mark.parametrize("wf,execution_input", SFNX_CASES, ids=lambda v: getattr(v, "__name__", None) or str(v)[:30])
def test_native_agrees_with_sfnx(wf: Any, execution_input: dict[str, Any]) -> None:
    """The same cases on an engine we did not write (sfnx)."""
    native_outcome, compiled = check(wf, execution_input)
    assert native_outcome.agrees_with(compiled), f"native={native_outcome} compiled={compiled}"
