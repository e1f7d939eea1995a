"""``pyflow check MODULE``: compile every workflow of a module, report all diagnostics."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pyflow.cli import EXIT_USAGE, EXIT_USER


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("check", help="compile every @workflow in a module and report all problems")
    p.add_argument("module", metavar="MODULE", help="a .py file or a dotted module name")
    p.add_argument("--query-language", choices=("jsonata", "jsonpath"), default=None)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pyflow.compiler import compile_file, locate
    from pyflow.diagnostics import CompileError, Reporter
    from pyflow.frontend.modules import ModuleLoader

    try:
        path, _ = locate(args.module + ":_")
    except CompileError as exc:
        print(exc.render(), file=sys.stderr)
        return EXIT_USAGE
    reporter = Reporter()
    mod = ModuleLoader(reporter).load(Path(path))
    if mod is None:
        print(CompileError(reporter.items).render(), file=sys.stderr)
        return EXIT_USER
    names = sorted(f.name for f in mod.functions.values() if f.kind == "workflow")
    failed = 0
    for name in names:
        try:
            compiled = compile_file(Path(path), name, args.query_language)
        except CompileError as exc:
            failed += 1
            print(exc.render(), file=sys.stderr)
            continue
        for w in compiled.warnings:
            print(w.render(), file=sys.stderr)
        print(f"ok  {name}: {len(compiled.definition['States'])} states")
    if not names:
        print(f"{path}: no @workflow functions", file=sys.stderr)
    return EXIT_USER if failed else 0
