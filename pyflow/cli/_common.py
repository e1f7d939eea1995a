"""Helpers the subcommands share: compiling with diagnostics printed, not raised."""
from __future__ import annotations

import sys
from typing import Any

from pyflow.cli import EXIT_USAGE, EXIT_USER


def compile_or_report(target: str, query_language: str | None) -> tuple[Any, int]:
    """(CompiledWorkflow, 0) or (None, exit status) with the diagnostics on stderr."""
    from pyflow.compiler import compile_workflow
    from pyflow.diagnostics import CompileError

    try:
        compiled = compile_workflow(target, query_language)
    except CompileError as exc:
        print(exc.render(), file=sys.stderr)
        return None, compile_error_status(exc)
    for warning in compiled.warnings:
        print(warning.render(), file=sys.stderr)
    return compiled, 0


def compile_error_status(exc: Any) -> int:
    """A target that names nothing (PF003 without a source line) is a usage error, exit 2;
    any other diagnostic is the user's code, exit 1 (docs/cli.md)."""
    usage = all(d.code == "PF003" and d.span is None for d in exc.diagnostics)
    return EXIT_USAGE if usage else EXIT_USER
