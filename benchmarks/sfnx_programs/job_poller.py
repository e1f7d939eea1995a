"""The seed's Job Poller written for sfnx, the equivalent of examples/job_poller.py.

Each pyflow ``@task`` is a Lambda task whose ARN is filled in at deploy time
(``${submit_job}``), with its parameters as the arguments, like pyflow's output.

    sfnx compile benchmarks/sfnx_programs/job_poller.py
"""
from typing import TypedDict

from sfnx import state_machine, task, wait


class Order(TypedDict):
    id: str
    polls: int


class Input(TypedDict):
    order: Order


class Job(TypedDict):
    guid: int
    wait_seconds: int
    polls: int
    fail: bool


class JobFailed(Exception):
    pass


@state_machine(timeout=300)
def job_poller(input: Input):
    job: Job = task("${submit_job}", {"order": input["order"]})
    attempt = 0
    while True:
        wait(job["wait_seconds"])
        attempt = attempt + 1
        status: str = task("${get_status}", {"job": job, "attempt": attempt})
        if status == "FAILED":
            raise JobFailed("AWS Batch Job Failed")
        if status == "SUCCEEDED":
            break
    return task("${final_status}", {"guid": job["guid"]})
