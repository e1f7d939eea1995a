"""One Resource parser and one map between boto3 client names and Step Functions'
aws-sdk service names, used by the compiler (IAM) and by the local runner."""
from __future__ import annotations

import pytest

from pyflow.asl import resources
from pyflow.asl.resources import Resource, client_for_sdk_name, parse, sdk_service_map, sdk_service_name


@pytest.mark.parametrize(("text", "expected"), [
    ("${submit_job}", Resource("${submit_job}", "lambda", function="submit_job", substitution=True)),
    ("arn:aws:lambda:us-east-1:1:function:f:live",
     Resource("arn:aws:lambda:us-east-1:1:function:f:live", "lambda", function="f")),
    ("arn:aws:states:us-east-1:1:activity:a", Resource("arn:aws:states:us-east-1:1:activity:a", "activity")),
    ("arn:aws:states:::dynamodb:putItem", Resource("arn:aws:states:::dynamodb:putItem", "optimized",
                                                   "dynamodb", "putItem")),
    ("arn:aws-cn:states:::states:startExecution.sync:2",
     Resource("arn:aws-cn:states:::states:startExecution.sync:2", "optimized", "states", "startExecution",
              "sync:2")),
    ("arn:aws:states:::aws-sdk:cloudwatchlogs:putLogEvents.waitForTaskToken",
     Resource("arn:aws:states:::aws-sdk:cloudwatchlogs:putLogEvents.waitForTaskToken", "aws-sdk",
              "cloudwatchlogs", "putLogEvents", "waitForTaskToken")),
    ("arn:aws:states:::aws-sdk:s3", Resource("arn:aws:states:::aws-sdk:s3", "other")),
    ("arn:aws:states:::lambda", Resource("arn:aws:states:::lambda", "other")),
    ("not an arn", Resource("not an arn", "other")),
])
def test_parse(text: str, expected: Resource) -> None:
    assert parse(text) == expected


def test_the_two_old_parsers_read_through_the_one() -> None:
    from pyflow.integrations.resources import parse_resource as iam_parse
    from pyflow.local.integrations import parse_resource as local_parse

    text = "arn:aws:states:::aws-sdk:cloudwatchlogs:putLogEvents"
    assert (iam_parse(text).client, iam_parse(text).operation) == ("logs", "PutLogEvents")
    info = local_parse(text)
    assert (info.kind, info.service, info.action, info.resource_type) == (
        "aws-sdk", "cloudwatchlogs", "putLogEvents", "aws-sdk:cloudwatchlogs")
    assert local_parse("arn:aws:states:::sqs:sendMessage.waitForTaskToken").pattern == ".waitForTaskToken"


def test_every_boto3_client_round_trips_through_the_service_name_map() -> None:
    """client -> aws-sdk name -> client gives the client back, for every botocore
    service (the one alias botocore keeps gives its canonical client)."""
    mapping = sdk_service_map()
    assert len(mapping) > 300
    for client, name in mapping.items():
        assert name and name == name.lower() and " " not in name and "-" not in name, client
        back = client_for_sdk_name(name)
        assert back == resources.SDK_NAME_EXCEPTIONS.get(name, client), (client, name, back)
        assert sdk_service_name(back) == name
    names = list(mapping.values())
    collisions = {n for n in names if names.count(n) > 1}
    assert collisions <= set(resources.SDK_NAME_EXCEPTIONS), collisions


def test_documented_names() -> None:
    for client, name in {"logs": "cloudwatchlogs", "stepfunctions": "sfn", "events": "eventbridge",
                         "ce": "costexplorer", "dynamodb": "dynamodb"}.items():
        assert sdk_service_name(client) == name
        assert client_for_sdk_name(name) == client
    assert client_for_sdk_name("nosuchservice") is None


boto3 = pytest.importorskip("boto3")
moto = pytest.importorskip("moto")


@pytest.fixture()
def aws(monkeypatch: pytest.MonkeyPatch):
    for key, value in {"AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "testing",
                       "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(key, value)
    with moto.mock_aws():
        yield


def test_the_runner_calls_cloudwatchlogs_with_boto3_logs(aws) -> None:
    """``boto3.client("logs")`` compiles to ``aws-sdk:cloudwatchlogs:...``: the runner
    must call boto3's ``logs`` client for it (it answered ``Unknown service``)."""
    import json

    from pyflow.local import run_definition

    boto3.client("logs").create_log_group(logGroupName="pyflow-test")
    definition = {"StartAt": "List", "States": {
        "List": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:cloudwatchlogs:describeLogGroups",
                 "Parameters": {}, "End": True},
    }}
    ex = run_definition(definition, {})
    assert ex.status == "SUCCEEDED", (ex.error, ex.cause)
    assert "pyflow-test" in json.dumps(ex.output)
