"""Test helpers: run workflows and definitions locally, check native == compiled.

``run(workflow_or_definition, input, mocks=..., tasks=...)`` returns an
``Execution`` (status, output, error, cause, states, history, transitions).
``assert_agrees(workflow, input)`` runs the workflow natively and compiled on
the local runner and fails with a readable diff when DESIGN §1 is broken.
The pytest plugin (``pyflow.pytest_plugin``) exposes both as the ``pyflow_run``
and ``pyflow_agrees`` fixtures.
"""
from __future__ import annotations

import difflib
import json
import os
from collections.abc import Callable, Mapping
from typing import Any

from pyflow import errors as _errors
from pyflow.local import DefinitionError, Execution, run_definition, send_task_failure, send_task_success

__all__ = ["DisagreementError", "Execution", "assert_agrees", "compile_for_test", "run", "send_task_failure",
           "send_task_success"]

# DESIGN §1: Python's data errors may surface as the engine's own error names. A
# missing input field (pyflow.MissingInput natively) fails the first state that reads
# it with States.QueryEvaluationError (docs/semantics.md).
DATA_ERRORS = {*_errors.DATA_ERRORS, "pyflow.MissingInput"}
ENGINE_DATA_ERRORS = set(_errors.ENGINE_DATA_ERRORS)


class DisagreementError(AssertionError):
    """Native and compiled runs of a workflow did not agree."""


def _is_workflow(obj: Any) -> bool:
    from pyflow.api import Workflow

    return isinstance(obj, Workflow)


def compile_for_test(workflow: Any, query_language: str | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Compile a ``@workflow``: (definition, {resource: task}) for the local runner."""
    definition, functions, _ = compile_for_run(workflow, query_language)
    return definition, functions


def compile_for_run(workflow: Any, query_language: str | None = None
                    ) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(definition, {resource: task}, {nested workflow: definition}) for the local runner."""
    from pyflow.compiler import compile_workflow  # the lead's compiler; imported only when needed

    if query_language is None:
        compiled = compile_workflow(workflow)
    else:
        compiled = compile_workflow(workflow, query_language=query_language)
    return compiled.definition, dict(compiled.task_functions()), compiled.state_machines()


def run(
    workflow_or_definition: Any,
    execution_input: Any = None,
    mocks: Mapping[str, Any] | None = None,
    tasks: Mapping[str, Any] | Callable[[str, str, Any], Any] | None = None,
    query_language: str | None = None,
    **options: Any,
) -> Execution:
    """Run a workflow (compiled first) or a definition (dict, JSON text or file path) locally.

    For a workflow, its ``@task`` functions answer the Tasks unless ``tasks`` or
    ``mocks`` say otherwise; extra ``options`` go to ``run_definition``.
    """
    if _is_workflow(workflow_or_definition):
        definition, functions, machines = compile_for_run(workflow_or_definition, query_language)
        if tasks is None:
            tasks = functions
        elif isinstance(tasks, Mapping):
            tasks = {**functions, **tasks}
        options.setdefault("state_machines", machines)
        return run_definition(definition, execution_input, tasks=tasks, mocks=mocks, **options)
    if isinstance(workflow_or_definition, os.PathLike):
        workflow_or_definition = os.fspath(workflow_or_definition)
    return run_definition(workflow_or_definition, execution_input, tasks=tasks, mocks=mocks, **options)


def _native(workflow: Any, execution_input: Any, query_language: str | None = None) -> tuple[str, Any]:
    """The native run, mirroring the run-time errors of the target the compiled run uses."""
    from pyflow import native
    from pyflow.api import virtual_time
    from pyflow.errors import error_name

    with virtual_time(), native.target(query_language):
        try:
            return "SUCCEEDED", workflow.run(execution_input)
        except Exception as exc:  # noqa: BLE001 - any failure is the native run's error
            return "FAILED", error_name(exc)


def errors_agree(native_error: str, compiled_error: str | None) -> bool:
    """Same error name, or a Python data error against the engine's data error (DESIGN §1)."""
    if native_error == compiled_error:
        return True
    return native_error in DATA_ERRORS and compiled_error in ENGINE_DATA_ERRORS


def _pretty(value: Any) -> list[str]:
    return json.dumps(value, indent=2, sort_keys=True, default=repr).splitlines()


def assert_agrees(workflow: Any, execution_input: Any = None, query_language: str | None = None) -> Execution:
    """Run ``workflow`` natively and compiled; raise ``DisagreementError`` with a diff if they differ."""
    native_status, native_value = _native(workflow, execution_input, query_language)
    compiled = run(workflow, execution_input, query_language=query_language)
    name = getattr(workflow, "name", repr(workflow))
    if native_status == "SUCCEEDED" and compiled.status == "SUCCEEDED":
        if json.dumps(native_value, sort_keys=True) == json.dumps(compiled.output, sort_keys=True) and \
                _same_types(native_value, compiled.output):
            return compiled
        diff = "\n".join(difflib.unified_diff(_pretty(native_value), _pretty(compiled.output),
                                              "native", "compiled", lineterm=""))
        raise DisagreementError(f"{name}: native and compiled outputs differ for input {execution_input!r}:\n{diff}")
    if native_status == "FAILED" and compiled.status != "SUCCEEDED":
        if errors_agree(native_value, compiled.error):
            return compiled
        raise DisagreementError(
            f"{name}: both failed but with different errors: native {native_value!r}, "
            f"compiled {compiled.error!r} (cause: {compiled.cause!r})"
        )
    if native_status == "SUCCEEDED":
        raise DisagreementError(
            f"{name}: native returned {native_value!r} but compiled {compiled.status.lower()} with "
            f"{compiled.error!r} (cause: {compiled.cause!r}); states: {' -> '.join(compiled.states)}"
        )
    raise DisagreementError(
        f"{name}: native failed with {native_value!r} but compiled succeeded with {compiled.output!r}"
    )


def _same_types(a: Any, b: Any) -> bool:
    """JSON equality is not enough: ``1`` vs ``1.0`` and ``True`` vs ``1`` must differ too."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, float) or isinstance(b, float):
        return type(a) is type(b)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same_types(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same_types(x, y) for x, y in zip(a, b))
    return True


DefinitionError = DefinitionError
