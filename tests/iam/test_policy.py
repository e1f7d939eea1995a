"""Exact policies for hand-written definitions (both query languages)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from pyflow.iam import analyze_definition, policy_for_definition

P = "arn:${AWS::Partition}"
RA = "${AWS::Region}:${AWS::AccountId}"


def allow(actions: list[str], resources: list[str]) -> dict:
    return {"Effect": "Allow", "Action": actions, "Resource": resources}


def machine(states: dict, language: str | None = None) -> dict:
    d: dict = {"StartAt": next(iter(states)), "States": states}
    if language:
        d["QueryLanguage"] = language
    return d


def test_issue_example_jsonata() -> None:
    d = machine(
        {
            "Put": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:putItem",
                "Arguments": {"TableName": "users", "Item": {"id": {"S": "{% $user.id %}"}}},
                "Next": "Get",
            },
            "Get": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:getItem",
                "Arguments": {"TableName": "users", "Key": {"id": {"S": "{% $user.id %}"}}},
                "Next": "Send",
            },
            "Send": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage",
                "Arguments": {
                    "QueueUrl": "https://sqs.eu-west-1.amazonaws.com/123456789012/signups",
                    "MessageBody": "{% $string($user) %}",
                },
                "Next": "Submit",
            },
            "Submit": {"Type": "Task", "Resource": "${submit_job}", "End": True},
        },
        "JSONata",
    )
    result = analyze_definition(d)
    assert result.warnings == ()
    assert result.document == {
        "Version": "2012-10-17",
        "Statement": [
            allow(["dynamodb:GetItem", "dynamodb:PutItem"], [f"{P}:dynamodb:{RA}:table/users"]),
            allow(["lambda:InvokeFunction"], ["${submit_job}", "${submit_job}:*"]),
            allow(["sqs:SendMessage"], [f"{P}:sqs:eu-west-1:123456789012:signups"]),
        ],
    }


def test_jsonpath_paths_are_dynamic_and_give_a_warning() -> None:
    d = machine(
        {
            "Publish": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sns:publish",
                "Parameters": {"TopicArn.$": "$.topic", "Message": "hi"},
                "Next": "Publish2",
            },
            "Publish2": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sns:publish",
                "Parameters": {"TopicArn": "arn:aws:sns:us-east-1:123456789012:alerts", "Message.$": "$.m"},
                "End": True,
            },
        }
    )
    result = analyze_definition(d)
    assert result.document["Statement"] == [allow(["sns:Publish"], ["*"])]
    [w] = result.warnings
    assert (w.state, w.kind) == ("Publish", "wildcard-resource")


def test_nested_parallel_and_map_and_lambda_invoke() -> None:
    inner = machine(
        {
            "Invoke": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "resize", "Payload.$": "$"},
                "End": True,
            }
        }
    )
    d = machine(
        {
            "Fan": {
                "Type": "Parallel",
                "Branches": [
                    machine({"Each": {"Type": "Map", "ItemProcessor": inner, "End": True}}),
                    machine({"Legacy": {"Type": "Map", "Iterator": machine(
                        {"T": {"Type": "Task", "Resource": "${thumb}", "End": True}}), "End": True}}),
                ],
                "End": True,
            }
        }
    )
    assert policy_for_definition(d)["Statement"] == [
        allow(
            ["lambda:InvokeFunction"],
            [
                "${thumb}",
                "${thumb}:*",
                f"{P}:lambda:{RA}:function:resize",
                f"{P}:lambda:{RA}:function:resize:*",
            ],
        )
    ]


def test_existing_function_arn_replaces_the_substitution() -> None:
    d = machine({"T": {"Type": "Task", "Resource": "${legacy}", "End": True}})
    arn = "arn:aws:lambda:us-east-1:123456789012:function:legacy"
    assert policy_for_definition(d, lambda_tasks={"legacy": arn})["Statement"] == [
        allow(["lambda:InvokeFunction"], [arn, f"{arn}:*"])
    ]


def test_nested_workflow_sync2() -> None:
    arn = "arn:aws:states:us-east-1:123456789012:stateMachine:child"
    d = machine(
        {
            "Child": {
                "Type": "Task",
                "Resource": "arn:aws:states:::states:startExecution.sync:2",
                "Arguments": {"StateMachineArn": arn, "Input": "{% $states.input %}"},
                "End": True,
            }
        },
        "JSONata",
    )
    assert policy_for_definition(d)["Statement"] == [
        allow(
            ["events:DescribeRule", "events:PutRule", "events:PutTargets"],
            [f"{P}:events:{RA}:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule"],
        ),
        allow(["states:DescribeExecution", "states:StopExecution"], ["arn:aws:states:us-east-1:123456789012:execution:child:*"]),
        allow(["states:StartExecution"], [arn]),
    ]


def test_ecs_run_task_sync_matches_the_guide() -> None:
    d = machine(
        {
            "Run": {
                "Type": "Task",
                "Resource": "arn:aws:states:::ecs:runTask.sync",
                "Parameters": {"Cluster": "c", "TaskDefinition": "job", "LaunchType": "FARGATE"},
                "End": True,
            }
        }
    )
    result = analyze_definition(d)
    assert result.document["Statement"] == [
        allow(["ecs:DescribeTasks", "ecs:StopTask"], ["*"]),
        allow(["ecs:RunTask"], [f"{P}:ecs:{RA}:task-definition/job:*"]),
        allow(
            ["events:DescribeRule", "events:PutRule", "events:PutTargets"],
            [f"{P}:events:{RA}:rule/StepFunctionsGetEventsForECSTaskRule"],
        ),
    ]


def test_aws_sdk_s3_events_and_duplicates() -> None:
    get = {
        "Type": "Task",
        "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
        "Arguments": {"Bucket": "data", "Key": "in/config.json"},
    }
    d = machine(
        {
            "Get": {**get, "Next": "GetAgain"},
            "GetAgain": {**get, "Next": "List"},
            "List": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:s3:listObjectsV2",
                "Arguments": {"Bucket": "data", "Prefix": "in/"},
                "Next": "Emit",
            },
            "Emit": {
                "Type": "Task",
                "Resource": "arn:aws:states:::events:putEvents",
                "Arguments": {"Entries": [{"Detail": "{% $x %}", "DetailType": "d", "Source": "s"},
                                          {"EventBusName": "orders", "Detail": "{}", "DetailType": "d", "Source": "s"}]},
                "End": True,
            },
        },
        "JSONata",
    )
    assert policy_for_definition(d)["Statement"] == [
        allow(["events:PutEvents"], [f"{P}:events:{RA}:event-bus/default", f"{P}:events:{RA}:event-bus/orders"]),
        allow(["s3:GetObject"], [f"{P}:s3:::data/in/config.json"]),
        allow(["s3:ListBucket"], [f"{P}:s3:::data"]),
    ]


def test_activities_need_nothing() -> None:
    d = machine(
        {
            "A": {"Type": "Task", "Resource": "arn:aws:states:us-east-1:123456789012:activity:approve", "Next": "B"},
            "B": {"Type": "Task", "Resource": "${review}", "End": True},
        }
    )
    assert policy_for_definition(d, activities=["review"]) == {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}],
    }


def test_unknown_resource_warns() -> None:
    d = machine({"H": {"Type": "Task", "Resource": "arn:aws:states:::http:invoke", "End": True}})
    result = analyze_definition(d)
    assert [w.kind for w in result.warnings] == ["unknown-resource"]


def test_cli_on_an_asl_file(tmp_path: Path) -> None:
    path = tmp_path / "m.asl.json"
    path.write_text(json.dumps(machine({"T": {"Type": "Task", "Resource": "${a}", "End": True}})))
    out = subprocess.run(
        [sys.executable, "-m", "pyflow.cli", "policy", str(path)], capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout)["Statement"] == [allow(["lambda:InvokeFunction"], ["${a}", "${a}:*"])]
    bad = subprocess.run([sys.executable, "-m", "pyflow.cli", "policy", str(tmp_path / "no.json")],
                         capture_output=True, text=True)
    assert bad.returncode == 1


def test_existing_function_also_applies_to_lambda_invoke_function_name() -> None:
    d = machine(
        {
            "T": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Arguments": {"FunctionName": "${legacy}", "Payload": "{% $states.input %}"},
                "End": True,
            }
        },
        "JSONata",
    )
    arn = "arn:aws:lambda:us-east-1:123456789012:function:legacy"
    assert policy_for_definition(d, lambda_tasks={"legacy": arn})["Statement"] == [
        allow(["lambda:InvokeFunction"], [arn, f"{arn}:*"])
    ]
    assert policy_for_definition(d)["Statement"] == [allow(["lambda:InvokeFunction"], ["${legacy}", "${legacy}:*"])]
