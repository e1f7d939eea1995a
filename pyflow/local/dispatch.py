"""Who answers a Task: a mock, an in-process function, or a real integration.

The order is the one a test expects: a mock for the state's name, a mock for its
resource, then ``tasks`` (keyed by the ``Resource`` string, or by the Lambda
function's name: ``${submit_job}`` -> ``submit_job``, a function ARN -> its
name, ``lambda:invoke``'s ``FunctionName``), a ``tasks`` callable, and only then
boto3 against whatever endpoint it is configured for.

A Python callable that raises fails the Task the way Lambda reports it: Error is
``pyflow.errors.error_name(exc)``, Cause is the exception's ``_pyflow_cause`` or
Lambda's JSON error document (``pyflow.errors.lambda_cause``).
"""
from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from pyflow import errors as pf_errors
from pyflow.local.errors import RUNTIME, StatesError
from pyflow.local.integrations import ResourceInfo

_NOT_FOUND = object()


class Mock:
    """Successive answers for one state or resource (the TestState API's ``mock``)."""

    def __init__(self, spec: Any) -> None:
        self.answers: list[Any] = list(spec) if isinstance(spec, list) else [spec]
        self.calls = 0

    def next(self) -> Any:
        """The next answer; the last one repeats once the list is used up."""
        answer = self.answers[min(self.calls, len(self.answers) - 1)]
        self.calls += 1
        return answer


def resolve_answer(answer: Any) -> Any:
    """A mock answer to a result, or raise the failure it describes.

    Accepted: ``{"result": value}`` (a string that is JSON is parsed, as the
    TestState API's ``result`` is a JSON string), ``{"error": E, "cause": C}``,
    ``{"errorOutput": {"error": E, "cause": C}}``, an exception instance, or any
    other value, which is the result itself.
    """
    if isinstance(answer, BaseException):
        raise failure_from_exception(answer)
    if isinstance(answer, dict):
        keys = set(answer)
        if keys and keys <= {"result", "fieldValidationMode"} and "result" in keys:
            result = answer["result"]
            if isinstance(result, str):
                try:
                    return json.loads(result)
                except ValueError:
                    return result
            return result
        if "error" in keys and keys <= {"error", "cause"}:
            raise StatesError(str(answer["error"]), answer.get("cause"))
        if keys == {"errorOutput"} and isinstance(answer["errorOutput"], dict):
            out = answer["errorOutput"]
            raise StatesError(str(out.get("error", "")), out.get("cause"))
    return answer


def failure_from_exception(exc: BaseException) -> StatesError:
    """How Step Functions names an exception raised by a Lambda function."""
    if isinstance(exc, StatesError):
        return exc
    cause = getattr(exc, "_pyflow_cause", None)
    if cause is None:
        cause = pf_errors.lambda_cause(exc)
    return StatesError(pf_errors.error_name(exc), str(cause))


def call_python(fn: Any, payload: Any) -> Any:
    """Call an in-process task: ``@task`` objects are bound like the Lambda handler binds them."""
    from pyflow.api import Task

    try:
        if isinstance(fn, Task):
            from pyflow.runtime import invoke

            return invoke(fn, payload)
        return fn(payload)
    except StatesError:
        raise
    except Exception as exc:  # noqa: BLE001 - every task error becomes the Task's failure
        raise failure_from_exception(exc) from None


TasksArg = Mapping[str, Any] | Callable[[str, str, Any], Any] | None


class Dispatcher:
    """Finds and calls the answer to one Task invocation."""

    def __init__(self, tasks: TasksArg = None, mocks: Mapping[str, Any] | None = None) -> None:
        self.tasks = tasks
        self.mocks: dict[str, Mock] = {k: Mock(v) for k, v in (mocks or {}).items()}

    def mock_for(self, state_name: str, resource: str) -> Mock | None:
        return self.mocks.get(state_name) or self.mocks.get(resource)

    def find_function(self, info: ResourceInfo, payload: Any) -> tuple[Any, str]:
        """A Python implementation for this Task: (callable, how), or (None, "")."""
        tasks = self.tasks
        if tasks is None or callable(tasks) and not isinstance(tasks, Mapping):
            return None, ""
        found = tasks.get(info.resource, _NOT_FOUND)
        if found is not _NOT_FOUND:
            return found, "resource"
        names: list[str] = []
        if info.function:
            names.append(info.function)
        if info.kind == "optimized" and info.service == "lambda" and isinstance(payload, dict):
            fn_name = payload.get("FunctionName")
            if isinstance(fn_name, str):
                names.append(fn_name)
                if fn_name.startswith("${") and fn_name.endswith("}"):
                    names.append(fn_name[2:-1])
                elif ":function:" in fn_name:
                    names.append(fn_name.split(":function:", 1)[1].split(":", 1)[0])
        for name in names:
            found = tasks.get(name, _NOT_FOUND)
            if found is not _NOT_FOUND:
                return found, "function"
        return None, ""

    def generic(self) -> Callable[[str, str, Any], Any] | None:
        tasks = self.tasks
        if tasks is not None and callable(tasks) and not isinstance(tasks, Mapping):
            return tasks
        return None


def no_implementation(info: ResourceInfo) -> StatesError:
    """The failure of a Task nobody can answer locally."""
    return StatesError(
        RUNTIME,
        f"No local implementation for Resource {info.resource!r}: pass tasks= or mocks= for it",
    )
