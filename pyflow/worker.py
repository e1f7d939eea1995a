"""Run a Python function as a Step Functions activity worker.

``pf.Activity("review")`` in a workflow compiles to a Task on the activity's ARN;
somebody has to do the work. ``run_worker`` polls ``GetActivityTask``, calls the
function with the task's input, and answers with ``SendTaskSuccess`` or
``SendTaskFailure`` (error name = the exception's class name, as a Lambda task
reports it, so ``except MyError`` in the workflow catches it). With ``heartbeat``
set, a background thread sends ``SendTaskHeartbeat`` while the function runs.

    python -m pyflow.worker arn:aws:states:...:activity:review mymodule:review
"""
from __future__ import annotations

import argparse
import json
import sys
import threading
from collections.abc import Callable
from typing import Any

from pyflow.errors import error_name

MAX_CAUSE = 32_768  # SendTaskFailure accepts a cause of at most 32,768 characters


def run_worker(activity_arn: str, fn: Callable[[Any], Any], *, client: Any = None, worker_name: str = "pyflow",
               heartbeat: float | None = None, max_tasks: int | None = None,
               stop: threading.Event | None = None) -> int:
    """Serve tasks until ``max_tasks`` were handled or ``stop`` is set; returns how many."""
    if client is None:
        import boto3

        client = boto3.client("stepfunctions")
    handled = 0
    stop = stop or threading.Event()
    while not stop.is_set() and (max_tasks is None or handled < max_tasks):
        task = client.get_activity_task(activityArn=activity_arn, workerName=worker_name)
        token = task.get("taskToken")
        if not token:
            continue  # the long poll ended without work
        handle_task(client, token, task.get("input") or "null", fn, heartbeat)
        handled += 1
    return handled


def handle_task(client: Any, token: str, raw_input: str, fn: Callable[[Any], Any], heartbeat: float | None) -> None:
    beating = threading.Event()
    beater = None
    if heartbeat:
        def beat() -> None:
            while not beating.wait(heartbeat):
                client.send_task_heartbeat(taskToken=token)

        beater = threading.Thread(target=beat, daemon=True)
        beater.start()
    try:
        result = fn(json.loads(raw_input))
        output = json.dumps(result)
    except Exception as exc:  # noqa: BLE001 - every failure is reported to Step Functions
        client.send_task_failure(taskToken=token, error=error_name(exc)[:256], cause=str(exc)[:MAX_CAUSE])
    else:
        client.send_task_success(taskToken=token, output=output)
    finally:
        beating.set()
        if beater is not None:
            beater.join()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pyflow.worker", description="Serve a Step Functions activity")
    parser.add_argument("activity_arn")
    parser.add_argument("function", metavar="MODULE:FUNCTION")
    parser.add_argument("--heartbeat", type=float, default=None)
    parser.add_argument("--max-tasks", type=int, default=None)
    parser.add_argument("--name", default="pyflow")
    args = parser.parse_args(argv)
    from pyflow.runtime import resolve

    fn = resolve(args.function)
    run_worker(args.activity_arn, getattr(fn, "fn", fn), worker_name=args.name, heartbeat=args.heartbeat,
               max_tasks=args.max_tasks)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
