"""Diagnostics-style checks of boto3 calls against botocore's model."""
from __future__ import annotations

import pytest

from pyflow.integrations.model import (
    Problem,
    client_for_sdk_name,
    resolve_operation,
    sdk_service_name,
    to_sfn_parameters,
)
from pyflow.integrations.resources import resolve_call


def problems(client: str, method: str, params: dict) -> list[Problem]:
    result = resolve_call(client, method, params)
    assert isinstance(result, list), result
    return result


def test_misspelled_operation_suggests_the_boto3_method() -> None:
    [p] = problems("dynamodb", "put_itme", {"TableName": "t", "Item": {}})
    assert p.kind == "unknown-operation"
    assert p.suggestion == "put_item"
    assert "did you mean `put_item`" in p.message


def test_api_spelling_of_a_method_suggests_the_snake_case_one() -> None:
    [p] = problems("sqs", "SendMessage", {"QueueUrl": "u", "MessageBody": "b"})
    assert (p.kind, p.suggestion) == ("unknown-operation", "send_message")


def test_method_names_come_from_the_model_not_from_guessing() -> None:
    op = resolve_operation("s3", "list_objects_v2")
    assert not isinstance(op, Problem) and op.name == "ListObjectsV2"
    op = resolve_operation("stepfunctions", "start_sync_execution")
    assert not isinstance(op, Problem) and op.name == "StartSyncExecution"


def test_unknown_client_suggests_a_client() -> None:
    [p] = problems("dynamo", "put_item", {})
    assert (p.kind, p.suggestion) == ("unknown-client", "dynamodb")


def test_misspelled_parameter_is_reported_once_with_a_suggestion() -> None:
    [p] = problems("dynamodb", "put_item", {"TableNmae": "users", "Item": {}})
    assert p.kind == "unknown-parameter"
    assert p.suggestion == "TableName"
    assert "`TableNmae`" in p.message and "did you mean `TableName`" in p.message


def test_wrong_case_parameter_is_suggested_in_the_right_case() -> None:
    [p] = problems("sns", "publish", {"TopicArn": "arn:aws:sns:us-east-1:1:t", "message": "hi"})
    assert (p.kind, p.suggestion) == ("unknown-parameter", "Message")


def test_missing_required_parameter() -> None:
    [p] = problems("sqs", "send_message", {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/1/q"})
    assert (p.kind, p.suggestion) == ("missing-parameter", "MessageBody")


def test_all_problems_are_reported_together() -> None:
    found = problems("dynamodb", "get_item", {"TabelName": "t", "Keys": {}})
    assert [(p.kind, p.suggestion) for p in found] == [
        ("unknown-parameter", "TableName"),
        ("unknown-parameter", "Key"),
    ]


def test_unsupported_pattern() -> None:
    # The guide's table: DynamoDB supports request-response only.
    [p] = resolve_call("dynamodb", "put_item", {"TableName": "t", "Item": {}}, pattern="waitForTaskToken")  # type: ignore[misc]
    assert p.kind == "unsupported-pattern"
    [p] = resolve_call("s3", "get_object", {"Bucket": "b", "Key": "k"}, pattern="sync")  # type: ignore[misc]
    assert p.kind == "unsupported-pattern" and p.suggestion == "waitForTaskToken"


# The "Task state resource" column of the Step Functions guide's table of AWS SDK
# integrations (supported-services-awssdk), for botocore clients whose names differ.
DOCUMENTED_SDK_NAMES = {
    "stepfunctions": "sfn",
    "events": "eventbridge",
    "logs": "cloudwatchlogs",
    "ce": "costexplorer",
    "cur": "costandusagereport",
    "dms": "databasemigration",
    "ds": "directory",
    "es": "elasticsearch",
    "discovery": "applicationdiscovery",
    "elbv2": "elasticloadbalancingv2",
    "elb": "elasticloadbalancing",
    "acm-pca": "acmpca",
    "rds-data": "rdsdata",
    "sso-oidc": "ssooidc",
    "sso-admin": "ssoadmin",
    "lex-models": "lexmodelbuilding",
    "lex-runtime": "lexruntime",
    "lexv2-models": "lexmodelsv2",
    "lexv2-runtime": "lexruntimev2",
    "application-autoscaling": "applicationautoscaling",
    "autoscaling-plans": "autoscalingplans",
    "marketplace-entitlement": "marketplaceentitlement",
    "meteringmarketplace": "marketplacemetering",
    "mgh": "migrationhub",
    "migrationhub-config": "migrationhubconfig",
    "serverlessrepo": "serverlessapplicationrepository",
    "sagemaker-a2i-runtime": "sagemakera2iruntime",
    "sagemaker-featurestore-runtime": "sagemakerfeaturestoreruntime",
    "sagemaker-edge": "sagemakeredge",
    "kinesis-video-archived-media": "kinesisvideoarchivedmedia",
    "cognito-idp": "cognitoidentityprovider",
    "config": "config",
    "service-quotas": "servicequotas",
    "servicecatalog-appregistry": "servicecatalogappregistry",
    "resourcegroupstaggingapi": "resourcegroupstaggingapi",
    "pinpoint-email": "pinpointemail",
    "pinpoint-sms-voice": "pinpointsmsvoice",
    "voice-id": "voiceid",
    "chime-sdk-meetings": "chimesdkmeetings",
    "iot-jobs-data": "iotjobsdataplane",
    "connect-contact-lens": "connectcontactlens",
    "ecr-public": "ecrpublic",
    "ec2-instance-connect": "ec2instanceconnect",
    "backup-gateway": "backupgateway",
    "dynamodb": "dynamodb",
    "s3": "s3",
    "dynamodbstreams": "dynamodbstreams",
}


@pytest.mark.parametrize(("client", "documented"), sorted(DOCUMENTED_SDK_NAMES.items()))
def test_sdk_service_name_matches_the_guide(client: str, documented: str) -> None:
    assert sdk_service_name(client) == documented


def test_sdk_name_back_to_client() -> None:
    assert client_for_sdk_name("dynamodb") == "dynamodb"
    assert client_for_sdk_name("acmpca") == "acm-pca"
    assert client_for_sdk_name("sfn") == "stepfunctions"
    assert client_for_sdk_name("nosuchservice") is None


def test_parameters_are_pascal_case_along_the_shape() -> None:
    call = resolve_call(
        "batch",
        "submit_job",
        {
            "jobName": "j",
            "jobQueue": "q",
            "jobDefinition": "d",
            "containerOverrides": {"environment": [{"name": "A", "value": "b"}]},
            "parameters": {"lowercase_key": "kept"},  # a map: keys are data
        },
    )
    assert not isinstance(call, list)
    assert call.parameters == {
        "JobName": "j",
        "JobQueue": "q",
        "JobDefinition": "d",
        "ContainerOverrides": {"Environment": [{"Name": "A", "Value": "b"}]},
        "Parameters": {"lowercase_key": "kept"},
    }


def test_dynamodb_item_attribute_names_are_data() -> None:
    call = resolve_call("dynamodb", "put_item", {"TableName": "t", "Item": {"id": {"S": "1"}, "tags": {"L": []}}})
    assert not isinstance(call, list)
    assert call.parameters == {"TableName": "t", "Item": {"id": {"S": "1"}, "tags": {"L": []}}}


def test_expression_objects_pass_through() -> None:
    marker = object()
    op = resolve_operation("apigateway", "get_rest_api")
    assert not isinstance(op, Problem)
    assert to_sfn_parameters(op, {"restApiId": marker}, aws_sdk=True) == {"RestApiId": marker}
