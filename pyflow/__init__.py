"""pyflow: write AWS Step Functions workflows as ordinary, runnable Python.

``import pyflow as pf`` gives the decorators and builtins; the compiler lives in
``pyflow.compiler`` and is never imported by this module.
"""
from pyflow import errors
from pyflow.api import (
    Activity,
    Retry,
    Task,
    Workflow,
    Fragment,
    branch,
    context,
    custom_state,
    fail,
    fragment,
    hash,
    is_timestamp,
    map,
    options,
    sync,
    parallel,
    s3_items,
    s3_results,
    task,
    task_token,
    timestamp,
    uuid,
    virtual_time,
    wait,
    workflow,
)

__all__ = [
    "Activity", "Fragment", "Retry", "Task", "Workflow", "branch", "context", "custom_state",
    "errors", "fail", "fragment", "hash", "is_timestamp", "map", "options", "parallel", "s3_items", "s3_results", "sync", "task", "task_token", "timestamp",
    "uuid", "virtual_time", "wait", "workflow",
]
__version__ = "0.1.0"
