"""The seed's State Machine Fragments: MyJob three times in a Parallel, prefix_states()."""
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from benchmarks.reference.common import invoke


class MyJob(sfn.StateMachineFragment):
    def __init__(self, parent: Construct, id: str, *, job_flavor: str) -> None:
        super().__init__(parent, id)
        choice = sfn.Choice(self, "Choice").when(
            sfn.Condition.string_equals("$.branch", "left"),
            invoke(self, "Left Branch", "run_job", {"flavor": job_flavor, "side": "left"}),
        ).when(
            sfn.Condition.string_equals("$.branch", "right"),
            invoke(self, "Right Branch", "run_job", {"flavor": job_flavor, "side": "right"}),
        ).otherwise(sfn.Pass(self, "No Branch", result=sfn.Result.from_string("no branch for " + job_flavor)))
        self._start = choice
        self._ends = choice.afterwards().end_states

    @property
    def start_state(self) -> sfn.State:
        return self._start

    @property
    def end_states(self):
        return self._ends


def build(scope):
    parallel = sfn.Parallel(scope, "All jobs").branch(
        MyJob(scope, "Quick", job_flavor="quick").prefix_states()
    ).branch(MyJob(scope, "Medium", job_flavor="medium").prefix_states()).branch(
        MyJob(scope, "Slow", job_flavor="slow").prefix_states()
    )
    return {"all_jobs": (parallel, {})}
