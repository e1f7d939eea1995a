"""Run one workflow natively and compiled on an independent engine, and compare.

The compiled side runs on ``sfnx.testing.run`` (a JSONata engine we did not
write); Lambda tasks are answered by the program's own ``@task`` functions,
bound exactly like the Lambda handler binds them (``pyflow.runtime.invoke``).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pyflow as pf
from pyflow import errors
from pyflow.compiled import CompiledWorkflow
from pyflow.compiler import compile_workflow
from pyflow.local.jsonata_eval import use_javascript_remainder
from pyflow.runtime import invoke

# DESIGN §1: Python data errors may surface as the engine's own error names.
DATA_ERRORS = {"KeyError", "IndexError", "TypeError", "ZeroDivisionError", "ValueError", "AttributeError", "MissingInput",
               "UnboundLocalError",
               "pyflow.MissingInput"}
ENGINE_DATA_ERRORS = {"States.QueryEvaluationError", "States.Runtime", "States.IntrinsicFailure"}

# sfnx evaluates JSONata with jsonata-python, whose ``%`` truncates the remainder to an int
# (``7.5 % 2`` is 1); JSONata (JavaScript, and jsonata-java) gives the remainder of the doubles,
# 1.5, which pyflow's float ``//`` and ``%`` rely on. sfnx gets the ``%`` pyflow's runner uses;
# nothing else of sfnx changes.
use_javascript_remainder()


@dataclass(frozen=True)
class Outcome:
    output: Any = None
    error: str | None = None

    def agrees_with(self, other: "Outcome") -> bool:
        if self.error is None and other.error is None:
            return _same(self.output, other.output)
        if self.error is None or other.error is None:
            return False
        if self.error == other.error:
            return True
        pair = {self.error, other.error}
        return bool(pair & DATA_ERRORS) and bool(pair & ENGINE_DATA_ERRORS)


def _same(a: Any, b: Any) -> bool:
    # JSON numbers: 2 and 2.0 are the same value once serialised by an engine
    return json.loads(json.dumps(a)) == json.loads(json.dumps(b))


def native(wf: pf.Workflow, execution_input: dict[str, Any]) -> Outcome:
    with pf.virtual_time():
        try:
            return Outcome(output=json.loads(json.dumps(wf.run(execution_input))))
        except Exception as exc:  # noqa: BLE001 - any error is an outcome
            return Outcome(error=errors.error_name(exc))


def sfnx_run(compiled: CompiledWorkflow, execution_input: dict[str, Any]) -> Outcome:
    from sfnx.testing import Failure, run

    functions = compiled.task_functions()
    nested = {"${" + child.name + "}": child for child in compiled.nested}

    def tasks(call: Any) -> Any:
        if call.resource == "arn:aws:states:::states:startExecution.sync:2":
            child = nested[call.arguments["StateMachineArn"]]
            outcome = sfnx_run(child, call.arguments["Input"])
            if outcome.error is not None:
                raise Failure("States.TaskFailed", outcome.error)
            return {"Output": outcome.output, "Status": "SUCCEEDED"}
        if call.resource == "arn:aws:states:::lambda:invoke.waitForTaskToken":
            fn = functions[call.arguments["FunctionName"]]
            return invoke(fn, call.arguments["Payload"])
        fn = functions[call.resource]
        try:
            return invoke(fn, call.arguments)
        except Exception as exc:  # noqa: BLE001
            raise Failure(errors.error_name(exc), errors.lambda_cause(exc)) from None

    try:
        result = run(compiled.definition, execution_input, tasks)
    except ZeroDivisionError:
        # jsonata-python lets Python's error escape where JSONata (JavaScript) fails
        # the expression with D1001 "Number out of range": a query evaluation error.
        return Outcome(error="States.QueryEvaluationError")
    if result.error is not None:
        return Outcome(error=result.error)
    return Outcome(output=result.output)


def check(wf: pf.Workflow, execution_input: dict[str, Any], reset: Any = None) -> tuple[Outcome, Outcome]:
    """``reset`` (if given) runs before each side, for programs whose tasks keep state."""
    compiled = compile_workflow(wf)
    if reset:
        reset()
    first = native(wf, execution_input)
    if reset:
        reset()
    return first, sfnx_run(compiled, execution_input)
