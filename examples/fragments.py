"""State machine fragments used several times: the seed's ``MyJob`` run in three
flavours in parallel.

A ``@fragment`` function is the CDK's ``StateMachineFragment``: its states are
inlined at every call site, their names prefixed by the call site (the seed's
``prefix_states()``), so the same fragment can appear many times in one machine.

    pyflow run examples/fragments.py:all_jobs --input '{"branch": "left"}'
"""
import pyflow as pf
from pyflow import fragment, task, workflow


@task
def run_job(flavor: str, side: str) -> str:
    return f"{flavor} job on the {side}"


@fragment
def my_job(job_flavor: str, branch: str) -> str:
    """The seed's MyJob: a Choice between a left and a right branch, then join."""
    if branch == "left":
        result = run_job(job_flavor, "left")
    elif branch == "right":
        result = run_job(job_flavor, "right")
    else:
        result = "no branch for " + job_flavor
    return result


@workflow
def all_jobs(branch: str) -> list:
    with pf.parallel():
        with pf.branch():
            quick = my_job("quick", branch)
        with pf.branch():
            medium = my_job("medium", branch)
        with pf.branch():
            slow = my_job("slow", branch)
    return [quick, medium, slow]
