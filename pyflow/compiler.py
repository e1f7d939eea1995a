"""The compiler's entry point: source -> frontend -> cfg -> passes -> backend -> ASL.

``compile_workflow`` accepts a ``pyflow.api.Workflow`` object (its source file is
read, never re-imported) or a ``"path/to/file.py:function"`` / ``"dotted.module:function"``
reference, and returns a ``CompiledWorkflow``; every problem is raised at once as
a ``CompileError``.
"""
from __future__ import annotations

import importlib.util
import os
import inspect
import sys
from pathlib import Path
from collections.abc import Iterator
from typing import Any

from pyflow.asl.model import walk
from pyflow.compiled import CompiledWorkflow, TaskInfo, dumps_deployed
from pyflow.diagnostics import CompileError, Reporter, Span

QUERY_LANGUAGES = ("jsonata", "jsonpath")


def locate(target: Any) -> tuple[Path, str]:
    """A workflow reference to (source file, function name) without importing it."""
    if isinstance(target, str):
        if ":" not in target:
            raise CompileError([_usage(f"{target!r} is not MODULE:FUNCTION (e.g. examples/job_poller.py:job_poller)")])
        module, _, function = target.rpartition(":")
        if module.endswith(".py") or "/" in module or Path(module).is_file():
            return Path(module), function
        try:
            spec = importlib.util.find_spec(module)
        except (ImportError, ValueError):
            spec = None
        if spec is None or not spec.origin or not spec.origin.endswith(".py"):
            candidate = Path(*module.split(".")).with_suffix(".py")
            if candidate.is_file():
                return candidate, function
            raise CompileError([_usage(f"cannot find module {module!r}")])
        return Path(spec.origin), function
    fn = getattr(target, "fn", target)
    try:
        path = Path(inspect.getsourcefile(fn) or "")
    except TypeError:
        raise CompileError([_usage(f"{target!r} is not a Python function")]) from None
    return path, fn.__name__


def _usage(message: str):
    from pyflow.diagnostics import Diagnostic

    return Diagnostic("PF003", message, None, help="name a @workflow function as path/to/module.py:function")


def compile_workflow(target: Any, query_language: str | None = None) -> CompiledWorkflow:
    path, function = locate(target)
    return compile_file(path, function, query_language)


def compile_file(path: Path, function: str, query_language: str | None = None,
                 _stack: tuple[tuple[str, str], ...] = ()) -> CompiledWorkflow:
    """Compile one workflow. The cyclic garbage collector is paused meanwhile: the
    compiler allocates many small objects and frees them together at the end."""
    import gc

    enabled = gc.isenabled()
    gc.disable()
    try:
        return _compile_file(path, function, query_language, _stack)
    finally:
        if enabled:
            gc.enable()


def _compile_file(path: Path, function: str, query_language: str | None,
                  _stack: tuple[tuple[str, str], ...]) -> CompiledWorkflow:
    from pyflow.frontend.lower import FunctionLowerer
    from pyflow.frontend.modules import ModuleLoader

    reporter = Reporter()
    loader = ModuleLoader(reporter)
    mod = loader.load(path)
    if mod is None:
        raise CompileError(reporter.items)
    info = mod.functions.get(function)
    if info is None or info.kind != "workflow":
        what = "is not defined" if info is None else f"is a @{info.kind}" if info.kind else "is not decorated with @workflow"
        # A name the module does not define is a usage error (exit 2, docs/cli.md): there is no
        # line to point at. One that names the wrong kind of function points at it (exit 1).
        span = mod.span(info.node.name) if info is not None else None
        workflows = sorted(f.name for f in mod.functions.values() if f.kind == "workflow")
        reporter.error("PF003", f"{function!r} {what} in {path}", span,
                       help=("workflows here: " + ", ".join(workflows)) if workflows else "decorate a function with @workflow")
        raise CompileError(reporter.items)
    lang = query_language or str(info.options.get("query_language") or "jsonata")
    if lang not in QUERY_LANGUAGES:
        where = info.option_nodes.get("query_language")
        reporter.error("PF112", f"unknown query language {lang!r}",
                       mod.span(where) if where is not None else mod.name_span(info.node),
                       help="use \"jsonata\" or \"jsonpath\"")
        raise CompileError(reporter.items)
    _check_options(info, reporter)
    lowered = FunctionLowerer(info, loader, reporter).lower()
    reporter.raise_if_errors()
    assert lowered is not None
    from pyflow.cfg import assign_spans
    from pyflow.passes import run_all

    lowered.assign_spans = assign_spans(lowered.graph)  # the passes fold assignments and drop their spans
    run_all(lowered.graph, lowered.entry)
    from pyflow.passes import check_unread_inputs

    check_unread_inputs(lowered.graph, lowered.entry, lowered.params)
    from pyflow.passes.limits import check_history_bound

    check_history_bound(lowered.graph, lowered.entry, reporter)
    definition = _lower_definition(lowered, lang, info.options)
    _check_limits(definition, mod, info, reporter)
    if info.options.get("type") == "EXPRESS":
        _check_express(definition, any(sig.kind == "activity" for sig in lowered.tasks.values()), mod, info, reporter)
    reporter.raise_if_errors()
    sigs = sorted(lowered.tasks.values(), key=lambda s: s.name)
    tasks = tuple(
        TaskInfo(sig.name, sig.function, sig.module.name, sig.module.path, sig.module.root,
                 dict(sig.options), sig.module.name_span(sig.node).line)
        for sig in sigs if sig.kind == "lambda" and sig.node is not None
    )
    key = (str(mod.path), function)
    nested = []
    for sig in sigs:
        if sig.kind != "workflow":
            continue
        child_key = (str(sig.module.path), sig.function)
        if child_key in _stack or child_key == key:
            reporter.error("PF118", f"workflow {sig.function!r} starts itself (directly or through others)",
                           mod.name_span(info.node), help="nested executions must not form a cycle")
            raise CompileError(reporter.items)
        nested.append(compile_file(sig.module.path, sig.function, query_language, _stack + (key,)))
    activities = tuple(sorted(sig.name for sig in sigs if sig.kind == "activity"))
    return CompiledWorkflow(
        source_map=dict(getattr(lowered, "source_map", {}) or {}),
        name=str(info.options.get("name") or info.name), definition=definition, query_language=lang,
        options=dict(info.options), tasks=tasks, nested=tuple(nested), activities=activities,
        warnings=tuple(reporter.warnings), source=mod.path,
        inputs=tuple(sorted({*loader.digests.items(), *(i for child in nested for i in child.inputs)})),
        absent=tuple(sorted({*loader.absent, *(p for child in nested for p in child.absent)})),
    )


WORKFLOW_OPTIONS = {"name", "type", "timeout", "comment", "query_language", "logs", "tracing"}


def _check_options(info: Any, reporter: Reporter) -> None:
    for key, node in info.option_nodes.items():
        if key not in WORKFLOW_OPTIONS:
            reporter.error("PF112", f"@workflow has no option {key!r}", info.module.span(node),
                           help="options: " + ", ".join(sorted(WORKFLOW_OPTIONS)))
    timeout = info.options.get("timeout")
    if timeout is not None and not (isinstance(timeout, int) and not isinstance(timeout, bool) and timeout > 0):
        reporter.error("PF112", "@workflow(timeout=) must be a positive whole number of seconds",
                       info.module.span(info.option_nodes["timeout"]))
    wtype = info.options.get("type")
    if wtype is not None and wtype not in ("STANDARD", "EXPRESS"):
        reporter.error("PF112", "@workflow(type=) must be \"STANDARD\" or \"EXPRESS\"",
                       info.module.span(info.option_nodes["type"]))


def _lower_definition(lowered: Any, lang: str, options: dict[str, Any]) -> dict[str, Any]:
    from pyflow.backend.jsonata_states import JsonataLowering, TaskMeta

    tasks = {name: TaskMeta(sig.returns, sig.options, sig.kind) for name, sig in lowered.tasks.items()}
    for name in lowered.services:
        tasks[name] = TaskMeta("dict", {}, "service")
    input_types = dict(lowered.var_types)
    if lang == "jsonpath":
        try:
            from pyflow.backend.jsonpath_states import lower_jsonpath  # type: ignore[import-not-found]
        except ImportError:
            lower_jsonpath = None
        if lower_jsonpath is None:
            raise CompileError([_usage_lang()])
        return lower_jsonpath(lowered, options)
    from pyflow.backend.jsonata_expr import Rejected
    from pyflow.diagnostics import Diagnostic

    from pyflow.cfg import guard_unassigned_reads

    guard_unassigned_reads(lowered.graph, lowered.entry)
    lowering = JsonataLowering(lowered.graph, lowered.entry, tasks, input_types)
    try:
        start, states = lowering.lower()
    except Rejected as exc:
        span = _expr_span(lowered.expr_spans, exc.expr, lowering.current_span)
        raise CompileError([Diagnostic("PF101", exc.what, span, help=exc.help)]) from None
    lowered.source_map = lowering.source_map
    from pyflow.asl import definition

    return definition("JSONata", start, states, options)


def _expr_span(spans: dict[Any, Any], expr: Any, statement: Span | None) -> Span | None:
    """Where the frontend found ``expr``: the backend sees it after assignments were folded
    in, so a parameter read (``Input``) matches the local it was (``Var``); else the one
    recorded expression of the same kind inside the statement being lowered; else the statement."""
    from pyflow import ir

    def as_vars(e: Any) -> Any:
        if isinstance(e, ir.Input):
            return ir.Var(e.name)
        if isinstance(e, ir.Builtin):
            return ir.Builtin(e.name, tuple(as_vars(a) for a in e.args))
        return e

    target = as_vars(expr)
    for known, where in spans.items():
        if as_vars(known) == target:
            return where()
    if statement is not None:
        inside = [span for known, span in ((k, w()) for k, w in spans.items()) if isinstance(known, ir.Builtin)
                  and isinstance(expr, ir.Builtin) and known.name == expr.name and span.path == statement.path
                  and statement.line <= span.line <= max(statement.end_line, statement.line)]
        if len(inside) == 1:
            return inside[0]
    return statement


def _usage_lang():
    from pyflow.diagnostics import Diagnostic

    return Diagnostic("PF112", "the JSONPath target is not available in this version of pyflow", None,
                      help="use --query-language jsonata")


MAX_DEFINITION_BYTES = 1_048_576


def _check_limits(definition: dict[str, Any], mod: Any, info: Any, reporter: Reporter) -> None:
    size = len(dumps_deployed(definition).encode("utf-8"))
    if size > MAX_DEFINITION_BYTES:
        reporter.error("PF120", f"the definition is {size:,} bytes; Step Functions accepts at most 1 MB",
                       mod.name_span(info.node),
                       help="split the workflow into nested workflows or fragments")


EXPRESS_MAX_SECONDS = 300


def _resources(states: dict[str, Any]) -> Iterator[str]:
    """Every Task resource of a definition, nested branches and item processors included."""
    for visit in walk(states):
        if isinstance(visit.state.get("Resource"), str):
            yield visit.state["Resource"]


def _check_express(definition: dict[str, Any], activities: bool, mod: Any, info: Any, reporter: Reporter) -> None:
    """What an Express workflow cannot do (Step Functions rejects it at deploy time):
    run longer than five minutes, wait for a job (``.sync``) or a task token, or
    call an activity."""
    where = mod.name_span(info.node)
    timeout = info.options.get("timeout")
    if isinstance(timeout, int) and timeout > EXPRESS_MAX_SECONDS:
        reporter.error("PF112", f"an EXPRESS workflow runs at most {EXPRESS_MAX_SECONDS} seconds; timeout={timeout}",
                       info.module.span(info.option_nodes["timeout"]) if "timeout" in info.option_nodes else where,
                       help="use type=\"STANDARD\" for longer workflows")
    patterns = sorted({suffix for r in _resources(definition.get("States", {}))
                       for suffix in (".sync", ".waitForTaskToken") if suffix in r})
    if activities:
        patterns.append("activities")
    for pattern in patterns:
        what = {".sync": "wait for a job to finish (.sync: nested workflows, pf.sync)",
                ".waitForTaskToken": "wait for a task token (pf.task_token())",
                "activities": "call activities"}[pattern]
        reporter.error("PF142", f"an EXPRESS workflow cannot {what}", where,
                       help="use type=\"STANDARD\", or start the work without waiting for it")


def compile_to_json(target: Any, query_language: str | None = None) -> str:
    return compile_workflow(target, query_language).json


if __name__ == "__main__":  # pragma: no cover
    print(compile_to_json(sys.argv[1]))
