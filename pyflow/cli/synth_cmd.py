"""``pyflow synth MODULE:FUNCTION [-o cdk.out]``: a CloudFormation template, no CDK CLI.

Synthesizes a one-stack CDK app (``pyflow.cdk.synth``) with ``App.synth()``: the
template, the Lambda code assets and the cloud assembly manifest land in the
output directory, ready for ``cdk deploy --app cdk.out`` or any CloudFormation
tooling. Node.js and aws-cdk-lib are checked first so that a missing one is a
single line telling what to install, not a jsii traceback.
"""
from __future__ import annotations

import argparse
import sys
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "synth",
        help="synthesize a CDK app (CloudFormation template + Lambda assets) for a workflow",
        description="Synthesize the workflow's stack: its tasks as Lambda functions, the state machine, "
        "and a least-privilege role. Needs Node.js and aws-cdk-lib; not the CDK CLI.",
    )
    parser.add_argument("target", metavar="MODULE:FUNCTION", help="e.g. examples/job_poller.py:job_poller")
    parser.add_argument("-o", "--output", default="cdk.out", help="output directory (default: cdk.out)")
    parser.add_argument("--stack-name", help="CloudFormation stack name (default: from the workflow's name)")
    parser.add_argument(
        "--query-language",
        choices=("jsonata", "jsonpath"),
        default=None,
        help="the query language to compile to (default: the workflow's, else jsonata)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pyflow.cdk.synth import SynthError, preflight
    from pyflow.cli import EXIT_OK, EXIT_USAGE, EXIT_USER

    if args.stack_name is not None and not _valid_stack_name(args.stack_name):
        print(
            f"pyflow synth: error: invalid --stack-name {args.stack_name!r}: use letters, digits and hyphens, "
            "starting with a letter (at most 128 characters)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        preflight()
    except SynthError as exc:
        print(f"pyflow synth: error: {exc}", file=sys.stderr)
        return EXIT_USER

    from pyflow.cdk.source import compile_source
    from pyflow.diagnostics import CompileError

    try:
        compiled = compile_source(args.target, args.query_language)
    except CompileError as exc:
        print(exc.render(), file=sys.stderr)
        from pyflow.cli._common import compile_error_status

        return compile_error_status(exc)
    except (FileNotFoundError, ModuleNotFoundError) as exc:
        print(f"pyflow synth: error: {exc}", file=sys.stderr)
        return EXIT_USER
    for warning in getattr(compiled, "warnings", ()):
        render = getattr(warning, "render", None)
        print(render() if callable(render) else f"warning: {warning}", file=sys.stderr)

    _print_policy_warnings(compiled)

    from pyflow.cdk.assets import AssetError
    from pyflow.cdk.synth import synthesize

    try:
        template = synthesize(compiled, args.output, stack_name=args.stack_name)
    except AssetError as exc:
        print(f"pyflow synth: error: {exc}", file=sys.stderr)
        return EXIT_USER
    _print_asset_sizes()
    print(template)
    return EXIT_OK


def _print_asset_sizes() -> None:
    """What goes into each Lambda function, by size, warned about well before the limit."""
    from pyflow.cdk.assets import MAX_UNZIPPED_BYTES, WARN_UNZIPPED_BYTES, asset_sizes

    for _, size in sorted(asset_sizes().items()):
        print(f"asset: {size:,} bytes unzipped (Lambda's limit: {MAX_UNZIPPED_BYTES:,})", file=sys.stderr)
        if size >= WARN_UNZIPPED_BYTES:
            print(f"warning: the Lambda code is {size / 2**20:.0f} MiB: keep data files out of the modules "
                  "the tasks import, or move large dependencies into a layer", file=sys.stderr)


def _print_policy_warnings(compiled: Any) -> None:
    """The same ``Resource: "*"`` warnings ``pyflow policy`` prints, for every role the
    stack gets (the workflow's and each nested workflow's): a deploy is where they matter."""
    from pyflow.iam.policy import analyze_definition

    seen: set[str] = set()
    pending = [compiled]
    while pending:
        wf = pending.pop(0)
        pending.extend(getattr(wf, "nested", ()))
        existing = {t.name: t.existing_arn for t in wf.tasks if t.existing_arn}
        result = analyze_definition(wf.definition, lambda_tasks=existing, activities=tuple(wf.activities))
        for warning in result.warnings:
            line = f"warning: {wf.name}: {warning.message}" if wf is not compiled else f"warning: {warning.message}"
            if line not in seen:
                seen.add(line)
                print(line, file=sys.stderr)


def _valid_stack_name(name: str) -> bool:
    import re

    return re.fullmatch(r"[A-Za-z][A-Za-z0-9-]{0,127}", name) is not None
