"""The seed's Job Poller, written the pyflow way.

Submits a job, then polls its status every `wait_seconds` until it succeeds or
fails. Compiles to 6 states, like the hand-written CDK chain.

    pyflow compile examples/job_poller.py:job_poller
    pyflow run examples/job_poller.py:job_poller --input '{"order": {"id": "o-1", "polls": 2}}'
"""
import pyflow as pf
from pyflow import task, workflow


class JobFailed(Exception):
    """The batch job reported FAILED."""


@task
def submit_job(order: dict) -> dict:
    """Start the job; say how long to wait between polls and after how many polls it finishes."""
    return {"guid": 1000 + len(order.get("id", "")), "wait_seconds": 5, "polls": order.get("polls", 1),
            "fail": bool(order.get("fail", False))}


@task
def get_status(job: dict, attempt: int) -> str:
    """Poll the job: RUNNING until `polls` attempts have been made."""
    if attempt < job["polls"]:
        return "RUNNING"
    return "FAILED" if job["fail"] else "SUCCEEDED"


@task
def final_status(guid: int) -> dict:
    """Read the finished job's summary."""
    return {"guid": guid, "status": "SUCCEEDED"}


@workflow(timeout=300)
def job_poller(order: dict) -> dict:
    job = submit_job(order)
    attempt = 0
    while True:
        pf.wait(seconds=job["wait_seconds"])
        attempt = attempt + 1
        status = get_status(job, attempt)
        if status == "FAILED":
            raise JobFailed("AWS Batch Job Failed")
        if status == "SUCCEEDED":
            break
    return final_status(job["guid"])
