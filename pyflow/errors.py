"""Python exception classes, one per Step Functions error name.

A workflow catches ASL errors with ordinary ``except`` clauses; the compiler maps
each class here to its ``States.*`` name (``asl_name``), and the native run raises
the same classes, so both sides agree on which handler runs.
"""
from __future__ import annotations

import json
from typing import Any


# DESIGN §1: Python's data errors (raised evaluating an expression), which a compiled run may
# report as the engine's own error instead (ENGINE_DATA_ERRORS, in the order a Catch lists them).
DATA_ERRORS = ("KeyError", "IndexError", "TypeError", "ZeroDivisionError", "ValueError", "AttributeError",
               "UnboundLocalError")
ENGINE_DATA_ERRORS = ("States.QueryEvaluationError", "States.Runtime", "States.IntrinsicFailure")


class Error(Exception):
    """Base of every error a workflow can raise or catch by ASL name.

    ``error`` and ``cause`` mirror the ``{"Error", "Cause"}`` object that a Catch
    hands to its handler, so ``except X as err: err.error`` reads the same natively
    and compiled.
    """

    asl_name: str = ""

    def __init__(self, cause: str = "", *args: Any) -> None:
        super().__init__(cause, *args)

    @property
    def error(self) -> str:
        return error_name(self)

    @property
    def cause(self) -> str:
        return error_cause(self)


def _states(name: str, doc: str) -> type[Error]:
    cls = type(name, (Error,), {"asl_name": f"States.{name}", "__doc__": doc})
    cls.__module__ = __name__
    return cls


ALL = _states("ALL", "Matches every error name (``except Exception``).")
TaskFailed = _states("TaskFailed", "Matches any error raised by a task except States.Timeout.")
Timeout = _states("Timeout", "A Task ran longer than its TimeoutSeconds.")
HeartbeatTimeout = _states("HeartbeatTimeout", "A Task sent no heartbeat within HeartbeatSeconds.")
DataLimitExceeded = _states("DataLimitExceeded", "A payload exceeded 256 KiB.")
Runtime = _states("Runtime", "A runtime error the engine raised (not catchable in ASL).")
NoChoiceMatched = _states("NoChoiceMatched", "No Choice rule matched and there was no Default.")
IntrinsicFailure = _states("IntrinsicFailure", "An intrinsic function failed.")
BranchFailed = _states("BranchFailed", "A Parallel or Map branch failed.")
Permissions = _states("Permissions", "The execution role lacked a permission.")
ResultPathMatchFailure = _states("ResultPathMatchFailure", "ResultPath could not be applied.")
ParameterPathFailure = _states("ParameterPathFailure", "A path in Parameters did not match.")
QueryEvaluationError = _states("QueryEvaluationError", "A JSONata expression failed.")
ItemReaderFailed = _states("ItemReaderFailed", "A Distributed Map could not read its items.")
ResultWriterFailed = _states("ResultWriterFailed", "A Distributed Map could not write its results.")
ExceedToleratedFailureThreshold = _states(
    "ExceedToleratedFailureThreshold", "A Map exceeded its tolerated failure threshold."
)


class MarshalError(Error):
    """A task returned a value that is not JSON (a ``datetime.date``, a set...): Lambda
    cannot serialise the response and the Task fails with ``Runtime.MarshalError``."""

    asl_name = "Runtime.MarshalError"

    def __init__(self, cause: str = "", *args: Any) -> None:
        super().__init__(cause, *args)
        self._pyflow_cause = cause  # the engine's cause, not a Lambda error document


class MissingInput(Error):
    """A workflow parameter without a default was absent from the execution input."""

    asl_name = "pyflow.MissingInput"


STATES_ERRORS: dict[str, type[Error]] = {
    cls.__name__: cls
    for cls in (
        ALL, TaskFailed, Timeout, HeartbeatTimeout, DataLimitExceeded, Runtime,
        NoChoiceMatched, IntrinsicFailure, BranchFailed, Permissions,
        ResultPathMatchFailure, ParameterPathFailure, QueryEvaluationError,
        ItemReaderFailed, ResultWriterFailed, ExceedToleratedFailureThreshold,
    )
}


def error_name(exc: BaseException) -> str:
    """The ASL error name an exception surfaces under (Lambda's ``errorType``)."""
    explicit = getattr(type(exc), "asl_name", "")
    if explicit:
        return explicit
    dynamic = getattr(exc, "_pyflow_error", None)
    if dynamic:
        return str(dynamic)
    return type(exc).__name__


def error_cause(exc: BaseException) -> str:
    """The ASL Cause of an exception.

    Exceptions raised by a task carry the Lambda-shaped cause the runtime attached
    (``_pyflow_cause``); exceptions raised in the workflow body become ``Fail``
    states whose Cause is the message.
    """
    attached = getattr(exc, "_pyflow_cause", None)
    if attached is not None:
        return str(attached)
    return exc_message(exc)


def exc_message(exc: BaseException) -> str:
    """The message Python shows for ``exc`` (``str(exc)``), as Lambda's errorMessage."""
    return str(exc)


def lambda_cause(exc: BaseException) -> str:
    """The Cause Step Functions reports for an exception raised inside a Lambda task.

    Lambda's Python runtime serialises ``{"errorMessage", "errorType", "requestId",
    "stackTrace"}``; the stack trace is left empty so that native and local runs agree.
    """
    return json.dumps(
        {
            "errorMessage": exc_message(exc),
            "errorType": error_name(exc),
            "requestId": "",
            "stackTrace": [],
        }
    )


def make_error(error: str, cause: str = "") -> Error:
    """An exception instance whose ASL name is ``error`` (for ``pf.fail`` and re-raises)."""
    cls = STATES_ERRORS.get(error.removeprefix("States.")) if error.startswith("States.") else None
    if cls is not None:
        return cls(cause)
    exc = Error(cause)
    exc._pyflow_error = error  # type: ignore[attr-defined]
    exc._pyflow_cause = cause  # type: ignore[attr-defined]
    return exc
