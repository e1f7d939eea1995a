"""``pyflow run``: execute a workflow or an ASL file locally, no AWS account needed.

``pyflow run MODULE:FUNCTION --input JSON|@file.json`` compiles the workflow and
runs the ASL on the local runner, tasks in-process, waits on a virtual clock;
``--native`` calls the Python function instead.  ``pyflow run machine.asl.json``
runs any definition.  Exit codes: 0 succeeded, 1 user error (compile error,
invalid definition, a module that fails to import), 2 usage error (a bad target or
``--input``), 3 the execution failed or timed out.
"""
from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.util
import json
import os
import sys
from typing import Any

from pyflow.cli import EXIT_FAILED_EXECUTION, EXIT_OK, EXIT_USAGE, EXIT_USER


class UserError(Exception):
    """A mistake in the user's files: reported in one line, exit 1."""

    status = EXIT_USER


class UsageError(UserError):
    """A bad argument (target, ``--input``): reported in one line, exit 2 (docs/cli.md)."""

    status = EXIT_USAGE


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "run",
        help="run a workflow or an ASL definition locally",
        description="Run MODULE:FUNCTION (compiled, on the local runner, or --native) or an ASL JSON file.",
    )
    parser.add_argument("target", metavar="MODULE:FUNCTION|FILE.json",
                        help="a workflow (path/to/file.py:name or dotted.module:name) or an ASL definition file")
    parser.add_argument("--input", "-i", default="{}", metavar="JSON|@FILE",
                        help="the execution input as JSON, or @file.json (default {})")
    parser.add_argument("--native", action="store_true", help="run the Python function directly")
    parser.add_argument("--trace", action="store_true", help="print each state entered with its input and output")
    parser.add_argument("--json", action="store_true", dest="as_json",
                        help='print one object: {"status", "output"|"error"/"cause", "transitions"} '
                             '(with --trace, also "states": the states entered, for `pyflow graph --execution`)')
    parser.add_argument("--query-language", choices=("jsonata", "jsonpath"), default=None,
                        help="target query language when compiling a workflow")
    parser.set_defaults(func=main)


def read_input(text: str) -> Any:
    if text.startswith("@"):
        path = text[1:]
        try:
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
        except OSError as exc:
            raise UsageError(f"cannot read input file {path}: {exc.strerror}") from None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise UsageError(f"--input is not valid JSON: {exc}") from None


def is_definition_file(target: str) -> bool:
    return target.endswith(".json") or (os.path.isfile(target) and ":" not in os.path.basename(target))


def load_workflow(target: str) -> Any:
    """Import ``path/to/file.py:name`` or ``dotted.module:name`` (user code runs here)."""
    module_ref, sep, attr = target.rpartition(":")
    if not sep or not module_ref or not attr:
        raise UsageError(f"expected MODULE:FUNCTION or a .json file, got {target!r}")
    try:
        if module_ref.endswith(".py") or os.sep in module_ref or "/" in module_ref:
            if not os.path.isfile(module_ref):
                raise UsageError(f"no such file: {module_ref}")
            name = "_pyflow_user_" + os.path.splitext(os.path.basename(module_ref))[0]
            directory = os.path.dirname(os.path.abspath(module_ref))
            if directory not in sys.path:
                sys.path.insert(0, directory)
            spec = importlib.util.spec_from_file_location(name, module_ref)
            if spec is None or spec.loader is None:
                raise UserError(f"cannot import {module_ref}")
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
        else:
            if os.getcwd() not in sys.path:
                sys.path.insert(0, os.getcwd())
            module = importlib.import_module(module_ref)
    except UserError:
        raise
    except Exception as exc:  # noqa: BLE001 - the user's module failed to import
        raise UserError(f"cannot import {module_ref}: {type(exc).__name__}: {exc}") from None
    obj = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise UsageError(f"{module_ref} has no attribute {attr!r}")
        obj = getattr(obj, part)
    return obj


def _trace_printer(event: dict[str, Any]) -> None:
    kind = event["type"]
    if kind.endswith("StateEntered"):
        d = event["stateEnteredEventDetails"]
        print(f"-> {d['name']} ({kind[:-len('StateEntered')]}) input: {d.get('input')}", file=sys.stderr)
    elif kind.endswith("StateExited"):
        d = event["stateExitedEventDetails"]
        print(f"<- {d['name']} output: {d.get('output')}", file=sys.stderr)
    elif kind.endswith("Failed") and not kind.startswith("Execution"):
        details = next((v for k, v in event.items() if k.endswith("EventDetails")), {})
        print(f"!! {kind}: {details.get('error')}: {details.get('cause')}", file=sys.stderr)


def _print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False, default=str))


def _native_trace_printer(event: str, task: str, value: Any) -> None:
    """``--native --trace``: a native run enters no states; it shows each task call instead."""
    from pyflow.errors import error_cause, error_name

    if event == "call":
        args = ", ".join([json.dumps(a, default=str) for a in value["args"]]
                         + [f"{k}={json.dumps(v, default=str)}" for k, v in value["kwargs"].items()])
        print(f"-> {task}({args})", file=sys.stderr)
    elif event == "result":
        print(f"<- {task} output: {json.dumps(value, default=str)}", file=sys.stderr)
    else:
        print(f"!! {task} failed: {error_name(value)}: {error_cause(value)}", file=sys.stderr)


def _print_user_traceback(exc: BaseException) -> None:
    """Native code is the user's own Python: where it failed is worth a traceback, of the
    user's frames only (pyflow's own frames between a workflow and its tasks say nothing)."""
    import traceback
    from pathlib import Path

    import pyflow

    ours = str(Path(pyflow.__file__).resolve().parent)
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if not str(Path(f.filename).resolve()).startswith(ours)]
    if frames:
        print("Traceback (most recent call last):", file=sys.stderr)
        print("".join(traceback.format_list(frames)), end="", file=sys.stderr)
    print("".join(traceback.format_exception_only(exc)), end="", file=sys.stderr)


def _run_native(workflow: Any, execution_input: Any, as_json: bool, trace: bool = False) -> int:
    from pyflow import native
    from pyflow.api import virtual_time
    from pyflow.errors import error_cause, error_name

    if not hasattr(workflow, "run"):
        raise UsageError(f"{workflow!r} is not a @workflow function")
    observing = native.observing(_native_trace_printer) if trace else contextlib.nullcontext()
    with virtual_time(), observing:
        try:
            output = workflow.run(execution_input)
        except Exception as exc:  # noqa: BLE001 - the workflow's failure is the run's result
            error, cause = error_name(exc), error_cause(exc)
            if as_json:
                _print_json({"status": "FAILED", "error": error, "cause": cause, "transitions": 0})
            else:
                _print_user_traceback(exc)
                print(f"pyflow: execution failed: {error}: {cause}", file=sys.stderr)
            return EXIT_FAILED_EXECUTION
    if as_json:
        _print_json({"status": "SUCCEEDED", "output": output, "transitions": 0})
    else:
        _print_json(output)
    return EXIT_OK


def _compile(workflow: Any, query_language: str | None) -> tuple[Any, Any, Any]:
    try:
        from pyflow.testing import compile_for_run
    except ImportError as exc:  # pragma: no cover - testing is part of the package
        raise UserError(str(exc)) from None
    try:
        return compile_for_run(workflow, query_language)
    except ImportError as exc:
        if "pyflow.compiler" in str(exc) or getattr(exc, "name", "") == "pyflow.compiler":
            raise UserError("the compiler is not available in this build; use --native") from None
        raise
    except Exception as exc:
        if hasattr(exc, "diagnostics"):
            render = getattr(exc, "render", None)
            text = render() if callable(render) else "\n".join(str(d) for d in exc.diagnostics)
            raise UserError(text.rstrip()) from None
        raise


def main(args: argparse.Namespace) -> int:
    try:
        return _main(args)
    except UserError as exc:
        message = str(exc)
        print(message if "\n" in message else f"pyflow run: {message}", file=sys.stderr)
        return exc.status


def _main(args: argparse.Namespace) -> int:
    from pyflow.local import DefinitionError, run_definition

    execution_input = read_input(args.input)
    trace = _trace_printer if args.trace else None
    if is_definition_file(args.target):
        if args.native:
            raise UsageError("--native needs MODULE:FUNCTION, not a definition file")
        try:
            with open(args.target, encoding="utf-8") as fh:
                definition: Any = fh.read()
        except OSError as exc:
            raise UsageError(f"cannot read {args.target}: {exc.strerror}") from None
        tasks = None
        machines: Any = {}
    else:
        workflow = load_workflow(args.target)
        if args.native:
            return _run_native(workflow, execution_input, args.as_json, args.trace)
        definition, tasks, machines = _compile(workflow, args.query_language)
    try:
        ex = run_definition(definition, execution_input, tasks=tasks, trace=trace, state_machines=machines)
    except DefinitionError as exc:
        raise UserError(f"{args.target}: {exc}") from None
    if args.as_json:
        result = ex.to_json()
        if args.trace:  # the states entered, in order: what `pyflow graph --execution` overlays
            result["states"] = list(ex.states)
        _print_json(result)
    elif ex.status == "SUCCEEDED":
        _print_json(ex.output)
    else:
        print(f"pyflow: execution {ex.status.lower().replace('_', ' ')}: {ex.error}: {ex.cause}", file=sys.stderr)
    return EXIT_OK if ex.status == "SUCCEEDED" else EXIT_FAILED_EXECUTION
