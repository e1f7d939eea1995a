"""Order processing with compensation (examples/order_processing.py): Catch per step,
compensating tasks, and a Fail that re-raises the caught error."""
from aws_cdk import Duration
from aws_cdk import aws_stepfunctions as sfn

from benchmarks.reference.common import invoke

DISCARD = sfn.JsonPath.DISCARD


def build(scope):
    validate = invoke(scope, "Validate", "validate", {"order.$": "$.order"}, result_path="$.valid")
    rejected = sfn.Pass(scope, "Rejected", parameters={
        "id.$": "$.order.id", "status": "rejected", "cause.$": "States.StringToJson($.error.Cause)"})
    rejected_reason = sfn.Pass(scope, "RejectedReason", parameters={
        "id.$": "$.id", "status.$": "$.status", "reason.$": "$.cause.errorMessage"})
    validate.add_catch(rejected.next(rejected_reason), errors=["InvalidOrder"], result_path="$.error")

    reserve = invoke(scope, "ReserveStock", "reserve_stock", {"items.$": "$.valid.items"}, result_path="$.reservation")

    charge = invoke(scope, "Charge", "charge", {"card.$": "$.order.card", "amount.$": "$.valid.total"},
                    result_path="$.charge_id")
    charge.add_retry(errors=["States.Timeout"], interval=Duration.seconds(2), max_attempts=2)
    release_declined = invoke(scope, "ReleaseStockDeclined", "release_stock", {"reservation.$": "$.reservation"},
                              result_path=DISCARD)
    notify_declined = invoke(scope, "NotifyDeclined", "notify_customer",
                             {"order_id.$": "$.order.id", "message": "payment declined"}, result_path=DISCARD)
    declined = sfn.Pass(scope, "Declined", parameters={
        "id.$": "$.order.id", "status": "payment_declined", "cause.$": "States.StringToJson($.error.Cause)"})
    declined_reason = sfn.Pass(scope, "DeclinedReason", parameters={
        "id.$": "$.id", "status.$": "$.status", "reason.$": "$.cause.errorMessage"})
    charge.add_catch(release_declined.next(notify_declined).next(declined).next(declined_reason),
                     errors=["PaymentDeclined"], result_path="$.error")

    ship = invoke(scope, "Ship", "ship", {"order_id.$": "$.order.id", "address.$": "$.order.address"},
                  result_path="$.tracking")
    refund = invoke(scope, "Refund", "refund", {"charge_id.$": "$.charge_id"}, result_path=DISCARD)
    release_failed = invoke(scope, "ReleaseStockFailed", "release_stock", {"reservation.$": "$.reservation"},
                            result_path=DISCARD)
    notify_failed = invoke(scope, "NotifyFailed", "notify_customer",
                           {"order_id.$": "$.order.id", "message": "shipping failed, refunded"}, result_path=DISCARD)
    reraise = sfn.Fail(scope, "Reraise", error_path="$.error.Error", cause_path="$.error.Cause")
    ship.add_catch(refund.next(release_failed).next(notify_failed).next(reraise), result_path="$.error")

    notify_shipped = invoke(scope, "NotifyShipped", "notify_customer",
                            {"order_id.$": "$.order.id", "message.$": "States.Format('shipped {}', $.tracking)"},
                            result_path=DISCARD)
    shipped = sfn.Pass(scope, "Shipped", parameters={
        "id.$": "$.order.id", "status": "shipped", "total.$": "$.valid.total", "tracking.$": "$.tracking"})
    definition = validate.next(reserve).next(charge).next(ship).next(notify_shipped).next(shipped)
    return {"process_order": (definition, {"timeout": Duration.hours(1), "comment": "Order processing with compensation"})}
