"""The seed's "Do the work in parallel": three branches, add_retry(max_attempts=1), add_catch, next(close_order)."""
from aws_cdk import aws_stepfunctions as sfn

from benchmarks.reference.common import invoke


def build(scope):
    parallel = sfn.Parallel(scope, "Do the work in parallel", result_path="$.done")
    ship_item = invoke(scope, "ShipItem", "ship_item", {"order_id.$": "$.order.id"})
    send_invoice = invoke(scope, "SendInvoice", "send_invoice", {"order_id.$": "$.order.id"})
    restock = invoke(scope, "Restock", "restock", {"items.$": "$.order.items"})
    parallel.branch(ship_item)
    parallel.branch(send_invoice)
    parallel.branch(restock)
    parallel.add_retry(max_attempts=1)
    send_failure_notification = invoke(
        scope, "SendFailureNotification", "send_failure_notification",
        {"order_id.$": "$.order.id", "error.$": "$.error.Error", "cause.$": "$.error.Cause"},
        result_path="$.failed")
    failed = sfn.Pass(scope, "Failed", parameters={"order.$": "$.order.id", "failed.$": "$.failed"})
    parallel.add_catch(send_failure_notification.next(failed), result_path="$.error")
    close_order = invoke(scope, "CloseOrder", "close_order", {
        "order_id.$": "$.order.id", "shipped.$": "$.done[0]", "invoice.$": "$.done[1]", "restocked.$": "$.done[2]"})
    parallel.next(close_order)
    return {"do_the_work": (parallel, {})}
