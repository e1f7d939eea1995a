"""boto3 calls in workflows (issue 6): compile-time checks against botocore's model,
and one workflow run three ways against moto, leaving the same data behind."""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from pyflow.compiler import compile_workflow
from pyflow.diagnostics import CompileError
from tests.services import register as programs

REGION = "us-east-1"


def _resources() -> str:
    """Table, queue and topic the workflow uses, plus a queue that taps the topic."""
    ddb = boto3.client("dynamodb", region_name=REGION)
    ddb.create_table(TableName="users", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST")
    sqs = boto3.client("sqs", region_name=REGION)
    sqs.create_queue(QueueName="signups")
    tap = sqs.create_queue(QueueName="sns-tap")["QueueUrl"]
    tap_arn = sqs.get_queue_attributes(QueueUrl=tap, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns = boto3.client("sns", region_name=REGION)
    topic = sns.create_topic(Name="signups")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=tap_arn, Attributes={"RawMessageDelivery": "true"})
    return tap


def _left_behind(tap: str) -> dict[str, Any]:
    """What a run leaves in the services: items, queued messages, published messages."""
    ddb = boto3.client("dynamodb", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)

    def drain(url: str) -> list[str]:
        out = []
        while True:
            got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
            if not got:
                return sorted(out)
            out += [m["Body"] for m in got]
            for m in got:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])

    items = sorted(ddb.scan(TableName="users")["Items"], key=lambda i: i["id"]["S"])
    return {"items": items, "queued": drain(programs.QUEUE_URL), "published": drain(tap)}


def _in_fresh_moto(run: Callable[[], Any]) -> tuple[Any, dict[str, Any]]:
    from moto import mock_aws

    mock = mock_aws(config={"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}})
    mock.start(reset=True)  # empty backends, even if another test left a mock running
    try:
        tap = _resources()
        output = run()
        return output, _left_behind(tap)
    finally:
        mock.stop()


INPUT = {"user_id": "u-1", "name": "Ada"}


def three_engines() -> dict[str, Any]:
    """Run ``signup`` natively, on moto's interpreter (JSONPath) and on pyflow's runner
    (JSONata), each against fresh moto services: (output, what was left behind) each."""
    from pyflow.local import run_definition

    native = _in_fresh_moto(lambda: programs.signup.run(INPUT))
    jsonpath = compile_workflow(programs.signup, "jsonpath").definition

    def on_moto() -> tuple[Any, dict[str, Any]]:
        """moto's own Step Functions interpreter runs the JSONPath definition; its
        optimized integrations hit moto's DynamoDB, SQS and SNS backends. MotoRunner
        works around moto's trouble starting a second execution in one process."""
        from benchmarks.runner_bench import MotoRunner

        with MotoRunner() as runner:
            tap = _resources()
            result = runner.run(jsonpath, INPUT)
            assert result["status"] == "SUCCEEDED", result
            return result["output"], _left_behind(tap)

    moto_run = on_moto()
    jsonata = compile_workflow(programs.signup).definition
    local = _in_fresh_moto(lambda: run_definition(jsonata, INPUT).output)
    return {"native": native, "moto": moto_run, "local": local}


def test_native_moto_interpreter_and_local_runner_leave_the_same_data() -> None:
    """In a fresh interpreter: moto's mocks do not reset while another test's mock is
    active in the same process (pytest-xdist mixes modules in one worker)."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    code = ("import json, os; os.environ.update(AWS_ACCESS_KEY_ID='testing', AWS_SECRET_ACCESS_KEY='testing', "
            "AWS_DEFAULT_REGION='us-east-1'); import moto; from tests.services.test_services import three_engines; "
            "print(json.dumps(three_engines()))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    runs = json.loads(proc.stdout.strip().splitlines()[-1])
    native, moto_run, local = runs["native"], runs["moto"], runs["local"]
    assert native[0] == "Ada"
    assert native == moto_run == local
    assert native[1]["queued"] == ["signup u-1"] and native[1]["published"] == ["welcome Ada"]
    assert native[1]["items"] == [{"id": {"S": "u-1"}, "name": {"S": "Ada"}}]


def test_register_uses_optimized_integrations() -> None:
    states = compile_workflow(programs.register).definition["States"]
    resources = [s["Resource"] for s in states.values() if s["Type"] == "Task"]
    assert resources == ["arn:aws:states:::dynamodb:putItem", "arn:aws:states:::dynamodb:getItem",
                         "arn:aws:states:::sqs:sendMessage", "arn:aws:states:::sns:publish"]
    sqs = states["sqs_send_message"]["Arguments"]
    assert sqs["QueueUrl"] == programs.QUEUE_URL  # the module constant is folded in


def test_operations_without_an_optimized_integration_use_aws_sdk() -> None:
    states = compile_workflow(programs.local_client).definition["States"]
    assert states["s3_list_objects_v2"]["Resource"] == "arn:aws:states:::aws-sdk:s3:listObjectsV2"


def test_sync_pattern_and_task_options() -> None:
    state = compile_workflow(programs.glue_job).definition["States"]["glue_start_job_run"]
    assert state["Resource"] == "arn:aws:states:::glue:startJobRun.sync"
    assert state["TimeoutSeconds"] == 3600


@pytest.mark.parametrize("fn,code,fragment,suggestion", [
    (programs.misspelled, "PF140", "put_itme", "put_item"),
    (programs.bad_parameter, "PF141", "TableNme", "TableName"),
])
def test_misspellings_are_diagnostics_with_a_suggestion(fn, code, fragment, suggestion) -> None:
    with pytest.raises(CompileError) as info:
        compile_workflow(fn)
    (diag,) = info.value.diagnostics
    assert diag.code == code and fragment in diag.message
    assert suggestion in diag.help


def test_policy_covers_exactly_the_calls() -> None:
    from pyflow.iam import policy_for_definition

    policy = policy_for_definition(compile_workflow(programs.register).definition)
    granted = {(a, r) for st in policy["Statement"] for a in ([st["Action"]] if isinstance(st["Action"], str)
                                                               else st["Action"])
               for r in ([st["Resource"]] if isinstance(st["Resource"], str) else st["Resource"])}
    actions = {a for a, _ in granted}
    assert actions == {"dynamodb:PutItem", "dynamodb:GetItem", "sqs:SendMessage", "sns:Publish"}
    assert all(r != "*" for _, r in granted)
