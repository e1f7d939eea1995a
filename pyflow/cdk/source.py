"""What the CDK code accepts as a workflow, compiled lazily.

Kept apart from ``construct`` so that compiling (and reporting compile errors)
never waits for aws-cdk-lib's multi-second start.
"""
from __future__ import annotations

from typing import Any, Union

from pyflow.compiled import CompiledWorkflow

#: A ``CompiledWorkflow``, a ``@workflow`` function (``pyflow.api.Workflow``), or a
#: ``"file.py:function"`` / ``"module:function"`` string.
WorkflowSource = Union[CompiledWorkflow, Any, str]


def query_language_name(value: Any) -> str | None:
    """``"jsonata"``/``"jsonpath"`` from a string or an ``sfn.QueryLanguage``."""
    if value is None:
        return None
    text = str(getattr(value, "value", value)).lower().replace("_", "").replace("-", "")
    if text not in ("jsonata", "jsonpath"):
        raise ValueError(f"query_language must be 'jsonata' or 'jsonpath', not {value!r}")
    return text


def compile_source(source: WorkflowSource, query_language: Any = None) -> CompiledWorkflow:
    """A ``CompiledWorkflow`` from what the user handed the construct.

    Compilation is lazy (only here, only when not given a ``CompiledWorkflow``) so
    that the construct can be built and tested on hand-made definitions, and the
    compiler is imported only by apps that need it.
    """
    wanted = query_language_name(query_language)
    if isinstance(source, CompiledWorkflow):
        have = query_language_name(source.query_language)
        if wanted is not None and have is not None and wanted != have:
            raise ValueError(
                f"workflow {source.name!r} was compiled for {have}; compile it with query_language={wanted!r} "
                "or pass the @workflow function instead"
            )
        return source
    from pyflow.compiler import compile_workflow

    return compile_workflow(source, query_language=wanted)
