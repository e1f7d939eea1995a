"""Optimized vs aws-sdk resource choice for real calls.

Every expected ARN is one the Step Functions Developer Guide shows: the
optimized integration pages (connect-ddb, connect-sqs, connect-sns,
connect-eventbridge, connect-ecs, connect-batch, connect-glue,
connect-stepfunctions, connect-lambda, connect-athena, connect-codebuild) and the
aws-sdk page (``aws-sdk:ec2:describeInstances``, ``aws-sdk:acmpca:
deleteCertificateAuthority``, the ``sfn`` and ``eventbridge`` service names).
"""
from __future__ import annotations

import pytest

from pyflow.integrations.resources import ServiceCall, parse_resource, resolve_call

TABLE = {"TableName": "users"}
CASES = [
    ("dynamodb", "put_item", {**TABLE, "Item": {}}, None, "arn:aws:states:::dynamodb:putItem"),
    ("dynamodb", "get_item", {**TABLE, "Key": {}}, None, "arn:aws:states:::dynamodb:getItem"),
    ("dynamodb", "update_item", {**TABLE, "Key": {}}, None, "arn:aws:states:::dynamodb:updateItem"),
    ("dynamodb", "delete_item", {**TABLE, "Key": {}}, None, "arn:aws:states:::dynamodb:deleteItem"),
    ("dynamodb", "query", TABLE, None, "arn:aws:states:::aws-sdk:dynamodb:query"),
    (
        "sqs",
        "send_message",
        {"QueueUrl": "u", "MessageBody": "b"},
        "waitForTaskToken",
        "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
    ),
    ("sns", "publish", {"Message": "m"}, None, "arn:aws:states:::sns:publish"),
    ("events", "put_events", {"Entries": []}, None, "arn:aws:states:::events:putEvents"),
    ("ecs", "run_task", {"taskDefinition": "td"}, "sync", "arn:aws:states:::ecs:runTask.sync"),
    (
        "batch",
        "submit_job",
        {"jobName": "j", "jobQueue": "q", "jobDefinition": "d"},
        "sync",
        "arn:aws:states:::batch:submitJob.sync",
    ),
    ("glue", "start_job_run", {"JobName": "j"}, "sync", "arn:aws:states:::glue:startJobRun.sync"),
    (
        "stepfunctions",
        "start_execution",
        {"stateMachineArn": "arn:aws:states:us-east-1:1:stateMachine:c"},
        "sync:2",
        "arn:aws:states:::states:startExecution.sync:2",
    ),
    ("lambda", "invoke", {"FunctionName": "f"}, None, "arn:aws:states:::lambda:invoke"),
    (
        "athena",
        "start_query_execution",
        {"QueryString": "select 1"},
        "sync",
        "arn:aws:states:::athena:startQueryExecution.sync",
    ),
    ("codebuild", "start_build", {"projectName": "p"}, "sync", "arn:aws:states:::codebuild:startBuild.sync"),
    ("ec2", "describe_instances", {}, None, "arn:aws:states:::aws-sdk:ec2:describeInstances"),
    (
        "acm-pca",
        "delete_certificate_authority",
        {"CertificateAuthorityArn": "a"},
        None,
        "arn:aws:states:::aws-sdk:acmpca:deleteCertificateAuthority",
    ),
    (
        "stepfunctions",
        "start_sync_execution",
        {"stateMachineArn": "a"},
        None,
        "arn:aws:states:::aws-sdk:sfn:startSyncExecution",
    ),
    ("events", "list_rules", {}, None, "arn:aws:states:::aws-sdk:eventbridge:listRules"),
    ("s3", "list_objects_v2", {"Bucket": "b"}, None, "arn:aws:states:::aws-sdk:s3:listObjectsV2"),
    ("s3", "get_object", {"Bucket": "b", "Key": "k"}, None, "arn:aws:states:::aws-sdk:s3:getObject"),
]


@pytest.mark.parametrize(("client", "method", "params", "pattern", "expected"), CASES)
def test_resource(client: str, method: str, params: dict, pattern: str | None, expected: str) -> None:
    call = resolve_call(client, method, params, pattern=pattern)
    assert isinstance(call, ServiceCall), call
    assert call.resource == expected
    assert call.optimized == ("aws-sdk" not in expected)
    back = parse_resource(call.resource)
    assert (back.client, back.operation, back.pattern) == (call.client, call.operation, pattern)


def test_iam_actions_come_with_the_call() -> None:
    call = resolve_call("lambda", "invoke", {"FunctionName": "f"})
    assert isinstance(call, ServiceCall) and call.iam_actions == ("lambda:InvokeFunction",)
    call = resolve_call("stepfunctions", "list_executions", {})
    assert isinstance(call, ServiceCall) and call.iam_actions == ("states:ListExecutions",)
    call = resolve_call("cloudwatch", "put_metric_data", {"Namespace": "n"})
    assert isinstance(call, ServiceCall) and call.iam_actions == ("cloudwatch:PutMetricData",)
    call = resolve_call("s3", "head_object", {"Bucket": "b", "Key": "k"})
    assert isinstance(call, ServiceCall) and call.iam_actions == ("s3:GetObject",)


def test_optimized_request_response_results_carry_sdk_metadata() -> None:
    call = resolve_call("dynamodb", "get_item", {**TABLE, "Key": {}})
    assert isinstance(call, ServiceCall)
    assert call.extra_result_fields == ("SdkHttpMetadata", "SdkResponseMetadata")
    assert "Item" in call.result_members


def test_parse_other_resources() -> None:
    assert parse_resource("${submit_job}").kind == "lambda"
    assert parse_resource("arn:aws:lambda:us-east-1:1:function:f").kind == "lambda"
    assert parse_resource("arn:aws:states:us-east-1:1:activity:a").kind == "activity"
    assert parse_resource("arn:aws:states:::http:invoke").kind == "unknown"
    assert parse_resource("arn:aws:states:::aws-sdk:dynamodb:noSuchAction").kind == "unknown"
