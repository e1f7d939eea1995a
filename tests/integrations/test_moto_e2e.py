"""The parameters resolve_call emits for optimized DynamoDB/SQS/SNS calls are real API names.

Each call is made with boto3 against moto, with exactly the parameter dict the
Task state would carry; a wrong name would make botocore's validation fail.
"""
from __future__ import annotations

import json

import pytest

boto3 = pytest.importorskip("boto3")
moto = pytest.importorskip("moto")

from pyflow.integrations.resources import ServiceCall, resolve_call  # noqa: E402


@pytest.fixture()
def aws(monkeypatch: pytest.MonkeyPatch):
    for key, value in {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }.items():
        monkeypatch.setenv(key, value)
    with moto.mock_aws():
        yield


def run(client, name: str, method: str, params: dict):
    call = resolve_call(name, method, params)
    assert isinstance(call, ServiceCall) and call.optimized, call
    return getattr(client, call.method)(**call.parameters)


def test_dynamodb_sqs_sns(aws) -> None:
    ddb = boto3.client("dynamodb")
    ddb.create_table(
        TableName="users",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    run(ddb, "dynamodb", "put_item", {"TableName": "users", "Item": {"id": {"S": "u1"}, "n": {"N": "1"}}})
    run(
        ddb,
        "dynamodb",
        "update_item",
        {
            "TableName": "users",
            "Key": {"id": {"S": "u1"}},
            "UpdateExpression": "SET n = n + :one",
            "ExpressionAttributeValues": {":one": {"N": "1"}},
        },
    )
    found = run(ddb, "dynamodb", "get_item", {"TableName": "users", "Key": {"id": {"S": "u1"}}})
    assert found["Item"] == {"id": {"S": "u1"}, "n": {"N": "2"}}
    run(ddb, "dynamodb", "delete_item", {"TableName": "users", "Key": {"id": {"S": "u1"}}})
    assert "Item" not in ddb.get_item(TableName="users", Key={"id": {"S": "u1"}})

    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    sent = run(
        sqs,
        "sqs",
        "send_message",
        {
            "QueueUrl": url,
            "MessageBody": json.dumps({"id": "u1"}),
            "MessageAttributes": {"kind": {"DataType": "String", "StringValue": "user"}},
        },
    )
    assert sent["MessageId"]
    got = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"])["Messages"][0]
    assert json.loads(got["Body"]) == {"id": "u1"}

    sns = boto3.client("sns")
    topic = sns.create_topic(Name="t")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"])
    published = run(sns, "sns", "publish", {"TopicArn": topic, "Message": "hello", "Subject": "s"})
    assert published["MessageId"]
