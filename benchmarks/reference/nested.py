"""Nested workflows (examples/nested_workflows.py): a Map over the orders starting one
child execution each (``startExecution.sync:2``), then a summary. The child prices one order."""
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks

from benchmarks.reference.common import invoke


def build_child(scope):
    price = invoke(scope, "Price", "price", {"qty.$": "$.qty"}, result_path="$.total")
    priced = sfn.Pass(scope, "Priced", parameters={"id.$": "$.order_id", "total.$": "$.total", "skipped": False})
    skipped = sfn.Pass(scope, "Skipped", parameters={"id.$": "$.order_id", "total": 0, "skipped": True})
    return sfn.Choice(scope, "Nothing To Price?").when(
        sfn.Condition.number_less_than_equals("$.qty", 0), skipped).otherwise(price.next(priced))


def build(scope, child: sfn.IStateMachine):
    start_child = tasks.StepFunctionsStartExecution(
        scope, "Price Order", state_machine=child, integration_pattern=sfn.IntegrationPattern.RUN_JOB,
        input=sfn.TaskInput.from_object({"order_id.$": "$.id", "qty.$": "$.qty"}),
        output_path="$.Output")
    # max_concurrency=1: the orders are priced one after the other, like the Python loop
    each_order = sfn.Map(scope, "Each Order", max_concurrency=1, items_path="$.orders", result_path="$.totals")
    each_order.item_processor(start_child)
    summarize = invoke(scope, "Summarize", "summarize", {"totals.$": "$.totals"})
    return each_order.next(summarize)
