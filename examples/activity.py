"""An activity and its worker: work done by a pool you run yourself, not by Lambda.

``pf.Activity("name")`` declares the activity; calling it in a workflow is a
``Task`` on the activity's ARN (``${review_order}``; the CDK construct creates the
``sfn.Activity`` and exports nothing else you need). Your worker polls it with
``GetActivityTask`` and answers with ``SendTaskSuccess``/``SendTaskFailure``.
``local=`` is what the activity does when the workflow runs as plain Python.

    pyflow run examples/activity.py:review --input '{"order": {"id": "o-1", "total": 80}}'
    python examples/activity.py arn:aws:states:us-east-1:123456789012:activity:review_order   # the worker

The worker below uses boto3 directly (``pyflow.worker`` will wrap this loop).
"""
import json
import sys

import pyflow as pf
from pyflow import task, workflow


def review_locally(order: dict) -> dict:
    """The reviewer's decision: what the worker computes for one activity task."""
    return {"id": order["id"], "approved": order["total"] <= 100}


review_order = pf.Activity("review_order", local=review_locally)


@task
def notify(order_id: str, approved: bool) -> str:
    return f"order {order_id} {'approved' if approved else 'rejected'}"


@workflow
def review(order: dict) -> dict:
    decision = review_order(order)
    message = notify(decision["id"], decision["approved"])
    return {"decision": decision, "message": message}


def serve(activity_arn: str, worker_name: str = "reviewer", once: bool = False) -> None:
    """Poll the activity and answer each task with ``review_locally`` (needs AWS credentials)."""
    import boto3

    sfn = boto3.client("stepfunctions")
    while True:
        job = sfn.get_activity_task(activityArn=activity_arn, workerName=worker_name)  # long poll, up to 60 s
        token = job.get("taskToken")
        if token:
            try:
                output = review_locally(json.loads(job["input"]))
            except Exception as exc:  # noqa: BLE001 - report every failure to Step Functions
                sfn.send_task_failure(taskToken=token, error=type(exc).__name__, cause=str(exc)[:32768])
            else:
                sfn.send_task_success(taskToken=token, output=json.dumps(output))
        if once:
            return


if __name__ == "__main__":
    serve(sys.argv[1])
