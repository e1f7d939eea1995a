"""``pyflow graph MODULE:FUNCTION|FILE.asl.json``: a picture of the state machine.

Mermaid and dot are text, written as they are; svg and png go through
Graphviz's ``dot``.  ``--execution TRACE.json`` overlays a local run's path: the
object ``pyflow run ... --trace --json`` prints (its ``"states"`` list), a
history (``"history"`` events), or a plain JSON list of state names.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from pyflow.cli import EXIT_USER

FORMATS = ("mermaid", "dot", "svg", "png")


class _UserError(Exception):
    pass


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("graph", help="draw the state machine (mermaid, dot, svg, png)",
                       description="Draw a @workflow's state machine, or an ASL JSON file, like the "
                                   "Step Functions console: svg/png need Graphviz (Debian package graphviz).")
    p.add_argument("target", metavar="MODULE:FUNCTION|FILE.asl.json")
    p.add_argument("--format", "-f", choices=FORMATS, default="mermaid", help="default: mermaid")
    p.add_argument("-o", "--output", metavar="FILE", help="write the picture here instead of stdout")
    p.add_argument("--query-language", choices=("jsonata", "jsonpath"), default=None)
    p.add_argument("--execution", metavar="TRACE.json",
                   help="highlight the path of a local run (the output of `pyflow run --trace --json`)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pyflow.graph import GraphvizMissing, RenderError, draw

    try:
        visited, status = _read_execution(args.execution) if args.execution else (None, None)
        if _is_definition_file(args.target):
            definition, source_map, title = _read_definition(args.target), None, Path(args.target).name
        else:
            from pyflow.cli._common import compile_or_report

            compiled, code = compile_or_report(args.target, args.query_language)
            if compiled is None:
                return code
            definition, source_map, title = compiled.definition, source_map_for(compiled), compiled.name
        if args.format == "png" and not args.output and sys.stdout.isatty():
            raise _UserError("a PNG is binary: write it to a file with -o FILE")
        try:
            data = draw(definition, args.format, source_map, visited, title=title, status=status)
        except ValueError as exc:
            raise _UserError(f"{args.target}: {exc}") from None
    except (_UserError, GraphvizMissing, RenderError) as exc:
        print(f"pyflow graph: {exc}", file=sys.stderr)
        return EXIT_USER
    if args.output:
        Path(args.output).write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return 0


def source_map_for(compiled: Any) -> dict[str, Any]:
    """The compiled workflow's source map.

    The JSONPath backend does not fill one (yet): borrow the JSONata
    compilation's, for the states that have the same name and type there (and
    a Choice's conditions only when it has as many rules).
    """
    if compiled.source_map or compiled.query_language.lower() != "jsonpath" or compiled.source is None:
        return dict(compiled.source_map)
    from pyflow.compiler import compile_file
    from pyflow.diagnostics import CompileError

    try:
        other = compile_file(compiled.source, _function_name(compiled), "jsonata")
    except (CompileError, OSError, SyntaxError):  # best effort: no lines rather than no picture
        return {}
    mine, theirs = _all_states(compiled.definition), _all_states(other.definition)
    borrowed: dict[str, Any] = {}
    for name, info in other.source_map.items():
        if name not in mine or name not in theirs or mine[name].get("Type") != theirs[name].get("Type"):
            continue
        entry = {k: v for k, v in info.items() if k != "conditions"}
        conditions = [c for c in info.get("conditions") or [] if c != "else"]
        if conditions and len(conditions) == len(mine[name].get("Choices") or []):
            entry["conditions"] = conditions
        borrowed[name] = entry
    return borrowed


def _function_name(compiled: Any) -> str:
    """CompiledWorkflow.name is the @workflow(name=...) option, else the function's name."""
    if "name" not in compiled.options:
        return compiled.name
    import ast

    tree = ast.parse(Path(compiled.source).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            for dec in node.decorator_list:
                if isinstance(dec, ast.Call) and any(
                        k.arg == "name" and isinstance(k.value, ast.Constant) and k.value.value == compiled.name
                        for k in dec.keywords):
                    return node.name
    return compiled.name


def _all_states(machine: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every state by name, nested ones included; the first state of a name wins."""
    from pyflow.asl.model import walk

    found: dict[str, dict[str, Any]] = {}
    for visit in walk(machine):
        found.setdefault(visit.name, visit.state)
    return found


def _is_definition_file(target: str) -> bool:
    return target.endswith(".json") or (os.path.isfile(target) and ":" not in os.path.basename(target))


def _read_definition(path: str) -> Any:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise _UserError(f"cannot read {path}: {exc.strerror}") from None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise _UserError(f"{path} is not valid JSON: {exc}") from None


def _read_execution(path: str) -> tuple[list[str], str | None]:
    """The state names a run entered, in order, and its status."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise _UserError(f"cannot read {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise _UserError(f"{path} is not valid JSON: {exc}") from None
    status = data.get("status") if isinstance(data, dict) and isinstance(data.get("status"), str) else None
    if isinstance(data, dict) and isinstance(data.get("states"), list):
        states = data["states"]
    elif isinstance(data, dict) and isinstance(data.get("history"), list):
        states = [e[k]["name"] for e in data["history"] if isinstance(e, dict)
                  for k in ("stateEnteredEventDetails",) if isinstance(e.get(k), dict) and "name" in e[k]]
    elif isinstance(data, list):
        states = data
    else:
        raise _UserError(f"{path}: expected the output of `pyflow run --trace --json` "
                         "(an object with a \"states\" list of state names)")
    if not all(isinstance(s, str) for s in states):
        raise _UserError(f"{path}: \"states\" must be a list of state names")
    return list(states), status
