"""``pyflow policy MODULE:FUNCTION | FILE.asl.json``: the execution role's IAM policy.

Prints the policy document (JSON, deterministic) on stdout and one line per
warning on stderr. A path ending in ``.json`` is read as an ASL definition, so
the command works on hand-written and previously compiled definitions too.
Imports are inside the handler: ``pyflow --help`` must not pay for botocore.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "policy",
        help="print the execution role's least-privilege IAM policy",
        description="Print the IAM policy document the workflow's execution role needs.",
    )
    parser.add_argument("target", metavar="MODULE:FUNCTION", help="a workflow, or a path to an .asl.json definition")
    parser.add_argument(
        "--query-language",
        choices=("jsonata", "jsonpath"),
        default="jsonata",
        help="the query language to compile to (default: jsonata)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pyflow.cli import EXIT_OK, EXIT_USER
    from pyflow.iam.policy import analyze_definition

    target: str = args.target
    lambda_tasks: dict[str, str] = {}
    activities: tuple[str, ...] = ()
    if target.endswith(".json"):
        path = Path(target)
        try:
            definition = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            print(f"pyflow policy: cannot read {target}: {exc.strerror}", file=sys.stderr)
            return EXIT_USER
        except json.JSONDecodeError as exc:
            print(f"pyflow policy: {target} is not JSON: {exc}", file=sys.stderr)
            return EXIT_USER
        if not isinstance(definition, dict) or "States" not in definition:
            print(f"pyflow policy: {target} is not a state machine definition (no States)", file=sys.stderr)
            return EXIT_USER
    else:
        from pyflow.compiler import compile_workflow  # the lead's frontend
        from pyflow.diagnostics import CompileError

        try:
            compiled = compile_workflow(target, query_language=args.query_language)
        except CompileError as exc:
            print(exc.render(), file=sys.stderr)
            from pyflow.cli._common import compile_error_status

            return compile_error_status(exc)
        definition = compiled.definition
        lambda_tasks = {t.name: t.existing_arn for t in compiled.tasks if t.existing_arn}
        activities = tuple(compiled.activities)
    result = analyze_definition(definition, lambda_tasks=lambda_tasks, activities=activities)
    for warning in result.warnings:
        print(f"warning: {warning.message}", file=sys.stderr)
    print(json.dumps(result.document, indent=2))
    return EXIT_OK
