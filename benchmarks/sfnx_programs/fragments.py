"""The seed's MyJob fragment run three times in parallel, for sfnx (examples/fragments.py).

sfnx has no fragments: a plain function called directly has its body compiled
at each call site, which is what a fragment is."""
from typing import TypedDict

from sfnx import parallel, state_machine, task


class Input(TypedDict):
    branch: str


def my_job(job_flavor: str, branch: str):
    if branch == "left":
        result: str = task("${run_job}", {"flavor": job_flavor, "side": "left"})
    elif branch == "right":
        result = task("${run_job}", {"flavor": job_flavor, "side": "right"})
    else:
        result = "no branch for " + job_flavor
    return result


@state_machine
def all_jobs(input: Input):
    def quick():
        return my_job("quick", input["branch"])

    def medium():
        return my_job("medium", input["branch"])

    def slow():
        return my_job("slow", input["branch"])

    return parallel(quick, medium, slow)
