"""Task chaining: the seed's ten-step chain with a Choice and a Parallel in the middle.

In the CDK: ``step1.next(step2).next(choice.when(c1, step3.next(step4).next(step5))
.otherwise(step6).afterwards()).next(parallel.branch(step7.next(step8))
.branch(step9.next(step10))).next(finish)``. In pyflow the chain is just the order
of the statements: Python reads top to bottom, so does the state machine.

    pyflow run examples/task_chaining.py:chain --input '{"status": "SUCCESS"}'
    pyflow run examples/task_chaining.py:chain --input '{"status": "PENDING"}'
"""
import pyflow as pf
from pyflow import task, workflow


@task
def step(trail: list, name: str) -> list:
    """Every StepN: append its name to the trail."""
    return trail + [name]


@task
def finish(trail: list, left: list, right: list) -> dict:
    return {"trail": trail, "left": left, "right": right}


@workflow
def chain(status: str) -> dict:
    trail = step([], "Step1")
    trail = step(trail, "Step2")
    if status == "SUCCESS":
        trail = step(trail, "Step3")
        trail = step(trail, "Step4")
        trail = step(trail, "Step5")
    else:
        trail = step(trail, "Step6")
    with pf.parallel():
        with pf.branch():
            left = step([], "Step7")
            left = step(left, "Step8")
        with pf.branch():
            right = step([], "Step9")
            right = step(right, "Step10")
    return finish(trail, left, right)
