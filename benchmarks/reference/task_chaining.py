"""The seed's Task Chaining: Step1..Step10, a Choice with afterwards() and a Parallel."""
from aws_cdk import aws_stepfunctions as sfn

from benchmarks.reference.common import invoke


def build(scope):
    def step(n, trail_path, result_path):
        trail = {"trail": []} if trail_path is None else {"trail.$": trail_path}
        return invoke(scope, f"Step{n}", "step", {**trail, "name": f"Step{n}"}, result_path=result_path)

    step1 = step(1, None, "$.trail")
    step2 = step(2, "$.trail", "$.trail")
    step3, step4, step5 = (step(n, "$.trail", "$.trail") for n in (3, 4, 5))
    step6 = step(6, "$.trail", "$.trail")
    # each branch's output is its list
    step7 = step(7, None, "$.left")
    step8 = invoke(scope, "Step8", "step", {"trail.$": "$.left", "name": "Step8"})
    step9 = step(9, None, "$.right")
    step10 = invoke(scope, "Step10", "step", {"trail.$": "$.right", "name": "Step10"})
    choice = sfn.Choice(scope, "Choice")
    condition1 = sfn.Condition.string_equals("$.status", "SUCCESS")
    parallel = sfn.Parallel(scope, "Parallel", result_path="$.branches")
    finish = invoke(scope, "Finish", "finish",
                    {"trail.$": "$.trail", "left.$": "$.branches[0]", "right.$": "$.branches[1]"})
    definition = step1.next(step2).next(
        choice.when(condition1, step3.next(step4).next(step5)).otherwise(step6).afterwards()
    ).next(parallel.branch(step7.next(step8)).branch(step9.next(step10))).next(finish)
    return {"chain": (definition, {})}
