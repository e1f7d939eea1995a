"""The user-facing API: decorators, ``Retry`` and the builtins a workflow may call.

Everything here runs natively (a ``@workflow`` called as plain Python runs its tasks
in-process). The compiler never imports this module's objects from user code: it
recognises them by qualified name in the source. This module imports nothing of
the compiler, so Lambda packages and native runs stay light.
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import functools
import hashlib
import inspect
import math
import sys
import threading
import time as _time
import uuid as _uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar, overload

from pyflow import errors as _errors

F = TypeVar("F", bound=Callable[..., Any])


# --------------------------------------------------------------------------- clock
_real_sleep = _time.sleep  # what time.sleep is when no native run has patched it


class Clock:
    """Where native ``pf.wait``/``time.sleep``-style pauses go.

    Tests and ``pyflow run --native`` swap in a virtual clock so waits cost nothing.
    """

    def sleep(self, seconds: float) -> None:
        _real_sleep(seconds)

    def now(self) -> _dt.datetime:
        return _dt.datetime.now(_dt.timezone.utc)


class VirtualClock(Clock):
    """A clock that advances instead of sleeping."""

    def __init__(self, start: _dt.datetime | None = None) -> None:
        self._now = start or _dt.datetime.now(_dt.timezone.utc)
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self._now += _dt.timedelta(seconds=max(0.0, seconds))

    def now(self) -> _dt.datetime:
        return self._now


_clock: Clock = Clock()


def set_clock(clock: Clock) -> Clock:
    """Install ``clock`` for native runs; returns the previous one."""
    global _clock
    previous, _clock = _clock, clock
    return previous


def now() -> _dt.datetime:
    """The native runs' clock's time."""
    return _clock.now()


@contextlib.contextmanager
def virtual_time() -> Iterator[VirtualClock]:
    """Run native code with waits on a virtual clock: ``pf.wait`` and the
    ``time.sleep`` calls of workflow code advance it instead of sleeping."""
    clock = VirtualClock()
    previous = set_clock(clock)
    try:
        with workflow_sleep():
            yield clock
    finally:
        set_clock(previous)


# ``time.sleep`` in a workflow body is a Wait state (DESIGN §3): while a native run or a
# virtual clock is active, ``time.sleep`` is replaced by a function that sends the
# calls made by workflow and fragment code to the clock (checked like
# ``pf.wait(seconds=)``), and every other call (task code, libraries) to the real one.
_WORKFLOW_CODES: set[Any] = set()
_sleep_lock = threading.Lock()
_sleep_users = 0
_saved_sleep: Callable[[float], None] = _real_sleep


def _workflow_aware_sleep(seconds: float) -> None:
    if sys._getframe(1).f_code in _WORKFLOW_CODES:
        wait(seconds=seconds)
    else:
        _saved_sleep(seconds)


@contextlib.contextmanager
def workflow_sleep() -> Iterator[None]:
    """Route workflow code's ``time.sleep`` to the clock for the duration (re-entrant,
    thread-safe: installed by the first user, removed by the last)."""
    global _sleep_users, _saved_sleep
    with _sleep_lock:
        if _sleep_users == 0 and _time.sleep is not _workflow_aware_sleep:
            _saved_sleep, _time.sleep = _time.sleep, _workflow_aware_sleep
        _sleep_users += 1
    try:
        yield
    finally:
        with _sleep_lock:
            _sleep_users -= 1
            if _sleep_users == 0 and _time.sleep is _workflow_aware_sleep:
                _time.sleep = _saved_sleep


def _register_code(fn: Callable[..., Any]) -> None:
    code = getattr(fn, "__code__", None)
    if code is not None:
        _WORKFLOW_CODES.add(code)


# --------------------------------------------------------------------------- retry
@dataclass(frozen=True)
class Retry:
    """One ASL retrier: which errors, how long between attempts, how many.

    ``errors`` holds exception classes or ASL error names; an empty list means
    ``States.ALL``.
    """

    errors: Sequence[type[BaseException] | str] = ()
    interval: float = 1
    max_attempts: int = 3
    backoff_rate: float = 2.0
    max_delay: float | None = None
    jitter: Literal["FULL", "NONE"] | None = None

    def error_names(self) -> list[str]:
        names = [e if isinstance(e, str) else _class_error_name(e) for e in self.errors]
        return names or ["States.ALL"]

    def matches(self, exc: BaseException) -> bool:
        return _error_matches(self.error_names(), exc)


def _class_error_name(cls: type[BaseException]) -> str:
    if cls is Exception or cls is BaseException:
        return "States.ALL"
    return getattr(cls, "asl_name", "") or cls.__name__


def _error_matches(names: Sequence[str], exc: BaseException) -> bool:
    """A retrier's ``ErrorEquals`` against a task's error, as the engine matches it."""
    name = _errors.error_name(exc)
    if name == "States.Runtime":
        return False
    for candidate in names:
        if candidate == name or (candidate == "States.ALL" and name != "States.DataLimitExceeded"):
            return True
        if candidate == "States.TaskFailed" and name not in (
                "States.Timeout", "States.DataLimitExceeded", "States.QueryEvaluationError"):
            return True
    return False


def _as_retries(retry: Retry | Sequence[Retry] | None) -> tuple[Retry, ...]:
    if retry is None:
        return ()
    if isinstance(retry, Retry):
        return (retry,)
    return tuple(retry)


def _run_with_retries(call: Callable[[], Any], retries: tuple[Retry, ...]) -> Any:
    """Python's reading of ASL Retry: first matching retrier, its own attempt count."""
    counts = [0] * len(retries)
    while True:
        try:
            return call()
        except Exception as exc:  # noqa: BLE001 - every task error is a candidate
            for i, retrier in enumerate(retries):
                if retrier.matches(exc):
                    if counts[i] >= retrier.max_attempts:
                        raise
                    delay = retrier.interval * (retrier.backoff_rate ** counts[i])
                    if retrier.max_delay is not None:
                        delay = min(delay, retrier.max_delay)
                    counts[i] += 1
                    _clock.sleep(delay)
                    break
            else:
                raise


# --------------------------------------------------------------------------- task
@dataclass(frozen=True)
class TaskOptions:
    """What ``@task(...)`` was given; read by the CDK construct and native runs."""

    timeout: int | None = None
    heartbeat: int | None = None
    retry: tuple[Retry, ...] = ()
    memory: int | None = None
    runtime: str | None = None
    resource: str | None = None
    name: str | None = None
    environment: dict[str, str] = field(default_factory=dict)
    architecture: str | None = None


class Task:
    """A ``@task`` function: a Lambda function when deployed, a checked call natively."""

    def __init__(self, fn: Callable[..., Any], options: TaskOptions) -> None:
        functools.update_wrapper(self, fn)
        self.fn = fn
        self.options = options
        self.name = options.name or fn.__name__

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Call the task as Lambda would run it: on JSON copies of the arguments,
        returning a JSON copy of the result (DESIGN §2), typeguard-checked, with the
        task's retriers; its errors read as a compiled Catch sees them."""
        from pyflow import native
        from pyflow.runtime import call_checked  # local: keeps import light

        def checked(*a: Any, **k: Any) -> Any:
            return call_checked(self.fn, a, k)

        def once() -> Any:
            try:
                return native.call_task(self.name, checked, args, kwargs)
            except Exception as exc:
                _mark_task_error(exc)
                raise

        return _run_with_retries(once, self.options.retry)

    def __repr__(self) -> str:
        return f"<pyflow task {self.name}>"


def _mark_task_error(exc: BaseException) -> None:
    """Give a task's exception the ``error``/``cause`` a compiled Catch hands its handler,
    so ``except E as err: err.error`` reads the same natively; and mark it as a
    state's error, which ``except TaskFailed`` catches (``pyflow.native.catches``)."""
    from pyflow import native

    if getattr(exc, "_pyflow_cause", None) is None:
        exc._pyflow_cause = _errors.lambda_cause(exc)  # type: ignore[attr-defined]
    native.mark_origin(exc, "task")
    if not isinstance(exc, _errors.Error):
        try:
            exc.error = _errors.error_name(exc)  # type: ignore[attr-defined]
            exc.cause = _errors.error_cause(exc)  # type: ignore[attr-defined]
        except (AttributeError, TypeError):
            pass


@overload
def task(fn: F) -> F: ...
@overload
def task(
    *,
    timeout: int | None = None,
    heartbeat: int | None = None,
    retry: Retry | Sequence[Retry] | None = None,
    memory: int | None = None,
    runtime: str | None = None,
    resource: str | None = None,
    name: str | None = None,
    environment: dict[str, str] | None = None,
    architecture: str | None = None,
) -> Callable[[F], F]: ...
def task(fn: Any = None, **options: Any) -> Any:
    """Mark a function as a step of a workflow (a Lambda function when deployed)."""
    retry = _as_retries(options.pop("retry", None))
    env = options.pop("environment", None) or {}
    opts = TaskOptions(retry=retry, environment=dict(env), **options)
    if fn is None:
        return lambda f: Task(f, opts)
    return Task(fn, opts)


# --------------------------------------------------------------------------- workflow
@dataclass(frozen=True)
class WorkflowOptions:
    name: str | None = None
    type: Literal["STANDARD", "EXPRESS"] = "STANDARD"
    timeout: int | None = None
    comment: str | None = None
    query_language: Literal["jsonata", "jsonpath"] = "jsonata"
    logs: Any = None
    tracing: bool = False


class Workflow:
    """A ``@workflow`` function: a state machine when compiled, plain Python when called.

    Called natively it behaves like an execution (``pyflow.native``): it works on a JSON
    copy of its input, returns a JSON copy of its output, and matches errors in its
    ``except`` clauses as Step Functions does. Called from a running workflow it is a
    nested execution. ``fn`` is the function as written, for plain Python use.
    """

    def __init__(self, fn: Callable[..., Any], options: WorkflowOptions) -> None:
        functools.update_wrapper(self, fn)
        self.fn = fn
        self.options = options
        self.name = options.name or fn.__name__
        self.signature = inspect.signature(fn)
        self._native_fn: Callable[..., Any] | None = None
        _register_code(fn)

    @property
    def native_fn(self) -> Callable[..., Any]:
        """``fn`` prepared for native runs (``pyflow.native.prepared``), built once."""
        if self._native_fn is None:
            from pyflow import native

            self._native_fn = native.prepared(self.fn)
            _register_code(self._native_fn)
        return self._native_fn

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from pyflow import native

        return native.call_workflow(self, args, kwargs)

    def run(self, execution_input: dict[str, Any] | None = None) -> Any:
        """Run natively with an execution input, binding fields to parameters (DESIGN §2)."""
        from pyflow import native

        data = native.input_copy(dict(execution_input or {}), f"the input of workflow {self.name!r}")
        kwargs: dict[str, Any] = {}
        for param in self.signature.parameters.values():
            if param.name in data:
                kwargs[param.name] = data[param.name]
            elif param.default is inspect.Parameter.empty:
                raise _errors.MissingInput(f"missing input field {param.name!r}")
        return native.execute(self, (), kwargs)

    def __repr__(self) -> str:
        return f"<pyflow workflow {self.name}>"


def workflow(fn: Any = None, **options: Any) -> Any:
    """Mark a function as a workflow (a state machine when compiled)."""
    opts = WorkflowOptions(**options)
    if fn is None:
        return lambda f: Workflow(f, opts)
    return Workflow(fn, opts)


class Fragment:
    """A ``@fragment`` function: inlined at each call site when compiled.

    Natively it runs prepared like a workflow body (``pyflow.native.prepared``), so its
    ``except`` clauses match errors as the inlined states' Catches do."""

    def __init__(self, fn: Callable[..., Any], options: dict[str, Any]) -> None:
        functools.update_wrapper(self, fn)
        self.fn = fn
        self.options = options
        self._native_fn: Callable[..., Any] | None = None
        _register_code(fn)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._native_fn is None:
            from pyflow import native

            self._native_fn = native.prepared(self.fn)
            _register_code(self._native_fn)
        return self._native_fn(*args, **kwargs)


def fragment(fn: Any = None, **options: Any) -> Any:
    """Mark a function as a reusable piece of a workflow (the seed's StateMachineFragment)."""
    if fn is None:
        return lambda f: Fragment(f, options)
    return Fragment(fn, options)


# --------------------------------------------------------------------------- builtins
MAX_WAIT_SECONDS = 99_999_999  # the largest Seconds a Wait state accepts


def wait(seconds: float | None = None, *, until: Any = None) -> None:
    """Pause the workflow (an ASL ``Wait``): ``seconds`` or an ISO-8601 ``until``.

    The values a Wait state rejects at run time (negative, fractional or non-numeric
    seconds, more than 99,999,999 of them, a malformed timestamp) fail natively with
    the error the compiled run fails with (``_wait_error``)."""
    if (seconds is None) == (until is None):
        raise TypeError("pf.wait takes exactly one of seconds= or until=")
    if seconds is not None:
        _clock.sleep(float(_wait_seconds(seconds)))
        return
    target = until if isinstance(until, _dt.datetime) else _wait_timestamp(until)
    _clock.sleep(max(0.0, (target - _clock.now()).total_seconds()))


def _wait_seconds(seconds: Any) -> int | float:
    """``seconds`` if a Wait state accepts it: an integral number from 0 to 99,999,999."""
    valid = (isinstance(seconds, (int, float)) and not isinstance(seconds, bool) and math.isfinite(seconds)
             and 0 <= seconds <= MAX_WAIT_SECONDS and int(seconds) == seconds)
    if not valid:
        raise _wait_error(f"The Wait state's Seconds must be an integer from 0 to {MAX_WAIT_SECONDS}, got {seconds!r}")
    return seconds


def _wait_timestamp(until: Any) -> _dt.datetime:
    """``until`` parsed if a Wait state accepts it (RFC 3339 with a zone)."""
    try:
        if not isinstance(until, str) or "T" not in until.upper() or len(until) < 20:
            raise ValueError(until)
        return parse_timestamp(until)
    except (ValueError, TypeError):
        raise _wait_error(f"The Wait state's Timestamp is not a valid timestamp: {until!r}") from None


def _wait_error(cause: str) -> _errors.Error:
    """What a Wait state fails with for a bad value: a JSONata expression's
    ``States.QueryEvaluationError``; in JSONPath, ``States.Runtime``."""
    from pyflow import native

    if native.query_language() == "jsonpath":
        return _errors.Runtime(cause)
    return _errors.QueryEvaluationError(cause)


def parse_timestamp(text: str) -> _dt.datetime:
    """Parse an RFC 3339 timestamp as Step Functions does (``Z`` or an offset required)."""
    value = _dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError(f"timestamp {text!r} has no time zone")
    return value


TIMESTAMP_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"


def is_timestamp(value: Any) -> bool:
    """Is ``value`` an RFC 3339 timestamp string (the ``IsTimestamp`` Choice test)?"""
    import re

    if not isinstance(value, str) or re.match(TIMESTAMP_PATTERN, value) is None:
        return False
    try:
        parse_timestamp(value)
    except ValueError:
        return False
    return True


def timestamp(value: str) -> _dt.datetime:
    """A timestamp for comparisons (``TimestampLessThan`` and friends)."""
    return parse_timestamp(value)


@contextlib.contextmanager
def parallel(*, retry: Retry | Sequence[Retry] | None = None) -> Iterator[None]:
    """A ``Parallel`` state; natively the branches run one after the other.

    An error leaving the block is the Parallel state's error, which a Catch sees
    (``except TaskFailed`` catches it even when a branch raised it)."""
    try:
        yield
    except Exception as exc:
        _state_error(exc)
        raise


def _state_error(exc: BaseException) -> None:
    from pyflow import native

    native.mark_origin(exc, "state")


@contextlib.contextmanager
def branch() -> Iterator[None]:
    """One branch of the enclosing ``pf.parallel()``."""
    yield


class MapItems(list):  # type: ignore[type-arg]
    """The items of ``for x in pf.map(xs):``: a list that tells native runs the loop is a
    Map state (an error leaving its body is the Map's, see ``pyflow.native``)."""


def map(  # noqa: A001 - the name users expect: pf.map
    fn_or_items: Any,
    items: Iterable[Any] | None = None,
    *,
    max_concurrency: int | None = None,
    retry: Retry | Sequence[Retry] | None = None,
    mode: Literal["inline", "distributed"] = "inline",
    **options: Any,
) -> Any:
    """A ``Map`` state: ``pf.map(f, xs)`` returns ``[f(x) for x in xs]``;
    ``for x in pf.map(xs):`` iterates for side effects."""
    if items is None:
        return MapItems(fn_or_items)
    fn = fn_or_items
    retries = _as_retries(retry)
    items = list(items)
    batch = options.get("batch_size")
    if batch:
        # an ItemBatcher hands each iteration a list of items
        items = [items[i:i + batch] for i in range(0, len(items), batch)]
    try:
        return [_run_with_retries(functools.partial(fn, item), retries) for item in items]
    except Exception as exc:
        _state_error(exc)  # the Map state's error, whatever the iteration raised
        raise


def s3_items(*, bucket: str, prefix: str | None = None, key: str | None = None,
             format: str | None = None) -> list[Any]:  # noqa: A002 - the ItemReader's own word
    """Items a Distributed Map reads from S3: the objects under ``prefix`` (each a dict
    like ``listObjectsV2``'s ``Contents`` entries), or the rows of one JSON/CSV file."""
    import csv
    import io
    import json as _json

    import boto3

    s3 = boto3.client("s3")
    if key is None:
        out: list[Any] = []
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix or ""):
            for obj in page.get("Contents", []):
                out.append({k: (v.isoformat() if isinstance(v, _dt.datetime) else v) for k, v in obj.items()})
        return out
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")
    if (format or "json") == "csv":
        return list(csv.DictReader(io.StringIO(body)))
    return list(_json.loads(body))


def s3_results(*, bucket: str, prefix: str | None = None) -> dict[str, Any]:
    """Where a Distributed Map writes its results (``ResultWriter``); natively unused."""
    return {"bucket": bucket, "prefix": prefix}


def fail(error: str = "pyflow.Failed", cause: str = "") -> None:
    """End the execution with a ``Fail`` state."""
    from pyflow import native

    exc = _errors.make_error(error, cause)
    native.mark_origin(exc, "raise")  # routed by name when compiled, like a raise statement
    raise exc


def sync(call_result: Any, **options: Any) -> Any:
    """Run a service job to completion (the ``.sync`` pattern) when compiled.

    Natively the boto3 call has already returned its start response, which is what
    this returns; compiled, Step Functions waits and returns the finished job's
    description (see docs/semantics.md)."""
    return call_result


def options(call_result: Any, **task_options: Any) -> Any:
    """Set ``timeout=``, ``heartbeat=``, ``retry=`` on a service call's Task; natively a no-op."""
    return call_result


def uuid() -> str:
    """A random version-4 UUID (``States.UUID``)."""
    return str(_uuid.uuid4())


def hash(value: str, algorithm: str = "SHA-256") -> str:  # noqa: A001
    """A hex digest of ``value`` (``States.Hash``)."""
    names = {"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512"}
    if algorithm not in names:
        raise ValueError(f"unsupported hash algorithm {algorithm!r}; use one of {sorted(names)}")
    return hashlib.new(names[algorithm], value.encode("utf-8")).hexdigest()


def task_token() -> str:
    """The task token of the current callback task (``$$.Task.Token``)."""
    return "pyflow-native-task-token"


def custom_state(state: dict[str, Any], *, native: Callable[[], Any] | None = None) -> Any:
    """Splice a raw ASL state in (the seed's ``CustomState``).

    Natively the state cannot run; ``native`` says what it does instead, or a
    ``Pass`` with a ``Result`` returns that result.
    """
    if native is not None:
        return native()
    return state.get("Result")


class Activity:
    """An activity: a Task on an activity ARN, served by a worker (``pyflow.worker``)."""

    def __init__(self, name: str, *, local: Callable[..., Any] | None = None) -> None:
        self.name = name
        self.local = local

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Natively, ``local`` answers the activity, across a JSON boundary like a task's."""
        from pyflow import native

        if self.local is None:
            raise RuntimeError(f"activity {self.name!r} has no local implementation for native runs")
        try:
            return native.call_task(self.name, self.local, args, kwargs)
        except Exception as exc:
            _mark_task_error(exc)
            raise


# --------------------------------------------------------------------------- context
class _Namespace:
    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)


def _context() -> _Namespace:
    now = _clock.now().isoformat().replace("+00:00", "Z")
    return _Namespace(
        execution=_Namespace(
            id="arn:aws:states:local:000000000000:execution:native:native",
            name="native",
            start_time=now,
            role_arn="arn:aws:iam::000000000000:role/native",
            input={},
        ),
        state=_Namespace(name="native", entered_time=now, retry_count=0),
        state_machine=_Namespace(id="arn:aws:states:local:000000000000:stateMachine:native", name="native"),
        task=_Namespace(token=task_token()),
    )


class _ContextProxy:
    """``pf.context``: the Context object (``$$``), read fresh on each access."""

    def __getattr__(self, name: str) -> Any:
        return getattr(_context(), name)


context = _ContextProxy()
