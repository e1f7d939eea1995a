"""Task chaining for sfnx (the equivalent of examples/task_chaining.py)."""
from typing import TypedDict

from sfnx import parallel, state_machine, task


class Input(TypedDict):
    status: str


@state_machine
def chain(input: Input):
    trail: list = task("${step}", {"trail": [], "name": "Step1"})
    trail = task("${step}", {"trail": trail, "name": "Step2"})
    if input["status"] == "SUCCESS":
        trail = task("${step}", {"trail": trail, "name": "Step3"})
        trail = task("${step}", {"trail": trail, "name": "Step4"})
        trail = task("${step}", {"trail": trail, "name": "Step5"})
    else:
        trail = task("${step}", {"trail": trail, "name": "Step6"})

    def left():
        left_trail: list = task("${step}", {"trail": [], "name": "Step7"})
        return task("${step}", {"trail": left_trail, "name": "Step8"})

    def right():
        right_trail: list = task("${step}", {"trail": [], "name": "Step9"})
        return task("${step}", {"trail": right_trail, "name": "Step10"})

    branches = parallel(left, right)
    return task("${finish}", {"trail": trail, "left": branches[0], "right": branches[1]})
