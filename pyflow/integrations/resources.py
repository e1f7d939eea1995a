"""From a boto3 call to a Task state's ``Resource``: optimized integration or aws-sdk.

Step Functions has two ways to call a service (Step Functions Developer Guide,
"Integrating optimized services" and "AWS SDK service integrations"):

* an *optimized* integration, ``arn:aws:states:::<service>:<action>``, for the
  few APIs listed in :data:`OPTIMIZED` (each with the integration patterns the
  guide's table allows: ``.sync``, ``.sync:2``, ``.waitForTaskToken``);
* the *aws-sdk* integration, ``arn:aws:states:::aws-sdk:<service>:<action>``,
  for any other operation, where ``<service>`` is the AWS SDK for Java v2 name
  (:func:`pyflow.integrations.model.sdk_service_name`: ``sfn`` for boto3's
  ``stepfunctions``, ``eventbridge`` for ``events``, ``cloudwatchlogs`` for
  ``logs``) and ``<action>`` is the operation in camelCase (``putItem``). The
  aws-sdk integration supports ``.waitForTaskToken`` but not ``.sync``.

Parameters are spelled PascalCase in both (the guide: "Parameters in Step
Functions are expressed in PascalCase, even if the native service API is in
camelCase"); see :func:`~pyflow.integrations.model.to_sfn_parameters`.

What a call returns (``ServiceCall.result``), which the compiler must reconcile
with what boto3 returns natively (the response shape minus ``ResponseMetadata``):

* aws-sdk: the API response shape, members in PascalCase, no ``ResponseMetadata``
  (so for PascalCase APIs - DynamoDB, SQS, SNS, S3 - the same keys as boto3;
  timestamps are strings, blobs are not streams).
* optimized request-response calls (DynamoDB get/put/update/deleteItem,
  ``sqs:sendMessage``, ``sns:publish``, ``events:putEvents``): the raw API
  response (e.g. ``getItem`` -> ``{"Item": {"id": {"S": ...}}}``, DynamoDB JSON as
  boto3's client returns it) plus the ``SdkHttpMetadata`` and
  ``SdkResponseMetadata`` fields, listed in ``ServiceCall.extra_result_fields``
  for the compiler to drop.
* ``lambda:invoke``: ``{"ExecutedVersion", "Payload", "StatusCode", ...}`` where
  ``Payload`` is the function's parsed JSON result (boto3: a byte stream).
* ``.sync`` calls: the *describe* of the finished job (``ecs:runTask.sync`` -> the
  DescribeTasks task, ``batch:submitJob.sync`` -> DescribeJobs' job,
  ``glue:startJobRun.sync`` -> GetJobRun's ``JobRun``), not the start response.
* ``states:startExecution``: ``{ExecutionArn, StartDate}``; ``.sync`` -> the
  DescribeExecution response with ``Output`` as a JSON *string*; ``.sync:2`` ->
  the same with ``Output`` parsed.
* ``.waitForTaskToken``: whatever the worker passes to ``SendTaskSuccess``.

Not mapped from boto3 (their optimized "APIs" are not boto3 operations or take
different fields): EMR (``elasticmapreduce:createCluster`` wraps RunJobFlow),
EMR Serverless, EMR on EKS, ``eks:runJob``/``eks:call``, ``apigateway:invoke``,
``http:invoke``, Bedrock and MediaConvert; calls to those services compile to
aws-sdk integrations.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from pyflow.integrations.model import (
    Problem,
    check_parameters,
    client_for_sdk_name,
    resolve_operation,
    sdk_service_name,
    service_model,
    to_sfn_parameters,
)

__all__ = [
    "PATTERNS",
    "OptimizedApi",
    "OPTIMIZED",
    "ServiceCall",
    "ParsedResource",
    "resolve_call",
    "parse_resource",
    "camel_action",
]

#: Integration patterns, as written after the action in the Resource ARN.
PATTERNS = ("sync", "sync:2", "waitForTaskToken")

_RR_META = ("SdkHttpMetadata", "SdkResponseMetadata")


@dataclass(frozen=True)
class OptimizedApi:
    """One optimized integration API: its ARN service name and the patterns it allows."""

    service: str  # in arn:aws:states:::<service>:<action>
    patterns: frozenset[str] = frozenset()  # beyond request-response
    result: str = "the API response"
    extra_result_fields: tuple[str, ...] = ()


def _api(service: str, *patterns: str, result: str = "the API response", extra: tuple[str, ...] = ()) -> OptimizedApi:
    return OptimizedApi(service, frozenset(patterns), result, extra)


_SYNC = "sync"
_TOKEN = "waitForTaskToken"

#: (boto3 client, API operation) -> optimized integration. From the Step Functions
#: guide's "Optimized integrations" table and each service's page.
OPTIMIZED: Mapping[tuple[str, str], OptimizedApi] = MappingProxyType(
    {
        ("lambda", "Invoke"): _api(
            "lambda", _TOKEN, result="{ExecutedVersion, Payload (the parsed result), StatusCode, ...}", extra=_RR_META
        ),
        ("dynamodb", "GetItem"): _api("dynamodb", result="the raw GetItem response (DynamoDB JSON)", extra=_RR_META),
        ("dynamodb", "PutItem"): _api("dynamodb", result="the raw PutItem response", extra=_RR_META),
        ("dynamodb", "UpdateItem"): _api("dynamodb", result="the raw UpdateItem response", extra=_RR_META),
        ("dynamodb", "DeleteItem"): _api("dynamodb", result="the raw DeleteItem response", extra=_RR_META),
        ("sqs", "SendMessage"): _api("sqs", _TOKEN, result="{MessageId, MD5OfMessageBody, ...}", extra=_RR_META),
        ("sns", "Publish"): _api("sns", _TOKEN, result="{MessageId, ...}", extra=_RR_META),
        ("events", "PutEvents"): _api("events", _TOKEN, result="{Entries, FailedEntryCount}"),
        ("ecs", "RunTask"): _api("ecs", _SYNC, _TOKEN, result=".sync: the DescribeTasks task"),
        ("batch", "SubmitJob"): _api("batch", _SYNC, result=".sync: the DescribeJobs job"),
        ("glue", "StartJobRun"): _api("glue", _SYNC, result=".sync: GetJobRun's JobRun"),
        ("databrew", "StartJobRun"): _api("databrew", _SYNC),
        ("codebuild", "StartBuild"): _api("codebuild", _SYNC, result=".sync: the BatchGetBuilds build"),
        ("codebuild", "StopBuild"): _api("codebuild"),
        ("codebuild", "BatchDeleteBuilds"): _api("codebuild"),
        ("codebuild", "BatchGetReports"): _api("codebuild"),
        ("athena", "StartQueryExecution"): _api("athena", _SYNC, result=".sync: GetQueryExecution's QueryExecution"),
        ("athena", "StopQueryExecution"): _api("athena"),
        ("athena", "GetQueryExecution"): _api("athena"),
        ("athena", "GetQueryResults"): _api("athena"),
        ("stepfunctions", "StartExecution"): _api(
            "states",
            _SYNC,
            "sync:2",
            _TOKEN,
            result="{ExecutionArn, StartDate}; .sync: DescribeExecution with Output a JSON string; .sync:2: Output parsed",
        ),
        ("sagemaker", "CreateTrainingJob"): _api("sagemaker", _SYNC),
        ("sagemaker", "CreateTransformJob"): _api("sagemaker", _SYNC),
        ("sagemaker", "CreateProcessingJob"): _api("sagemaker", _SYNC),
        ("sagemaker", "CreateHyperParameterTuningJob"): _api("sagemaker", _SYNC),
        ("sagemaker", "CreateLabelingJob"): _api("sagemaker", _SYNC),
        ("sagemaker", "CreateModel"): _api("sagemaker"),
        ("sagemaker", "CreateEndpoint"): _api("sagemaker"),
        ("sagemaker", "CreateEndpointConfig"): _api("sagemaker"),
        ("sagemaker", "UpdateEndpoint"): _api("sagemaker"),
        ("eks", "CreateCluster"): _api("eks", _SYNC),
        ("eks", "DeleteCluster"): _api("eks", _SYNC),
        ("eks", "CreateNodegroup"): _api("eks", _SYNC),
        ("eks", "DeleteNodegroup"): _api("eks", _SYNC),
        ("eks", "CreateFargateProfile"): _api("eks", _SYNC),
        ("eks", "DeleteFargateProfile"): _api("eks", _SYNC),
    }
)

@lru_cache(maxsize=1)
def _by_arn() -> dict[tuple[str, str], tuple[str, str]]:
    """(ARN service, action) -> (boto3 client, operation): the inverse of OPTIMIZED."""
    return {(api.service, camel_action(op)): (client, op) for (client, op), api in OPTIMIZED.items()}


def camel_action(operation: str) -> str:
    """``PutItem`` -> ``putItem``: the action as Resource ARNs spell it."""
    return operation[:1].lower() + operation[1:]


@dataclass(frozen=True)
class ServiceCall:
    """A boto3 call compiled to a Task state.

    ``parameters`` is what goes in ``Parameters`` (JSONPath) or ``Arguments``
    (JSONata), keys already PascalCase; values are the caller's (literals or
    the compiler's expression objects). ``iam_actions`` is what the execution
    role needs for the API itself (the policy module adds ``.sync`` extras).
    """

    resource: str
    service: str  # the service as the ARN names it: "dynamodb", "states", "sfn"
    operation: str  # API operation, PascalCase: "PutItem"
    parameters: dict[str, Any]
    iam_actions: tuple[str, ...]
    optimized: bool
    client: str  # boto3 client name
    method: str  # boto3 method name
    pattern: str | None = None
    result: str = "the API response shape (PascalCase members, no ResponseMetadata)"
    extra_result_fields: tuple[str, ...] = ()
    result_members: tuple[str, ...] = field(default=())


def resolve_call(
    client: str, method: str, params: Mapping[str, Any], *, pattern: str | None = None
) -> ServiceCall | list[Problem]:
    """Compile ``boto3.client(client).method(**params)`` to a service integration.

    ``params`` maps boto3 keyword names to values (only the names are checked).
    ``pattern`` is ``None`` (request-response), ``"sync"``, ``"sync:2"`` or
    ``"waitForTaskToken"``. Returns the ``ServiceCall``, or every problem found
    (unknown client/method/parameter, missing required parameter, a pattern the
    integration does not support) for the compiler to report together.
    """
    from pyflow.iam.actions import iam_actions

    op = resolve_operation(client, method)
    if isinstance(op, Problem):
        return [op]
    problems = check_parameters(op, params)
    key = (op.client, op.name)
    api = OPTIMIZED.get(key)
    if pattern is not None and pattern not in PATTERNS:
        problems.append(Problem("unsupported-pattern", f"unknown integration pattern {pattern!r}", None))
    elif pattern is not None:
        allowed = api.patterns if api is not None else frozenset({_TOKEN})
        if pattern not in allowed:
            options = ", ".join(f".{p}" for p in sorted(allowed)) or "none"
            what = f"{api.service}:{camel_action(op.name)}" if api else f"aws-sdk:{sdk_service_name(op.client)}"
            problems.append(
                Problem(
                    "unsupported-pattern",
                    f"`{method}` compiles to {what}, which does not support .{pattern} (supported: {options})",
                    sorted(allowed)[0] if allowed else None,
                )
            )
    if problems:
        return problems
    suffix = f".{pattern}" if pattern else ""
    output = op.model.output_shape
    result_members = tuple(m[:1].upper() + m[1:] for m in output.members) if output is not None else ()
    if api is not None:
        return ServiceCall(
            resource=f"arn:aws:states:::{api.service}:{camel_action(op.name)}{suffix}",
            service=api.service,
            operation=op.name,
            parameters=to_sfn_parameters(op, params, aws_sdk=False),
            iam_actions=iam_actions(op.client, op.name),
            optimized=True,
            client=op.client,
            method=method,
            pattern=pattern,
            result=api.result,
            extra_result_fields=api.extra_result_fields if pattern is None else (),
            result_members=result_members,
        )
    sdk = sdk_service_name(op.client)
    return ServiceCall(
        resource=f"arn:aws:states:::aws-sdk:{sdk}:{camel_action(op.name)}{suffix}",
        service=sdk,
        operation=op.name,
        parameters=to_sfn_parameters(op, params, aws_sdk=True),
        iam_actions=iam_actions(op.client, op.name),
        optimized=False,
        client=op.client,
        method=method,
        pattern=pattern,
        result_members=result_members,
    )


# --- reading Resource strings back (for IAM) --------------------------------------


@dataclass(frozen=True)
class ParsedResource:
    """What a Task state's ``Resource`` names.

    ``kind``: ``optimized`` / ``aws-sdk`` (``client``+``operation`` set),
    ``lambda`` (a function ARN or a ``${name}`` substitution, in ``target``),
    ``activity`` (an activity ARN), or ``unknown``.
    """

    kind: str
    client: str | None = None
    operation: str | None = None
    pattern: str | None = None
    target: str | None = None


def _operation_for_action(client: str, action: str) -> str | None:
    for op in service_model(client).operation_names:
        if camel_action(op) == action or op == action:
            return op
    return None


_ACTION = re.compile(r"^[A-Za-z0-9]+$")


def parse_resource(resource: str) -> ParsedResource:
    """Classify a Task ``Resource`` string (the inverse of :func:`resolve_call`): the
    string is taken apart by :func:`pyflow.asl.resources.parse`, the service models
    say which boto3 client and operation it names."""
    from pyflow.asl.resources import parse

    parsed = parse(resource)
    pattern = parsed.pattern or None
    if parsed.kind in ("lambda", "activity"):
        return ParsedResource(parsed.kind, target=resource)
    if parsed.kind == "aws-sdk":
        client = client_for_sdk_name(parsed.service) if _ACTION.match(parsed.action) else None
        op = _operation_for_action(client, parsed.action) if client else None
        if op:
            return ParsedResource("aws-sdk", client, op, pattern, resource)
    elif parsed.kind == "optimized" and _ACTION.match(parsed.action) and (parsed.service, parsed.action) in _by_arn():
        client, op = _by_arn()[parsed.service, parsed.action]
        return ParsedResource("optimized", client, op, pattern, resource)
    return ParsedResource("unknown", target=resource)
