"""Helpers shared by the reference definitions: Lambda functions by name, LambdaInvoke."""
from __future__ import annotations

from typing import Any

from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

REGION = "us-east-1"
ACCOUNT = "123456789012"


def function_arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


def function(scope: Construct, name: str) -> lambda_.IFunction:
    """An existing Lambda function (deployed elsewhere) whose name is the pyflow task's name."""
    existing = scope.node.try_find_child(f"Fn-{name}")
    if existing is not None:
        return existing  # type: ignore[return-value]
    return lambda_.Function.from_function_arn(scope, f"Fn-{name}", function_arn(name))


def invoke(scope: Construct, id: str, name: str, payload: dict[str, Any], **kwargs: Any) -> tasks.LambdaInvoke:
    """Call function ``name`` with ``payload`` as its event; the state's result is the function's return value."""
    return tasks.LambdaInvoke(
        scope, id, lambda_function=function(scope, name), payload=sfn.TaskInput.from_object(payload),
        payload_response_only=True, **kwargs,
    )
