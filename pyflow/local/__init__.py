"""pyflow's local runner: an Amazon States Language engine that needs no AWS.

``run_definition(definition, input)`` validates a definition (every problem is
reported at once, before anything runs), compiles it and executes it on a
virtual clock, with Tasks answered by mocks, in-process Python functions or
boto3.  It reads ASL only, so it runs any definition, not only pyflow's.

Modules, one job each: ``validate`` (CreateStateMachine's checks), ``machine``
(compile once), ``engine`` (the interpreter), ``paths`` (JSONPath),
``intrinsics`` (``States.*``), ``jsonata_eval`` (``{% %}``), ``choice``
(Choice rules), ``history`` (events), ``clock`` (virtual time), ``dispatch``
(who answers a Task), ``integrations`` (boto3, task tokens).
"""
from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping
from typing import Any

from pyflow.local.clock import VirtualClock
from pyflow.local.engine import Execution, Runner
from pyflow.local.errors import DefinitionError, StatesError
from pyflow.local.history import DEFAULT_MAX_EVENTS
from pyflow.local.integrations import TOKENS, send_task_failure, send_task_success
from pyflow.local.machine import Machine, compile_machine
from pyflow.local.validate import validate_definition

__all__ = [
    "DefinitionError", "Execution", "StatesError", "TOKENS", "VirtualClock", "compile_definition",
    "load_definition", "run_definition", "send_task_failure", "send_task_success", "validate_definition",
]

_COMPILED: dict[str, Machine] = {}


_JSON_OBJECT = re.compile(r"\s*\{")


def load_definition(source: Any) -> Any:
    """A definition from a dict, a JSON string, or a path to a ``.json`` file."""
    if isinstance(source, os.PathLike) or (
        isinstance(source, str) and not _JSON_OBJECT.match(source) and os.path.exists(source)
    ):
        with open(source, encoding="utf-8") as fh:
            return fh.read()
    return source


def compile_definition(definition: Any, state_machine_type: str = "STANDARD") -> Machine:
    """Validate (with the rules of ``state_machine_type``) and compile (cached by the definition's JSON text)."""
    definition = load_definition(definition)
    key = definition if isinstance(definition, str) else json.dumps(definition, sort_keys=True, default=str)
    if state_machine_type != "STANDARD":
        key = state_machine_type + ":" + key
    machine = _COMPILED.get(key)
    if machine is None:
        checked = validate_definition(definition, state_machine_type)
        machine = compile_machine(checked)
        if len(_COMPILED) < 256:
            _COMPILED[key] = machine
    return machine


def run_definition(
    definition: Any,
    execution_input: Any = None,
    *,
    tasks: Mapping[str, Any] | Callable[[str, str, Any], Any] | None = None,
    mocks: Mapping[str, Any] | None = None,
    clock: VirtualClock | None = None,
    trace: Callable[[dict[str, Any]], None] | None = None,
    max_events: int = DEFAULT_MAX_EVENTS,
    execution_name: str = "local",
    state_machine_name: str = "local",
    seed: int | None = 0,
    state_machines: Mapping[str, Any] | None = None,
    token_wait: float = 0.0,
    state_machine_type: str = "STANDARD",
    role_arn: str | None = None,
    _depth: int = 0,
) -> Execution:
    """Run a state machine definition locally and return what happened.

    ``definition``: a dict, a JSON string or a path to a JSON file.  Raises
    ``DefinitionError`` (listing every problem) if Step Functions would reject it.

    ``tasks``: ``{resource-or-function-name: callable}`` or one callable
    ``(state_name, resource, payload) -> result``.  ``mocks``: answers by state
    name or resource (``{"result": v}``, ``{"error": e, "cause": c}``, a value, an
    exception, or a list of those for successive calls).  ``clock``: the virtual
    clock (fixed start by default).  ``trace``: called with every history event
    as it is recorded.  ``seed``: seeds ``States.UUID``/``MathRandom``/``$uuid``/
    ``$random`` and jitter so runs repeat (``None`` for fresh randomness).
    ``state_machines``: definitions for ``states:startExecution`` by ARN or name.
    ``token_wait``: real seconds to wait for another thread's ``send_task_success``.
    ``state_machine_type``: ``"STANDARD"`` or ``"EXPRESS"`` (the execution ARN's form).
    ``role_arn``: the execution role's ARN (``$$.Execution.RoleArn``).
    """
    machine = compile_definition(definition, state_machine_type)
    if execution_input is None:
        execution_input = {}
    runner = Runner(
        machine, tasks=tasks, mocks=mocks, clock=clock, trace=trace, max_events=max_events,
        execution_name=execution_name, state_machine_name=state_machine_name, seed=seed,
        state_machines=state_machines, token_wait=token_wait, depth=_depth,
        state_machine_type=state_machine_type, role_arn=role_arn,
    )
    return runner.run(execution_input)
