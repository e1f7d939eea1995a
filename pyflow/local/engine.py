"""The interpreter: runs a compiled state machine on a virtual clock.

One ``Runner`` executes one execution.  It walks the compiled graph state by
state, records the history as the service would, and turns failures into the
ASL errors that Retry and Catch see.  Parallel branches and Map iterations run
one after the other in order: a valid schedule of the concurrent service that
keeps local runs deterministic.

Performance matters (the runner is used inside test suites and benchmarked
against moto): paths are precompiled, values are shared instead of copied (the
engine never mutates a value in place; ``ResultPath`` copies only along its
path), and the Context object is only built for states that read it.
"""
from __future__ import annotations

import datetime as _dt
import json
import random
import uuid as _uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pyflow.local import integrations
from pyflow.local.clock import VirtualClock, iso, parse_timestamp
from pyflow.local.dispatch import Dispatcher, TasksArg, call_python, no_implementation, resolve_answer
from pyflow.local.errors import (
    ALL,
    DATA_LIMIT,
    HEARTBEAT,
    QUERY_ERROR,
    RUNTIME,
    TASK_FAILED,
    TIMEOUT,
    TOLERATED,
    StatesError,
)
from pyflow.local.history import DEFAULT_MAX_EVENTS, History
from pyflow.local.jsonata_eval import Constant, Env, make_functions
from pyflow.local.machine import JSONATA, Catcher, Graph, Machine, State, Unset
from pyflow.local.paths import PathError, apply_result_path, compile_path, select

MAX_PAYLOAD = 256 * 1024
REGION = "us-east-1"
ACCOUNT = "123456789012"


class _TimedOut(Exception):
    """The execution's TimeoutSeconds passed: not a StatesError, so nothing catches it."""


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


@dataclass
class Execution:
    """What a local run did: status, output or error, states entered, history."""

    status: str
    output: Any = None
    error: str | None = None
    cause: str | None = None
    states: list[str] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    transitions: int = 0
    name: str = "local"
    execution_arn: str = ""
    start_date: _dt.datetime | None = None
    stop_date: _dt.datetime | None = None

    @property
    def succeeded(self) -> bool:
        return self.status == "SUCCEEDED"

    def events(self, event_type: str) -> list[dict[str, Any]]:
        """The history events of one type (``"TaskScheduled"`` ...)."""
        return [e for e in self.history if e["type"] == event_type]

    def to_json(self) -> dict[str, Any]:
        """The ``pyflow run --json`` shape."""
        if self.status == "SUCCEEDED":
            return {"status": self.status, "output": self.output, "transitions": self.transitions}
        return {"status": self.status, "error": self.error, "cause": self.cause, "transitions": self.transitions}


class Frame:
    """A variable scope: the machine's, or one Parallel branch's / Map iteration's copy."""

    __slots__ = ("variables",)

    def __init__(self, variables: dict[str, Any]) -> None:
        self.variables = variables


class StateScope:
    """What one state's paths can read: the Context object (built lazily) and Variables."""

    __slots__ = ("runner", "frame", "state", "entered", "entered_id", "retry_count", "token", "map_item", "_ctx")

    def __init__(self, runner: Runner, frame: Frame, state: State, entered: _dt.datetime, entered_id: int = 0) -> None:
        self.runner = runner
        self.entered_id = entered_id
        self.frame = frame
        self.state = state
        self.entered = entered
        self.retry_count = 0
        self.token: str | None = None
        self.map_item: dict[str, Any] | None = None
        self._ctx: dict[str, Any] | None = None

    @property
    def variables(self) -> dict[str, Any]:
        return self.frame.variables

    @property
    def rng(self) -> random.Random:
        return self.runner.rng

    @property
    def context(self) -> dict[str, Any]:
        ctx = self._ctx
        if ctx is None:
            ctx = {
                "Execution": self.runner.execution_context,
                "State": {"EnteredTime": iso(self.entered), "Name": self.state.name},
                "StateMachine": self.runner.machine_context,
            }
            if self.state.type in _RETRYING:  # AWS gives RetryCount only where a Retry can apply
                ctx["State"]["RetryCount"] = self.retry_count
            if self.token is not None:
                ctx["Task"] = {"Token": self.token}
            if self.map_item is not None:
                ctx["Map"] = {"Item": self.map_item}
            self._ctx = ctx
        return ctx

    def reset(self) -> None:
        self._ctx = None

    def env(self, data: Any, **extra: Any) -> Env:
        """The JSONata environment: ``$states`` and the Variables."""
        states: dict[str, Any] = {"input": data}
        if self.state.needs_context:
            states["context"] = self.context
        states.update(extra)
        return Env(states, self.frame.variables, self.runner.functions)


_RETRYING = frozenset({"Task", "Map", "Parallel"})

MAX_WAIT_SECONDS = 99_999_999  # the largest Seconds Step Functions accepts in a Wait state


def _wait_seconds_ok(seconds: Any) -> bool:
    """A Wait state's Seconds: an integral number from 0 to 99,999,999 (not a bool, NaN or infinity)."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        return False
    return seconds == seconds and abs(seconds) != float("inf") and 0 <= seconds <= MAX_WAIT_SECONDS \
        and int(seconds) == seconds


def matches(names: list[str], error: str, from_task: bool = False) -> bool:
    """The spec's ErrorEquals matching.

    ``States.Runtime`` is never retried or caught; ``States.ALL`` matches every
    other error but ``States.DataLimitExceeded`` (which only its own name
    catches); ``States.TaskFailed`` matches all of those except ``States.Timeout``
    and ``States.QueryEvaluationError``: a JSONata expression failing is not a task
    failing (as AWS behaves, and sfnx and fakecloud model it), though ``States.ALL``
    and its own name catch it.  A task's own ``States.DataLimitExceeded`` (its
    result too large; ``from_task``) is a task failure that ``States.ALL`` catches,
    as AWS does.
    """
    if error == RUNTIME:
        return False
    for name in names:
        if name == error:
            return True
        if name == ALL and (error != DATA_LIMIT or from_task):
            return True
        if name == TASK_FAILED and error not in (TIMEOUT, DATA_LIMIT, QUERY_ERROR):
            return True
    return False


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return {str: "string", list: "array", dict: "object"}.get(type(value), type(value).__name__)


def _shown(value: Any) -> str:
    try:
        return dumps(value)[:1000]
    except Exception:  # noqa: BLE001 - not JSON (a JSONata function...): a cause must still be written
        return f"<{type(value).__name__}>"


_LOCATED_ERRORS = frozenset({RUNTIME, QUERY_ERROR})


def locate(err: StatesError, state: State, entered_id: int, history: History | None = None) -> None:
    """Prefix a state's own runtime error with where it happened, as AWS words it.

    AWS's causes of ``States.Runtime`` and ``States.QueryEvaluationError`` start
    with ``An error occurred while executing the state '<name>' (entered at the
    event id #<n>).``, ``n`` being the id of the state's ``...StateEntered`` event.
    A ``States.QueryEvaluationError`` (a JSONata evaluation failing) is also
    recorded as an ``EvaluationFailed`` event, as AWS does.
    """
    err.located = True
    if err.error in _LOCATED_ERRORS:
        prefix = f"An error occurred while executing the state '{state.name}' (entered at the event id #{entered_id})."
        err.cause = f"{prefix} {err.cause}" if err.cause else prefix
        if err.error == QUERY_ERROR and history is not None:
            history.add("EvaluationFailed", {"error": err.error, "cause": err.cause, "state": state.name})


class Runner:
    """Runs one execution of a compiled machine."""

    def __init__(
        self,
        machine: Machine,
        *,
        tasks: TasksArg = None,
        mocks: Mapping[str, Any] | None = None,
        clock: VirtualClock | None = None,
        trace: Callable[[dict[str, Any]], None] | None = None,
        max_events: int = DEFAULT_MAX_EVENTS,
        execution_name: str = "local",
        state_machine_name: str = "local",
        seed: int | None = None,
        state_machines: Mapping[str, Any] | None = None,
        token_wait: float = 0.0,
        role_arn: str | None = None,
        depth: int = 0,
        state_machine_type: str = "STANDARD",
    ) -> None:
        self.machine = machine
        self.dispatcher = Dispatcher(tasks, mocks)
        self.tasks = tasks
        self.mocks = mocks
        self.clock = clock or VirtualClock()
        self.trace = trace
        self.history = History(self.clock, max_events, trace)
        self.max_events = max_events
        self.rng = random.Random(seed)
        self.seed = seed
        self.functions = make_functions(self.rng)
        self.state_machines = dict(state_machines or {})
        self.token_wait = token_wait
        self.depth = depth
        self.name = execution_name
        self.sm_name = state_machine_name
        self.sm_arn = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{state_machine_name}"
        self.state_machine_type = state_machine_type
        if state_machine_type == "EXPRESS":
            # an Express execution's id: arn:...:express:<machine>:<name>:<uuid>
            run_id = _uuid.UUID(int=self.rng.getrandbits(128), version=4)
            self.arn = f"arn:aws:states:{REGION}:{ACCOUNT}:express:{state_machine_name}:{execution_name}:{run_id}"
        else:
            self.arn = f"arn:aws:states:{REGION}:{ACCOUNT}:execution:{state_machine_name}:{execution_name}"
        self.role_arn = role_arn or f"arn:aws:iam::{ACCOUNT}:role/pyflow-local"
        self.states_entered: list[str] = []
        self.transitions = 0
        self.deadline: _dt.datetime | None = None
        self.execution_context: dict[str, Any] = {}
        self.machine_context = {"Id": self.sm_arn, "Name": self.sm_name}

    # ------------------------------------------------------------------ execution
    def run(self, execution_input: Any) -> Execution:
        from pyflow import api

        start = self.clock.now()
        if self.machine.timeout_seconds is not None:
            self.deadline = start + _dt.timedelta(seconds=self.machine.timeout_seconds)
        self.execution_context = {
            "Id": self.arn, "Input": execution_input, "Name": self.name, "RoleArn": self.role_arn,
            "StartTime": iso(start), "RedriveCount": 0,
        }
        if self.state_machine_type == "EXPRESS":  # Express executions cannot be redriven
            del self.execution_context["RedriveCount"]
        ex = Execution(status="RUNNING", name=self.name, execution_arn=self.arn, start_date=start)
        previous_clock = api.set_clock(self.clock)
        try:
            try:
                input_json = dumps(execution_input)
            except (TypeError, ValueError) as exc:
                raise StatesError(RUNTIME, f"the execution input is not JSON: {exc}") from None
            self.history.add("ExecutionStarted", {
                "input": input_json, "inputDetails": {"truncated": False}, "roleArn": self.role_arn,
            })
            if len(input_json.encode("utf-8")) > MAX_PAYLOAD:
                raise StatesError(DATA_LIMIT, "The execution input exceeds the maximum size of 262144 bytes.")
            output, output_json = self.run_graph(self.machine.graph, execution_input, input_json, Frame({}))
            self.history.add("ExecutionSucceeded", {"output": output_json, "outputDetails": {"truncated": False}}, final=True)
            ex.status, ex.output = "SUCCEEDED", output
        except _TimedOut:
            ex.status, ex.error, ex.cause = "TIMED_OUT", TIMEOUT, "The execution timed out."
            self.history.add("ExecutionTimedOut", {"error": ex.error, "cause": ex.cause}, final=True)
        except StatesError as err:
            ex.status, ex.error, ex.cause = "FAILED", err.error, err.cause
            details = {"error": err.error}
            if err.cause is not None:
                details["cause"] = err.cause
            self.history.add("ExecutionFailed", details, final=True)
        finally:
            api.set_clock(previous_clock)
        ex.states = self.states_entered
        ex.history = self.history.events
        ex.transitions = self.transitions
        ex.stop_date = self.clock.now()
        return ex

    def check_deadline(self) -> None:
        if self.deadline is not None and self.clock.now() >= self.deadline:
            raise _TimedOut()

    def sleep(self, seconds: float) -> None:
        """Advance the virtual clock, stopping at the execution's deadline."""
        if seconds <= 0:
            return
        if self.deadline is not None:
            remaining = (self.deadline - self.clock.now()).total_seconds()
            if seconds >= remaining:
                self.clock.sleep(max(0.0, remaining))
                raise _TimedOut()
        self.clock.sleep(seconds)

    # ------------------------------------------------------------------ graph walk
    def run_graph(self, graph: Graph, data: Any, data_json: str, frame: Frame) -> tuple[Any, str]:
        """Run from StartAt to a terminal state; return (output, its JSON)."""
        states = graph.states
        name: str | None = graph.start
        while name is not None:
            state = states[name]
            data, data_json, name = self.run_state(state, data, data_json, frame)
        return data, data_json

    def run_state(self, state: State, data: Any, data_json: str, frame: Frame) -> tuple[Any, str, str | None]:
        self.transitions += 1
        self.states_entered.append(state.name)
        kind = state.type
        entered_id = self.history.add(kind + "StateEntered", {"name": state.name, "input": data_json, "inputDetails": {"truncated": False}})
        scope = StateScope(self, frame, state, self.clock.now(), entered_id)
        handler = _HANDLERS[kind]
        try:
            output, next_name = handler(self, state, data, scope)
        except StatesError as err:
            if not err.located:
                locate(err, state, entered_id, self.history)
            raise
        if kind == "Succeed":
            next_name = None
        # The runner never changes a value in place (results are set on copies), so an
        # output that IS the input (Choice, Wait, an Assign-only Pass) has the same JSON.
        out_json = data_json if output is data else dumps(output)
        if len(out_json) > MAX_PAYLOAD // 4 and len(out_json.encode("utf-8")) > MAX_PAYLOAD:
            raise StatesError(DATA_LIMIT, f"The state/task '{state.name}' returned a result with a size exceeding the maximum number of bytes service limit.")
        self.history.add(kind + "StateExited", {"name": state.name, "output": out_json, "outputDetails": {"truncated": False}})
        self.check_deadline()
        return output, out_json, next_name

    # ------------------------------------------------------------------ helpers
    def _input(self, state: State, data: Any, scope: StateScope) -> Any:
        path = state.input_path
        if path == "$":
            return data
        return select(path, data, scope, "InputPath")

    def _output(self, state: State, data: Any, scope: StateScope) -> Any:
        path = state.output_path
        if path == "$":
            return data
        return select(path, data, scope, "OutputPath")

    def _finish_jsonpath(self, state: State, raw_input: Any, result: Any, scope: StateScope) -> Any:
        """ResultSelector (already applied by callers), Assign, ResultPath, OutputPath."""
        assigned = state.assign(result, scope) if state.assign is not None else None
        out = apply_result_path(state.result_path, raw_input, result, state.has_result_path)
        out = self._output(state, out, scope)
        if assigned is not None:
            scope.frame.variables.update(assigned)
        return out

    def _finish_jsonata(self, state: State, data: Any, scope: StateScope, result: Any, default: Any, **extra: Any) -> Any:
        if state.output is None and state.assign is None:
            return default
        if (state.output is None or type(state.output) is Constant) and type(state.assign) in (Constant, type(None)):
            env = None  # nothing to evaluate
        elif result is not Unset:
            env = scope.env(data, result=result, **extra)
        else:
            env = scope.env(data, **extra)
        assigned = state.assign(env) if state.assign is not None else None
        out = state.output(env) if state.output is not None else default
        if assigned is not None:
            scope.frame.variables.update(assigned)
        return out

    def _number(self, spec: Any, data: Any, scope: StateScope, what: str) -> float | None:
        if spec is None:
            return None
        kind, value = spec
        if kind == "const":
            number = value
        elif kind == "path":
            try:
                number = value.resolve(data, scope)
            except PathError:
                raise StatesError(RUNTIME, f"{what}Path {value.source!r} could not be found in the input") from None
        else:
            number = value(scope.env(data))
        if kind == "path" and isinstance(number, str) and number.strip().lstrip("+-").isdigit():
            number = int(number)  # AWS reads an integer's text as the integer
        if isinstance(number, bool) or not isinstance(number, (int, float)) or number < 0:
            error = QUERY_ERROR if kind == "jsonata" else RUNTIME
            numeric = isinstance(number, (int, float)) and not isinstance(number, bool)
            if kind == "path" and not numeric:
                shown = number if isinstance(number, str) else dumps(number)
                raise StatesError(error, f'The {what}Path field refers to value "{shown}" which is not a valid '
                                         f"integer: {value.source}")
            if numeric:
                raise StatesError(error, f"{what} cannot be negative.")
            raise StatesError(error, f"{what} must be a non-negative number, got {number!r}")
        return float(number)

    def _guarded(self, state: State, data: Any, scope: StateScope,
                 body: Callable[[Runner, State, Any, StateScope], Any]) -> tuple[Any, str | None]:
        """Run ``body`` with the state's Retry and Catch."""
        counts = [0] * len(state.retriers)
        while True:
            try:
                return body(self, state, data, scope), state.next
            except StatesError as err:
                if not err.located:
                    locate(err, state, scope.entered_id, self.history)
                if err.fails_map:
                    err.fails_map = False
                    if not self._retried(state, err, counts):
                        self.history.add("MapStateFailed", {"error": err.error, **({"cause": err.cause} if err.cause is not None else {})})
                for i, retrier in enumerate(state.retriers):
                    if matches(retrier.errors, err.error, err.from_task):
                        if counts[i] < retrier.max_attempts:
                            delay = retrier.interval * (retrier.backoff ** counts[i])
                            if retrier.max_delay is not None:
                                delay = min(delay, retrier.max_delay)
                            if retrier.jitter == "FULL":
                                delay = self.rng.uniform(0, delay)
                            counts[i] += 1
                            scope.retry_count += 1
                            scope.reset()
                            self.transitions += 1
                            self.sleep(delay)
                            break
                        i = -1
                        break
                else:
                    i = -1
                if i >= 0:
                    continue
                for catcher in state.catchers:
                    if matches(catcher.errors, err.error, err.from_task):
                        return self._caught(state, data, scope, catcher, err), catcher.next
                raise

    @staticmethod
    def _retried(state: State, err: StatesError, counts: list[int]) -> bool:
        """Whether a retrier of ``state`` will retry ``err`` (``counts``: attempts made per retrier)."""
        for i, retrier in enumerate(state.retriers):
            if matches(retrier.errors, err.error, err.from_task):
                return counts[i] < retrier.max_attempts
        return False

    def _caught(self, state: State, data: Any, scope: StateScope, catcher: Catcher, err: StatesError) -> Any:
        error_output: dict[str, Any] = {"Error": err.error}
        error_output["Cause"] = err.cause if err.cause is not None else ""
        if state.ql == JSONATA:
            env = scope.env(data, errorOutput=error_output)
            assigned = catcher.assign(env) if catcher.assign is not None else None
            out = catcher.output(env) if catcher.output is not None else error_output
        else:
            assigned = catcher.assign(error_output, scope) if catcher.assign is not None else None
            out = apply_result_path(catcher.result_path, data, error_output, catcher.has_result_path)
        if assigned is not None:
            scope.frame.variables.update(assigned)
        return out

    # ------------------------------------------------------------------ Pass / Succeed / Fail
    def _pass(self, state: State, data: Any, scope: StateScope) -> tuple[Any, str | None]:
        if state.ql == JSONATA:
            return self._finish_jsonata(state, data, scope, Unset, data), state.next
        eff = self._input(state, data, scope)
        if state.result is not Unset:
            result = state.result
        elif state.parameters is not None:
            result = state.parameters(eff, scope)
        else:
            result = eff
        return self._finish_jsonpath(state, data, result, scope), state.next

    def _succeed(self, state: State, data: Any, scope: StateScope) -> tuple[Any, str | None]:
        if state.ql == JSONATA:
            return self._finish_jsonata(state, data, scope, Unset, data), None
        return self._output(state, self._input(state, data, scope), scope), None

    def _fail(self, state: State, data: Any, scope: StateScope) -> tuple[Any, str | None]:
        if state.ql == JSONATA:
            env = scope.env(data)
            error = state.error(env) if state.error is not None else None
            cause = state.cause(env) if state.cause is not None else None
        else:
            error = self._fail_field(state.error, state.error_path, data, scope, "ErrorPath")
            cause = self._fail_field(state.cause, state.cause_path, data, scope, "CausePath")
        if error is not None and not isinstance(error, str) or cause is not None and not isinstance(cause, str):
            raise StatesError(RUNTIME, "a Fail state's Error and Cause must be strings")
        failure = StatesError(error if error is not None else "", cause)
        failure.located = True  # the Fail state's own Error and Cause, as written
        raise failure

    def _fail_field(self, const: Any, path: Any, data: Any, scope: StateScope, field: str) -> Any:
        if path is None:
            return const
        if hasattr(path, "resolve"):
            try:
                return path.resolve(data, scope)
            except PathError:
                raise StatesError(RUNTIME, f"The JSONPath '{path.source}' specified for the field '{field}' could not be "
                                           f"found in the input '{dumps(data)}'") from None
        return path(data, scope)

    # ------------------------------------------------------------------ Wait
    def _wait(self, state: State, data: Any, scope: StateScope) -> tuple[Any, str | None]:
        jsonata = state.ql == JSONATA
        eff = data if jsonata else self._input(state, data, scope)
        assert state.wait is not None
        key, spec = state.wait
        err = QUERY_ERROR if jsonata else RUNTIME
        if key in ("Seconds", "SecondsPath"):
            if jsonata:
                seconds = spec(scope.env(data))
            elif key == "SecondsPath":
                try:
                    seconds = spec.resolve(eff, scope)
                except PathError:
                    raise StatesError(RUNTIME, f"Invalid path '{spec.source}' : SecondsPath could not be found in the input") from None
            else:
                seconds = spec
            if not _wait_seconds_ok(seconds):
                if key == "SecondsPath" and isinstance(seconds, (int, float)) and not isinstance(seconds, bool):
                    shown = f"{spec.source} == {dumps(seconds)}"
                    if seconds == seconds and abs(seconds) != float("inf") and int(seconds) == seconds and seconds < 0:
                        raise StatesError(err, f"The SecondsPath parameter references a negative value: {shown}")
                    raise StatesError(err, f"The SecondsPath parameter cannot be parsed as a long value: {shown}")
                raise StatesError(err, f"The Wait state's Seconds must be an integer from 0 to {MAX_WAIT_SECONDS}, got {seconds!r}")
            self.sleep(float(seconds))
        else:
            if jsonata:
                stamp = spec(scope.env(data))
            elif key == "TimestampPath":
                try:
                    stamp = spec.resolve(eff, scope)
                except PathError:
                    raise StatesError(RUNTIME, f"Invalid path '{spec.source}' : TimestampPath could not be found in the input") from None
            else:
                stamp = spec
            try:
                when = parse_timestamp(stamp)
            except (ValueError, TypeError):
                shown = stamp if isinstance(stamp, str) else dumps(stamp)
                if key == "TimestampPath":
                    raise StatesError(err, "The TimestampPath parameter does not reference a valid ISO-8601 extended "
                                           f"offset date-time format string: {spec.source} == {shown}") from None
                raise StatesError(err, "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time "
                                       f"format string: {shown}") from None
            self.sleep((when - self.clock.now()).total_seconds())
        if jsonata:
            return self._finish_jsonata(state, data, scope, Unset, data), state.next
        assigned = state.assign(eff, scope) if state.assign is not None else None
        out = self._output(state, eff, scope)
        if assigned is not None:
            scope.frame.variables.update(assigned)
        return out, state.next

    # ------------------------------------------------------------------ Choice
    def _choice(self, state: State, data: Any, scope: StateScope) -> tuple[Any, str | None]:
        if state.ql == JSONATA:
            env = scope.env(data)
            for rule in state.rules:
                assert rule.condition is not None
                verdict = rule.condition(env)
                if not isinstance(verdict, bool):
                    raise StatesError(QUERY_ERROR, f"A Choice Condition must evaluate to a boolean, got {verdict!r}")
                if verdict:
                    assigned = rule.assign(env) if rule.assign is not None else None
                    out = rule.output(env) if rule.output is not None else data
                    if assigned is not None:
                        scope.frame.variables.update(assigned)
                    return out, rule.next
            if state.default is None:
                raise StatesError("States.NoChoiceMatched", f"No Choice rule matched and there was no Default in state '{state.name}'.")
            return self._finish_jsonata(state, data, scope, Unset, data), state.default
        eff = self._input(state, data, scope)
        for rule in state.rules:
            assert rule.predicate is not None
            if rule.predicate(eff, scope):
                assign = rule.assign if rule.assign is not None else None
                assigned = assign(eff, scope) if assign is not None else None
                out = self._output(state, eff, scope)
                if assigned is not None:
                    scope.frame.variables.update(assigned)
                return out, rule.next
        if state.default is None:
            raise StatesError("States.NoChoiceMatched", f"No Choice rule matched and there was no Default in state '{state.name}'.")
        assigned = state.assign(eff, scope) if state.assign is not None else None
        out = self._output(state, eff, scope)
        if assigned is not None:
            scope.frame.variables.update(assigned)
        return out, state.default

    # ------------------------------------------------------------------ Task
    def _task(self, state: State, data: Any, scope: StateScope) -> tuple[Any, str | None]:
        return self._guarded(state, data, scope, Runner._task_body)

    def _task_body(self, state: State, data: Any, scope: StateScope) -> Any:
        info = state.resource
        assert info is not None
        if info.pattern == ".waitForTaskToken":
            scope.token = str(_uuid.UUID(int=self.rng.getrandbits(128), version=4))
            scope.reset()
        if state.ql == JSONATA:
            payload = state.arguments(scope.env(data)) if state.arguments is not None else data
            timeout = self._number(state.timeout, data, scope, "TimeoutSeconds")
            heartbeat = self._number(state.heartbeat, data, scope, "HeartbeatSeconds")
            result = self._invoke(state, info, payload, scope, timeout, heartbeat)
            return self._finish_jsonata(state, data, scope, result, result)
        eff = self._input(state, data, scope)
        payload = state.parameters(eff, scope) if state.parameters is not None else eff
        timeout = self._number(state.timeout, eff, scope, "TimeoutSeconds")
        heartbeat = self._number(state.heartbeat, eff, scope, "HeartbeatSeconds")
        result = self._invoke(state, info, payload, scope, timeout, heartbeat)
        if state.result_selector is not None:
            result = state.result_selector(result, scope)
        return self._finish_jsonpath(state, data, result, scope)

    def _invoke(self, state: State, info: integrations.ResourceInfo, payload: Any, scope: StateScope,
                timeout: float | None, heartbeat: float | None) -> Any:
        lambda_events = info.kind == "lambda-arn"
        payload_json = dumps(payload)
        if len(payload_json) > MAX_PAYLOAD // 4 and len(payload_json.encode("utf-8")) > MAX_PAYLOAD:
            raise StatesError(DATA_LIMIT, f"The task input of state '{state.name}' exceeds 262144 bytes.")
        if lambda_events:
            details: dict[str, Any] = {"resource": info.resource, "input": payload_json, "inputDetails": {"truncated": False}}
            if timeout is not None:
                details["timeoutInSeconds"] = int(timeout)
            self.history.add("LambdaFunctionScheduled", details)
            self.history.add("LambdaFunctionStarted", None)
        else:
            details = {"resourceType": info.resource_type, "resource": info.resource_name, "region": REGION,
                       "parameters": payload_json}
            if timeout is not None:
                details["timeoutInSeconds"] = int(timeout)
            if heartbeat is not None:
                details["heartbeatInSeconds"] = int(heartbeat)
            self.history.add("TaskScheduled", details)
            self.history.add("TaskStarted", {"resourceType": info.resource_type, "resource": info.resource_name})
        started = self.clock.now()
        try:
            result = self._answer(state, info, payload, scope, timeout, heartbeat)
            if timeout is not None and (self.clock.now() - started).total_seconds() > timeout:
                raise StatesError(TIMEOUT, f"The task of state '{state.name}' ran longer than its TimeoutSeconds ({timeout:g} s).")
            try:
                result_json = dumps(result)
            except (TypeError, ValueError) as exc:
                raise StatesError("Runtime.MarshalError", f"Unable to marshal response: {exc}") from None
            if len(result_json) > MAX_PAYLOAD // 4 and len(result_json.encode("utf-8")) > MAX_PAYLOAD:
                name = info.resource if lambda_events else (info.service or info.resource)
                raise StatesError(DATA_LIMIT, f"The state/task '{name}' returned a result with a size exceeding "
                                              "the maximum number of bytes service limit.")
        except StatesError as err:
            err.located = True  # a task's failure is reported as the task gave it
            err.from_task = True
            timed_out = err.error in (TIMEOUT, HEARTBEAT)
            fail = {"error": err.error}
            if err.cause is not None:
                fail["cause"] = err.cause
            if lambda_events:
                self.history.add("LambdaFunctionTimedOut" if timed_out else "LambdaFunctionFailed", fail)
            else:
                fail = {"resourceType": info.resource_type, "resource": info.resource_name, **fail}
                self.history.add("TaskTimedOut" if timed_out else "TaskFailed", fail)
            raise
        if lambda_events:
            self.history.add("LambdaFunctionSucceeded", {"output": result_json, "outputDetails": {"truncated": False}})
        else:
            self.history.add("TaskSucceeded", {"resourceType": info.resource_type, "resource": info.resource_name,
                                                "output": result_json, "outputDetails": {"truncated": False}})
        if type(result) in (dict, list):
            result = json.loads(result_json)  # detach from anything the task keeps
        return result

    def _answer(self, state: State, info: integrations.ResourceInfo, payload: Any, scope: StateScope,
                timeout: float | None, heartbeat: float | None) -> Any:
        """The Task's raw result, from a mock, a Python function or a real integration."""
        token = scope.token
        if token is not None:
            integrations.TOKENS.open(token, payload)
        mock = self.dispatcher.mock_for(state.name, info.resource)
        if mock is not None:
            result = resolve_answer(mock.next())
            return self._callback(token, result, True, timeout, heartbeat)
        fn, how = self.dispatcher.find_function(info, payload)
        if fn is not None:
            copy = json.loads(dumps(payload))
            if how == "function" and info.kind == "optimized":
                value = call_python(fn, copy.get("Payload") if isinstance(copy, dict) else None)
                result = {
                    "ExecutedVersion": "$LATEST",
                    "Payload": value,
                    "SdkHttpMetadata": {"HttpHeaders": {}, "HttpStatusCode": 200},
                    "SdkResponseMetadata": {"RequestId": str(_uuid.UUID(int=self.rng.getrandbits(128), version=4))},
                    "StatusCode": 200,
                }
            else:
                result = call_python(fn, copy)
            return self._callback(token, result, True, timeout, heartbeat)
        generic = self.dispatcher.generic()
        if generic is not None:
            result = call_python(lambda p: generic(state.name, info.resource, p), json.loads(dumps(payload)))
            return self._callback(token, result, True, timeout, heartbeat)
        result = self._integration(info, payload)
        return self._callback(token, result, False, timeout, heartbeat)

    def _callback(self, token: str | None, result: Any, answered: bool, timeout: float | None,
                  heartbeat: float | None) -> Any:
        """For ``.waitForTaskToken``: the SendTask* answer, else the answer given in-process."""
        if token is None:
            return result
        answer = integrations.TOKENS.take(token, 0.0 if answered else self.token_wait)
        if answer is not None:
            kind, first, second = answer
            if kind == "success":
                return first
            raise StatesError(str(first), second)
        if answered:
            return result
        limits = [(heartbeat, HEARTBEAT), (timeout, TIMEOUT)]
        limits = [(s, e) for s, e in limits if s is not None]
        if limits:
            seconds, error = min(limits, key=lambda x: x[0])
            self.sleep(seconds)
            raise StatesError(error, f"No SendTaskSuccess/SendTaskFailure for the task token within {seconds:g} s.")
        raise StatesError(TIMEOUT, "The task token was never completed (send_task_success from a test or another thread).")

    def _integration(self, info: integrations.ResourceInfo, payload: Any) -> Any:
        if info.kind == "lambda-arn":
            if info.resource.startswith("${"):
                raise no_implementation(info)
            return integrations.invoke_lambda(info.resource, payload)[0]
        if info.kind == "aws-sdk":
            return integrations.call_aws_sdk(info, payload)
        if info.kind == "optimized":
            if info.service == "states" and info.action == "startExecution":
                return self._start_execution(info, payload)
            return integrations.call_optimized(info, payload)
        raise no_implementation(info)

    def _start_execution(self, info: integrations.ResourceInfo, payload: Any) -> Any:
        """A nested execution: run it here if ``state_machines`` knows it, else with boto3."""
        if not isinstance(payload, dict):
            raise StatesError(RUNTIME, "states:startExecution needs a JSON object of parameters")
        arn = str(payload.get("StateMachineArn", ""))
        definition = self.state_machines.get(arn)
        if definition is None and arn.startswith("${") and arn.endswith("}"):
            definition = self.state_machines.get(arn[2:-1])
        if definition is None and ":stateMachine:" in arn:
            definition = self.state_machines.get(arn.split(":stateMachine:", 1)[1])
        if definition is None:
            if info.pattern.startswith(".sync"):
                return integrations.start_execution_sync(payload, info.pattern)
            return integrations.call_optimized(info, payload)
        if self.depth > 20:
            raise StatesError(RUNTIME, "nested executions are more than 20 deep")
        child_input = payload.get("Input", {})
        if isinstance(child_input, str):
            try:
                child_input = json.loads(child_input)
            except ValueError:
                pass
        from pyflow.local import run_definition

        name = str(payload.get("Name") or _uuid.UUID(int=self.rng.getrandbits(128), version=4))
        child = run_definition(
            definition, child_input, tasks=self.tasks, mocks=self.mocks, clock=self.clock,
            max_events=self.max_events, execution_name=name, state_machine_name=arn.rsplit(":", 1)[-1] or "child",
            seed=self.rng.getrandbits(32), state_machines=self.state_machines, token_wait=self.token_wait,
            _depth=self.depth + 1,
        )
        if not info.pattern.startswith(".sync"):
            return {"ExecutionArn": child.execution_arn, "StartDate": iso(child.start_date or self.clock.now())}
        desc = {
            "executionArn": child.execution_arn, "stateMachineArn": self.sm_arn.rsplit(":", 1)[0] + ":" + (arn.rsplit(":", 1)[-1] or "child"),
            "name": name, "status": child.status, "startDate": iso(child.start_date or self.clock.now()),
            "stopDate": iso(child.stop_date or self.clock.now()), "input": dumps(child_input),
        }
        if child.status == "SUCCEEDED":
            desc["output"] = dumps(child.output)
        else:
            desc["error"] = child.error
            desc["cause"] = child.cause
        return integrations.describe_to_result(desc, info.pattern)

    # ------------------------------------------------------------------ Parallel
    def _parallel(self, state: State, data: Any, scope: StateScope) -> tuple[Any, str | None]:
        return self._guarded(state, data, scope, Runner._parallel_body)

    def _parallel_body(self, state: State, data: Any, scope: StateScope) -> Any:
        if state.ql == JSONATA:
            eff = state.arguments(scope.env(data)) if state.arguments is not None else data
        else:
            eff = self._input(state, data, scope)
            if state.parameters is not None:
                eff = state.parameters(eff, scope)
        self.history.add("ParallelStateStarted", None)
        eff_json = dumps(eff)
        results = []
        try:
            for branch in state.branches:
                out, _ = self.run_graph(branch, eff, eff_json, Frame(dict(scope.frame.variables)))
                results.append(out)
        except StatesError as err:
            self.history.add("ParallelStateFailed", {"error": err.error, **({"cause": err.cause} if err.cause is not None else {})})
            raise
        self.history.add("ParallelStateSucceeded", None)
        if state.ql == JSONATA:
            return self._finish_jsonata(state, data, scope, results, results)
        result = state.result_selector(results, scope) if state.result_selector is not None else results
        return self._finish_jsonpath(state, data, result, scope)

    # ------------------------------------------------------------------ Map
    def _map(self, state: State, data: Any, scope: StateScope) -> tuple[Any, str | None]:
        return self._guarded(state, data, scope, Runner._map_body)

    def _map_body(self, state: State, data: Any, scope: StateScope) -> Any:
        jsonata = state.ql == JSONATA
        if jsonata:
            eff = data
            try:
                items = state.items(scope.env(data)) if state.items is not None else data
            except StatesError as err:
                err.fails_map = err.error == QUERY_ERROR  # AWS: EvaluationFailed, then MapStateFailed
                raise
            if not isinstance(items, list):
                if state.items is None:
                    failure = StatesError(QUERY_ERROR, f"Map state input must be an array but was: {_shown(items)}")
                elif not isinstance(items, (str, int, float, dict)) and items is not None:  # a function, a regex...
                    failure = StatesError(QUERY_ERROR, f"The JSONata expression '{state.items_source}' specified for "
                                                       "the field 'Items' returned an unsupported result type.")
                else:
                    failure = StatesError(QUERY_ERROR, f"The JSONata expression '{state.items_source}' specified for "
                                                       "the field 'Items' returned an unexpected result type. Expected "
                                                       f"'array', but was '{_json_type(items)}' for value: {_shown(items)}")
                failure.fails_map = True  # AWS: EvaluationFailed, then MapStateFailed
                raise failure
        else:
            eff = self._input(state, data, scope)
            if state.items_path == "$":
                items = eff
            else:
                items = select(state.items_path, eff, scope, "ItemsPath")
            if not isinstance(items, list):
                raise StatesError(RUNTIME, f"Invalid path '{state.items_path}': the value for ItemsPath must be an array, got {dumps(items)[:200]}")
        if state.max_concurrency_path is not None:
            self._number(state.max_concurrency_path, eff, scope, "MaxConcurrency")
        self.history.add("MapStateStarted", {"length": len(items)})
        # AWS reads the tolerated failure fields once the Map has started
        tolerated_count = self._number(state.tolerated_count, eff, scope, "ToleratedFailureCount")
        tolerated_pct = self._number(state.tolerated_percentage, eff, scope, "ToleratedFailurePercentage")
        tolerant = tolerated_count is not None or tolerated_pct is not None
        results: list[Any] = []
        failures = 0
        processor = state.processor
        assert processor is not None
        try:
            for index, item in enumerate(items):
                if state.item_selector is not None:
                    scope.map_item = {"Index": index, "Value": item}
                    scope.reset()
                    if jsonata:
                        item_input = state.item_selector(scope.env(data))
                    else:
                        item_input = state.item_selector(eff, scope)
                    scope.map_item = None
                    scope.reset()
                else:
                    item_input = item
                self.history.add("MapIterationStarted", {"name": state.name, "index": index})
                try:
                    out, _ = self.run_graph(processor, item_input, dumps(item_input), Frame(dict(scope.frame.variables)))
                except StatesError as err:
                    self.history.add("MapIterationFailed", {"name": state.name, "index": index})
                    if not tolerant or err.error == RUNTIME:
                        raise
                    failures += 1
                    results.append({"Error": err.error, "Cause": err.cause if err.cause is not None else ""})
                    if self._over_tolerance(failures, len(items), tolerated_count, tolerated_pct):
                        raise StatesError(TOLERATED, "The specified tolerated failure threshold was exceeded") from None
                    continue
                self.history.add("MapIterationSucceeded", {"name": state.name, "index": index})
                results.append(out)
        except StatesError as err:
            err.fails_map = True  # MapStateFailed is recorded once no retrier retries it (_guarded)
            raise
        self.history.add("MapStateSucceeded", None)
        if jsonata:
            return self._finish_jsonata(state, data, scope, results, results)
        result = state.result_selector(results, scope) if state.result_selector is not None else results
        return self._finish_jsonpath(state, data, result, scope)

    @staticmethod
    def _over_tolerance(failures: int, total: int, count: float | None, pct: float | None) -> bool:
        if count is not None and failures > count:
            return True
        return pct is not None and failures * 100.0 / max(total, 1) > pct


_HANDLERS: dict[str, Callable[[Runner, State, Any, StateScope], tuple[Any, str | None]]] = {
    "Pass": Runner._pass,
    "Succeed": Runner._succeed,
    "Fail": Runner._fail,
    "Wait": Runner._wait,
    "Choice": Runner._choice,
    "Task": Runner._task,
    "Parallel": Runner._parallel,
    "Map": Runner._map,
}
