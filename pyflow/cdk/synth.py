"""A one-workflow CDK app, synthesized from plain Python (no ``cdk`` CLI).

``pyflow synth`` uses this; it is also the shortest way to get a template in a
script or a test: ``synthesize("examples/job_poller.py:job_poller", "cdk.out")``.

The workflow is compiled *before* aws-cdk-lib is imported: compile errors then
show in a fraction of a second instead of after the several seconds it takes
aws-cdk-lib to start its Node.js runtime.
"""
from __future__ import annotations

import os
import re
import shutil
import warnings
from pathlib import Path
from typing import Any

from pyflow.cdk.source import compile_source

#: jsii prints a banner on every start under Node 20; it says nothing about the
#: user's workflow, so it is silenced (the variable names the version it accepts).
SILENCE_NODE_BANNER = {"JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}


class SynthError(Exception):
    """An environment problem ``pyflow synth`` reports in one line (exit status 1)."""


def preflight() -> None:
    """Fail fast, in one line, when the tools the CDK needs are missing."""
    node = os.environ.get("JSII_NODE") or "node"
    if shutil.which(node) is None:
        raise SynthError(
            "Node.js was not found on PATH; pyflow synth runs aws-cdk-lib, which needs Node.js 18 or later: "
            "install it from https://nodejs.org (or your package manager, e.g. `apt-get install nodejs`)"
        )
    import importlib.util

    for module, package in (("aws_cdk", "aws-cdk-lib"), ("constructs", "constructs")):
        if importlib.util.find_spec(module) is None:
            raise SynthError(f"{package} is not installed; install it with: pip install 'pyflow[cdk]'")


def _prepare_environment() -> None:
    for key, value in SILENCE_NODE_BANNER.items():
        os.environ.setdefault(key, value)
    # aws-cdk-lib's generated bindings ask typeguard to check jsii protocols it cannot
    # check and warn once per class; the noise says nothing about the user's stack.
    warnings.filterwarnings("ignore", message="Typeguard cannot check", category=UserWarning)


def stack_name_for(workflow_name: str) -> str:
    """``job_poller`` -> ``JobPoller``: a valid CloudFormation stack name from a Python name."""
    words = [w for w in re.split(r"[^0-9A-Za-z]+", workflow_name) if w]
    name = "".join(w[:1].upper() + w[1:] for w in words) or "Workflow"
    if not name[0].isalpha():
        name = "Workflow" + name
    return name[:128]


def build_app(
    target: Any,
    *,
    outdir: str | Path = "cdk.out",
    stack_name: str | None = None,
    query_language: str | None = None,
    **workflow_options: Any,
) -> Any:
    """An ``aws_cdk.App`` holding one ``WorkflowStack`` for ``target``.

    ``target``: ``"file.py:function"``/``"module:function"``, a ``@workflow``
    function, or a ``CompiledWorkflow``. ``workflow_options`` go to the
    ``Workflow`` construct (``logs``, ``tracing``, ...). The output directory is
    never packaged into Lambda code, even when it sits in the source tree.
    """
    compiled = compile_source(target, query_language)  # before aws-cdk-lib: errors come fast
    _prepare_environment()
    import aws_cdk as cdk

    from pyflow.cdk.construct import WorkflowStack

    outdir = Path(outdir)
    app = cdk.App(outdir=str(outdir))
    WorkflowStack(app, stack_name or stack_name_for(compiled.name), workflow=compiled, exclude=(outdir,), **workflow_options)
    return app


def synthesize(
    target: Any,
    outdir: str | Path = "cdk.out",
    *,
    stack_name: str | None = None,
    query_language: str | None = None,
    **workflow_options: Any,
) -> Path:
    """Synthesize ``target`` into ``outdir`` with ``App.synth()``; returns the template's path."""
    app = build_app(target, outdir=outdir, stack_name=stack_name, query_language=query_language, **workflow_options)
    assembly = app.synth()
    (stack,) = assembly.stacks
    return Path(assembly.directory) / stack.template_file
