"""``pyflow compile MODULE:FUNCTION``: print the state machine as ASL JSON."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("compile", help="print the ASL state machine of a @workflow")
    p.add_argument("target", metavar="MODULE:FUNCTION")
    p.add_argument("-o", "--output", metavar="FILE", help="write the ASL here instead of stdout")
    p.add_argument("--query-language", choices=("jsonata", "jsonpath"), default=None)
    p.add_argument("--no-cache", action="store_true",
                   help="compile even if nothing changed since the last compile (see PYFLOW_CACHE_DIR)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pyflow.cli import compile_cache

    cache = None if args.no_cache or compile_cache.disabled() else _cache_for(args)
    cached = cache.load() if cache is not None else None
    if cached is not None:
        output, warnings = cached
        sys.stderr.write(warnings)
    else:
        from pyflow.cli._common import compile_or_report

        compiled, status = compile_or_report(args.target, args.query_language)
        if compiled is None:
            return status
        output = compiled.json
        if cache is not None:
            cache.store(compiled, output, "".join(w.render() + "\n" for w in compiled.warnings))
    if args.output:
        Path(args.output).write_text(output, encoding="utf-8")
    else:
        sys.stdout.write(output)
    return 0


def _cache_for(args: argparse.Namespace):
    """The cache entry of the target, or None where the target does not name a file
    (the compile then reports it)."""
    from pyflow.cli.compile_cache import CompileCache
    from pyflow.compiler import locate
    from pyflow.diagnostics import CompileError

    try:
        path, function = locate(args.target)
    except CompileError:
        return None
    if not path.is_file():
        return None
    return CompileCache.for_target(path, function, args.query_language)
