"""An activity and its worker: work done by a pool you run yourself, not by Lambda.

``pf.Activity("name")`` declares the activity; calling it in a workflow is a
``Task`` on the activity's ARN (``${review_order}``; the CDK construct creates the
``sfn.Activity`` and exports nothing else you need). Your worker polls it with
``GetActivityTask`` and answers with ``SendTaskSuccess``/``SendTaskFailure``.
``local=`` is what the activity does when the workflow runs as plain Python.

    pyflow run examples/activity.py:review --input '{"order": {"id": "o-1", "total": 80}}'
    python examples/activity.py arn:aws:states:us-east-1:123456789012:activity:review_order   # the worker
    cd examples && python -m pyflow.worker arn:aws:states:...:activity:review_order activity:review_locally

The worker is ``pyflow.worker.run_worker``: it long-polls ``GetActivityTask``, calls
the function with the task's input and answers ``SendTaskSuccess``, or
``SendTaskFailure`` with the exception's class name as the error.
"""
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


def serve(activity_arn: str, worker_name: str = "reviewer", max_tasks: int | None = None, client: object = None) -> int:
    """Serve the activity with ``review_locally`` (needs AWS credentials, or a ``client``)."""
    from pyflow.worker import run_worker

    return run_worker(activity_arn, review_locally, client=client, worker_name=worker_name, heartbeat=None,
                      max_tasks=max_tasks)


if __name__ == "__main__":
    serve(sys.argv[1])
