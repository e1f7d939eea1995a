"""pyflow.worker answers activity tasks the way Step Functions expects."""
from __future__ import annotations

import json

import boto3
from botocore.stub import Stubber

from pyflow.worker import run_worker

ARN = "arn:aws:states:us-east-1:123456789012:activity:review"


class Rejected(Exception):
    pass


def review(order: dict) -> dict:
    if order["total"] > 100:
        raise Rejected(f"order {order['id']} is too large")
    return {"approved": order["id"]}


def test_worker_sends_success_and_failure_with_the_exception_name() -> None:
    client = boto3.client("stepfunctions", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    stub = Stubber(client)
    stub.add_response("get_activity_task", {}, {"activityArn": ARN, "workerName": "pyflow"})  # an empty long poll
    stub.add_response("get_activity_task", {"taskToken": "t1", "input": json.dumps({"id": "a", "total": 5})},
                      {"activityArn": ARN, "workerName": "pyflow"})
    stub.add_response("send_task_success", {}, {"taskToken": "t1", "output": json.dumps({"approved": "a"})})
    stub.add_response("get_activity_task", {"taskToken": "t2", "input": json.dumps({"id": "b", "total": 500})},
                      {"activityArn": ARN, "workerName": "pyflow"})
    stub.add_response("send_task_failure", {}, {"taskToken": "t2", "error": "Rejected",
                                                "cause": "order b is too large"})
    with stub:
        assert run_worker(ARN, review, client=client, max_tasks=2) == 2
    stub.assert_no_pending_responses()


def test_worker_sends_heartbeats_while_the_function_runs() -> None:
    """The function blocks until a heartbeat went out: no timing assumptions."""
    import threading

    calls: list[tuple[str, dict]] = []
    beat = threading.Event()

    class FakeClient:
        def get_activity_task(self, **kw: str) -> dict:
            calls.append(("get", kw))
            return {"taskToken": "t1", "input": "1"}

        def send_task_heartbeat(self, **kw: str) -> dict:
            calls.append(("heartbeat", kw))
            beat.set()
            return {}

        def send_task_success(self, **kw: str) -> dict:
            calls.append(("success", kw))
            return {}

    def slow(n: int) -> int:
        assert beat.wait(10), "no heartbeat within 10 s"
        return n + 1

    run_worker(ARN, slow, client=FakeClient(), worker_name="w", heartbeat=0.01, max_tasks=1)
    kinds = [k for k, _ in calls]
    assert kinds[0] == "get" and kinds[-1] == "success" and "heartbeat" in kinds
    assert calls[-1][1] == {"taskToken": "t1", "output": "2"}
    assert all(kw == {"taskToken": "t1"} for k, kw in calls if k == "heartbeat")
