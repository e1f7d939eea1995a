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
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pyflow.cli._common import compile_or_report

    compiled, status = compile_or_report(args.target, args.query_language)
    if compiled is None:
        return status
    if args.output:
        Path(args.output).write_text(compiled.json, encoding="utf-8")
    else:
        sys.stdout.write(compiled.json)
    return 0
