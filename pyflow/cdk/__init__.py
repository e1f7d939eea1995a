"""AWS CDK (aws-cdk-lib v2) constructs for pyflow workflows.

``from pyflow.cdk import Workflow`` in a CDK app deploys a ``@workflow``: its tasks as
Lambda functions, the state machine, and a least-privilege role. The names are
loaded lazily so that ``pyflow.cdk.assets`` and the CLI's preflight checks can be
imported without starting aws-cdk-lib's Node.js runtime (several seconds).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from pyflow.cdk.construct import TASK_METRICS, Workflow, WorkflowStack, workflow_policy
    from pyflow.cdk.synth import build_app, synthesize

__all__ = ["TASK_METRICS", "Workflow", "WorkflowStack", "build_app", "synthesize", "workflow_policy"]

_WHERE = {
    "Workflow": "pyflow.cdk.construct",
    "TASK_METRICS": "pyflow.cdk.construct",
    "workflow_policy": "pyflow.cdk.construct",
    "WorkflowStack": "pyflow.cdk.construct",
    "build_app": "pyflow.cdk.synth",
    "synthesize": "pyflow.cdk.synth",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'pyflow.cdk' has no attribute {name!r}")
