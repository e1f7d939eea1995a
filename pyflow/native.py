"""Native runs: what makes a ``@workflow`` called as plain Python behave like its
compiled state machine (DESIGN §1).

A native run is ordinary Python, with four things added at the edges:

- **JSON boundaries** (DESIGN §2). A workflow works on a JSON copy of its input and
  returns a JSON copy of its output, as an execution does; ``Task.__call__`` does the
  same for each task call (see ``pyflow.api``).
- **Nested workflows.** A ``@workflow`` called from a running workflow is a nested
  execution (``startExecution.sync:2``): its failure reaches the caller as
  ``States.TaskFailed`` whose cause describes the child execution, not as the
  child's own exception.
- **ASL error matching in ``except``.** The workflow function runs as a copy whose
  ``except`` clauses, ``raise`` statements and ``finally`` blocks call small helpers
  of this module (``prepared``). The helpers apply Step Functions' ``ErrorEquals``
  rules where Python's ``isinstance`` would differ: ``except TaskFailed`` catches any
  error of a state (a task's, a data error's) except ``States.Timeout``, but not a
  ``raise`` statement's; an error named ``States.Runtime`` is never caught. The same
  source, the same line numbers: tracebacks and debuggers see the user's file.
- **``err.error`` / ``err.cause``** on every exception a workflow catches, with the
  values a compiled ``Catch`` hands its handler.

Only the standard library is imported: Lambda packages and native runs stay light.
"""
from __future__ import annotations

import __future__
import ast
import contextlib
import builtins
import contextvars
import datetime as _dt
import inspect
import json
import linecache
import sys
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from pyflow import errors as _errors

# --------------------------------------------------------------------------- the run


@dataclass(frozen=True)
class NativeRun:
    """What code running inside a native workflow needs to know about it."""

    workflow: str
    query_language: str  # "jsonata" | "jsonpath": the target whose run-time errors to mirror


_current: contextvars.ContextVar[NativeRun | None] = contextvars.ContextVar("pyflow_native_run", default=None)
_target: contextvars.ContextVar[str | None] = contextvars.ContextVar("pyflow_native_target", default=None)


def current() -> NativeRun | None:
    """The native workflow run the caller is part of (None in task code or outside a run)."""
    return _current.get()


def query_language() -> str:
    """The query language whose run-time errors native code mirrors right now."""
    run = _current.get()
    if run is not None:
        return run.query_language
    return _target.get() or "jsonata"


@contextlib.contextmanager
def target(query_language: str | None) -> Iterator[None]:
    """Mirror ``query_language``'s run-time errors in native runs, whatever the workflows
    declare: ``assert_agrees(wf, x, query_language="jsonpath")`` compares like with like."""
    token = _target.set(query_language)
    try:
        yield
    finally:
        _target.reset(token)


@contextlib.contextmanager
def outside_workflow() -> Iterator[None]:
    """Task code is not workflow code: a workflow it calls is a run of its own."""
    token = _current.set(None)
    try:
        yield
    finally:
        _current.reset(token)


# --------------------------------------------------------------------------- JSON boundaries
_SCALARS = (str, int, float, bool, type(None))
_SCALAR_TYPES = frozenset(_SCALARS)  # NaN and infinities too: json writes and reads them back


def dumps(value: Any) -> str:
    """JSON text as the local runner writes it (so errors read the same)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def json_copy(value: Any) -> Any:
    """``value`` as it comes out of a JSON round trip (tuples become lists, dict keys
    strings). Raises ``TypeError``/``ValueError`` for what JSON cannot hold.

    Plain dicts, lists and scalars, what workflows pass around, are copied directly
    (several times faster than a round trip through JSON text); anything else takes
    the round trip, which also gives JSON's own errors."""
    if type(value) in _SCALAR_TYPES:
        return value  # immutable and already JSON: no copy needed
    try:
        return _copy(value)
    except (_NotPlain, RecursionError):
        return json.loads(dumps(value))


class _NotPlain(Exception):
    """A value the direct copy leaves to ``json``."""


_KEYS = {True: "true", False: "false", None: "null"}


def _copy(value: Any) -> Any:
    kind = type(value)
    if kind is dict:
        return {_key(k): v if type(v) in _SCALAR_TYPES else _copy(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [v if type(v) in _SCALAR_TYPES else _copy(v) for v in value]
    if kind in _SCALAR_TYPES:
        return value
    raise _NotPlain


def _key(key: Any) -> str:
    """A dict key as JSON writes it (``1`` -> ``"1"``, ``True`` -> ``"true"``)."""
    kind = type(key)
    if kind is str:
        return key
    if kind is bool or key is None:
        return _KEYS[key]
    if kind is int:
        return str(key)
    raise _NotPlain


def input_copy(value: Any, what: str | Callable[[], str]) -> Any:
    """A JSON copy of a value entering a workflow or a task; non-JSON is a TypeError,
    as it is for Step Functions' execution input. ``what`` names the value (a callable
    when building the name costs more than the copy)."""
    try:
        return json_copy(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{what() if callable(what) else what} is not JSON: {exc}") from None


TaskObserver = Callable[[str, str, Any], None]
_observer: contextvars.ContextVar[TaskObserver | None] = contextvars.ContextVar("pyflow_native_observer", default=None)


@contextlib.contextmanager
def observing(observer: TaskObserver) -> Iterator[None]:
    """Tell ``observer(event, task, value)`` of every task call of native runs in this context:
    ``("call", name, {"args": [...], "kwargs": {...}})``, then ``("result", name, value)`` or
    ``("error", name, exception)``. A native run has no states to trace; its task calls are
    what ``pyflow run --native --trace`` can show."""
    token = _observer.set(observer)
    try:
        yield
    finally:
        _observer.reset(token)


def call_task(name: str, call: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """One task (or activity) invocation as Lambda makes it: ``call`` gets JSON copies of
    the arguments, runs as code outside the workflow, and its result is marshalled."""
    payload = tuple(input_copy(a, lambda: f"an argument of task {name!r}") for a in args)
    named = {k: input_copy(v, lambda k=k: f"argument {k!r} of task {name!r}") for k, v in kwargs.items()}
    observer = _observer.get()
    if observer is not None:
        observer("call", name, {"args": list(payload), "kwargs": named})
    try:
        with outside_workflow():
            result = task_result(call(*payload, **named))
    except BaseException as exc:
        if observer is not None:
            observer("error", name, exc)
        raise
    if observer is not None:
        observer("result", name, result)
    return result


def output_copy(value: Any, workflow: str) -> Any:
    """A JSON copy of a workflow's output (an execution's output is JSON text)."""
    try:
        return json_copy(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"the output of workflow {workflow!r} is not JSON: {exc}") from None


def task_result(value: Any) -> Any:
    """A JSON copy of a task's return value, or Lambda's ``Runtime.MarshalError``."""
    try:
        return json_copy(value)
    except (TypeError, ValueError) as exc:
        raise _errors.MarshalError(f"Unable to marshal response: {exc}") from None


# --------------------------------------------------------------------------- workflows
def call_workflow(wf: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """``wf(...)``: a run of its own, or a nested execution when a workflow is running."""
    bound = wf.signature.bind(*args, **kwargs)
    if _current.get() is not None:
        return _nested(wf, {name: input_copy(value, f"argument {name!r} of workflow {wf.name!r}")
                            for name, value in bound.arguments.items()})
    for name, value in bound.arguments.items():
        bound.arguments[name] = input_copy(value, f"argument {name!r} of workflow {wf.name!r}")
    return execute(wf, bound.args, bound.kwargs)


def execute(wf: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Run ``wf``'s body natively with arguments already copied; a JSON copy of its output."""
    from pyflow.api import workflow_sleep

    run = NativeRun(wf.name, _target.get() or wf.options.query_language)
    token = _current.set(run)
    try:
        with workflow_sleep():
            result = wf.native_fn(*args, **kwargs)
    finally:
        _current.reset(token)
    return output_copy(result, wf.name)


def _nested(wf: Any, child_input: dict[str, Any]) -> Any:
    """A nested execution: the child runs on its own; its failure is the parent's
    ``States.TaskFailed``, with the child's error and cause inside the cause."""
    from pyflow.api import now

    started = now()
    try:
        with outside_workflow():
            return wf.run(child_input)
    except Exception as exc:  # noqa: BLE001 - any failure of the child fails the Task
        failure = _errors.TaskFailed(_describe_failed(wf.name, child_input, exc, started, now()))
        mark_origin(failure, "task")
        raise failure from exc


def _describe_failed(name: str, child_input: Any, exc: BaseException,
                     started: _dt.datetime, stopped: _dt.datetime) -> str:
    """The cause Step Functions gives a failed ``startExecution.sync:2``: the child's
    ``DescribeExecution``, whose ``Error``/``Cause`` are the child's own. The ARNs
    and the name are placeholders natively."""
    desc = {
        "ExecutionArn": f"arn:aws:states:local:000000000000:execution:{name}:native",
        "StateMachineArn": f"arn:aws:states:local:000000000000:stateMachine:{name}",
        "Name": "native",
        "Status": "FAILED",
        "StartDate": _iso(started),
        "StopDate": _iso(stopped),
        "Input": child_input,
        "Error": _errors.error_name(exc),
        "Cause": _errors.error_cause(exc),
    }
    return dumps(desc)


def _iso(when: _dt.datetime) -> str:
    return when.astimezone(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


# --------------------------------------------------------------------------- where errors come from
# "raise": a raise statement (or pf.fail, a bare re-raise, a finally's re-raise) in
# workflow code: compiled, the compiler routes it to a handler by name, so the
# ``States.TaskFailed`` wildcard does not apply. "task"/"state": the error of a
# state (a Task, a nested execution, a Parallel, a Map), seen by a Catch. None: an
# error Python raised while evaluating an expression (a data error).
_ORIGIN = "_pyflow_origin"
DATA_ERRORS = tuple(getattr(builtins, name) for name in _errors.DATA_ERRORS)


def mark_origin(exc: BaseException, origin: str) -> None:
    try:
        setattr(exc, _ORIGIN, origin)
    except AttributeError:
        pass


def origin(exc: BaseException) -> str | None:
    return getattr(exc, _ORIGIN, None)


def is_data_error(exc: BaseException) -> bool:
    """An error Python raised evaluating an expression of the workflow: compiled, the
    engine's own data error (JSONata: ``States.QueryEvaluationError``; JSONPath: a
    path that matches nothing is ``States.Runtime``)."""
    return origin(exc) is None and isinstance(exc, DATA_ERRORS) and not isinstance(exc, _errors.Error)


def asl_error_name(exc: BaseException) -> str:
    """The name ``ErrorEquals`` sees for ``exc`` in the compiled run (once caught, the
    ``err.error`` it was given)."""
    attached = getattr(exc, "__dict__", {}).get("error")
    if isinstance(attached, str):
        return attached
    if is_data_error(exc):
        return "States.QueryEvaluationError" if query_language() == "jsonata" else "States.Runtime"
    return _errors.error_name(exc)


def attach(exc: BaseException, error: str, cause: str) -> None:
    """Give ``exc`` the ``error``/``cause`` a compiled Catch hands its handler, unless it
    has them already (``pyflow.errors.Error`` computes them; a task's error has them)."""
    if isinstance(exc, _errors.Error) or hasattr(exc, "error"):
        return
    try:
        exc.error = error  # type: ignore[attr-defined]
        exc.cause = cause  # type: ignore[attr-defined]
    except AttributeError:
        pass


def message(exc: BaseException) -> str:
    """A raised exception's Cause: its one argument as a string (``KeyError("k")`` -> ``k``)."""
    if len(exc.args) == 1:
        return str(exc.args[0])
    return str(exc) if exc.args else ""


# --------------------------------------------------------------------------- the helpers rewritten code calls
def _h_except(declared: Any) -> Any:
    """``except X`` -> ``except _h_except(X)``: ``BaseException`` if ASL's rules catch the
    error being handled, else ``()``, which catches nothing."""
    exc = sys.exception()
    if exc is None:  # pragma: no cover - an except clause always has an exception
        return declared
    return BaseException if catches(BaseException if declared is None else declared, exc) else ()


def _flatten(declared: Any) -> list[Any]:
    if isinstance(declared, tuple):
        return [c for item in declared for c in _flatten(item)]
    return [declared]


# What the ``States.TaskFailed`` wildcard does not match (``pyflow.local.engine.matches``).
TASK_FAILED_EXCLUDES = ("States.Timeout", "States.DataLimitExceeded", "States.QueryEvaluationError")


def catches(declared: Any, exc: BaseException) -> bool:
    """Step Functions' ``ErrorEquals`` matching for one ``except`` clause.

    The classes Python would match still match; ``Exception`` is ``States.ALL``, which
    does not catch ``States.DataLimitExceeded``; ``TaskFailed`` also catches every
    state's error but ``States.Timeout`` and a JSONata expression's
    ``States.QueryEvaluationError``; nothing catches ``States.Runtime``."""
    if not isinstance(exc, Exception):  # KeyboardInterrupt, SystemExit: not workflow errors
        return _python_catches(declared, exc)
    name = asl_error_name(exc)
    if name == "States.Runtime":
        return False
    classes = [c for c in _flatten(declared) if isinstance(c, type)]
    catch_all = [c for c in classes if c is Exception or c is BaseException or c is _errors.ALL]
    named = [c for c in classes if c not in catch_all]
    if any(isinstance(exc, c) for c in named):
        return True
    if catch_all:
        return name != "States.DataLimitExceeded"
    if any(c is _errors.TaskFailed for c in named) and origin(exc) != "raise":
        return name not in TASK_FAILED_EXCLUDES
    return False


def _python_catches(declared: Any, exc: BaseException) -> bool:
    try:
        return isinstance(exc, declared)
    except TypeError:  # not a class: let Python's except report it
        return False


def _h_caught(exc: BaseException) -> None:
    """First statement of ``except ... as err:``: ``err.error`` and ``err.cause``."""
    if is_data_error(exc):
        attach(exc, asl_error_name(exc), f"{type(exc).__name__}: {exc}")
    else:
        attach(exc, _errors.error_name(exc), _errors.error_cause(exc))


def _h_raise(value: Any) -> Any:
    """``raise X`` -> ``raise _h_raise(X)``: a Fail with Error = class name, Cause = message."""
    exc = value() if isinstance(value, type) and issubclass(value, BaseException) else value
    if isinstance(exc, BaseException):
        mark_origin(exc, "raise")
        attach(exc, _errors.error_name(exc), message(exc))
        if getattr(exc, "_pyflow_cause", None) is None and not isinstance(exc, _errors.Error):
            exc._pyflow_cause = getattr(exc, "cause", message(exc))  # type: ignore[attr-defined]
    return exc


def _h_reraise() -> None:
    """Before a bare ``raise``: compiled, a re-raise is routed by name like a raise."""
    exc = sys.exception()
    if exc is not None:
        _h_caught(exc)
        mark_origin(exc, "raise")


def _h_finally() -> None:
    """First statement of ``finally:``: an error passing through is re-raised by name."""
    exc = sys.exception()
    if exc is not None:
        _h_caught(exc)
        mark_origin(exc, "raise")


def _h_loop_error(items: Any) -> Any:
    """``except`` clause around ``for x in ITEMS:``: catches nothing, but when ITEMS is
    ``pf.map(xs)`` the error leaving the body is the Map state's, which a Catch sees."""
    from pyflow.api import MapItems

    exc = sys.exception()
    if exc is not None and isinstance(items, MapItems):
        mark_origin(exc, "state")
    return ()


HELPERS: dict[str, Callable[..., Any]] = {
    "__pyflow_loop_error__": _h_loop_error,
    "__pyflow_except__": _h_except,
    "__pyflow_caught__": _h_caught,
    "__pyflow_raise__": _h_raise,
    "__pyflow_reraise__": _h_reraise,
    "__pyflow_finally__": _h_finally,
}


# --------------------------------------------------------------------------- the rewrite
class _Unsupported(Exception):
    """The function cannot be prepared; it runs as written (plain Python semantics)."""


def _call(name: str, *args: ast.expr) -> ast.Call:
    return ast.Call(func=ast.Name(id=name, ctx=ast.Load()), args=list(args), keywords=[])


class _Rewriter(ast.NodeTransformer):
    """Routes ``except``, ``raise`` and ``finally`` through ``HELPERS``."""

    def __init__(self) -> None:
        self.changed = False
        self.loops = 0

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> ast.ExceptHandler:  # noqa: N802
        self.generic_visit(node)
        declared = node.type if node.type is not None else ast.Constant(None)
        node.type = ast.copy_location(_call("__pyflow_except__", declared), node.type or node)
        if node.name:
            caught = ast.Expr(_call("__pyflow_caught__", ast.Name(id=node.name, ctx=ast.Load())))
            node.body.insert(0, ast.copy_location(caught, node))
        self.changed = True
        return node

    def visit_Raise(self, node: ast.Raise) -> Any:  # noqa: N802
        self.generic_visit(node)
        self.changed = True
        if node.exc is None:
            return [ast.copy_location(ast.Expr(_call("__pyflow_reraise__")), node), node]
        node.exc = ast.copy_location(_call("__pyflow_raise__", node.exc), node.exc)
        return node

    def visit_Try(self, node: ast.Try) -> ast.Try:  # noqa: N802
        self.generic_visit(node)
        if node.finalbody:
            first = node.finalbody[0]
            node.finalbody.insert(0, ast.copy_location(ast.Expr(_call("__pyflow_finally__")), first))
            self.changed = True
        return node

    def visit_For(self, node: ast.For) -> Any:  # noqa: N802
        """``for x in CALL:`` may be ``for x in pf.map(xs):``, a Map state: its items go
        to a temporary so that an error leaving the loop can be told apart."""
        self.generic_visit(node)
        if not isinstance(node.iter, ast.Call):
            return node
        self.changed = True
        self.loops += 1
        items = f"__pyflow_items_{self.loops}__"
        assign = ast.Assign(targets=[ast.Name(id=items, ctx=ast.Store())], value=node.iter)
        node.iter = ast.Name(id=items, ctx=ast.Load())
        handler = ast.ExceptHandler(type=_call("__pyflow_loop_error__", ast.Name(id=items, ctx=ast.Load())),
                                    name=None, body=[ast.Raise(exc=None, cause=None)])
        guarded = ast.Try(body=[node], handlers=[handler], orelse=[], finalbody=[])
        for new in (assign, guarded, handler, *handler.body):
            ast.copy_location(new, node)
        return [assign, guarded]

    def visit_TryStar(self, node: Any) -> Any:  # noqa: N802 - except* is not a workflow construct
        return node


def _find_def(tree: ast.Module, fn: Callable[..., Any]) -> ast.FunctionDef:
    """The ``def`` of ``fn`` in its module's syntax tree (by name and first line)."""
    first = fn.__code__.co_firstlineno
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == fn.__name__:
            lines = [node.lineno] + [d.lineno for d in node.decorator_list]
            if min(lines) == first:
                return node
    raise _Unsupported(f"no def of {fn.__name__} at line {first}")


def _bare(node: ast.FunctionDef) -> ast.FunctionDef:
    """The def without decorators, defaults and annotations: the function object keeps
    the original's, and evaluating them again could fail or have effects."""
    args = node.args
    for a in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
        if a is not None:
            a.annotation = None
    args.defaults = []
    args.kw_defaults = [None] * len(args.kwonlyargs)
    node.decorator_list = []
    node.returns = None
    return node


def _future_flags(code: types.CodeType) -> int:
    flags = 0
    for feature in __future__.all_feature_names:
        flag = getattr(__future__, feature).compiler_flag
        if code.co_flags & flag:
            flags |= flag
    return flags


def _rewrite(fn: Callable[..., Any]) -> Callable[..., Any]:
    if not isinstance(fn, types.FunctionType) or hasattr(fn, "__wrapped__"):
        raise _Unsupported("not a plain function")
    code = fn.__code__
    if "__class__" in code.co_freevars or code.co_flags & (inspect.CO_COROUTINE | inspect.CO_GENERATOR):
        raise _Unsupported("a method, generator or coroutine")
    filename = inspect.getsourcefile(fn)
    lines = linecache.getlines(filename, fn.__globals__) if filename else []
    if not lines:
        raise _Unsupported("no source")
    tree = ast.parse("".join(lines), filename)
    rewriter = _Rewriter()
    node = _bare(rewriter.visit(_find_def(tree, fn)))
    if not rewriter.changed:
        return fn
    params = [*HELPERS, *code.co_freevars]
    outer = ast.FunctionDef(
        name="__pyflow_outer__",
        args=ast.arguments(posonlyargs=[], args=[ast.arg(arg=p) for p in params], vararg=None,
                           kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[]),
        body=[node, ast.Return(ast.Name(id=node.name, ctx=ast.Load()))],
        decorator_list=[], returns=None, type_comment=None,
    )
    module = ast.Module(body=[ast.copy_location(outer, node)], type_ignores=[])
    ast.fix_missing_locations(module)
    compiled = compile(module, filename, "exec", flags=_future_flags(code), dont_inherit=True)
    outer_code = next(c for c in compiled.co_consts if isinstance(c, types.CodeType))
    inner = next(c for c in outer_code.co_consts if isinstance(c, types.CodeType) and c.co_name == fn.__name__)
    inner = inner.replace(co_qualname=code.co_qualname)
    cells = dict(zip(code.co_freevars, fn.__closure__ or ()))
    cells.update({name: types.CellType(helper) for name, helper in HELPERS.items()})
    new = types.FunctionType(inner, fn.__globals__, fn.__name__, fn.__defaults__,
                             tuple(cells[name] for name in inner.co_freevars))
    new.__kwdefaults__ = fn.__kwdefaults__
    new.__annotations__ = fn.__annotations__
    new.__dict__.update(fn.__dict__)
    new.__module__, new.__qualname__, new.__doc__ = fn.__module__, fn.__qualname__, fn.__doc__
    return new


def prepared(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` with its ``except``/``raise``/``finally`` routed through ``HELPERS``; ``fn``
    itself when its source cannot be read (it then keeps plain Python semantics)."""
    try:
        return _rewrite(fn)
    except (_Unsupported, OSError, TypeError, SyntaxError, ValueError, StopIteration):
        return fn
