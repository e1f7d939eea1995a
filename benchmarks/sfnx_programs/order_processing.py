"""Order processing with compensation for sfnx (examples/order_processing.py)."""
import json
from typing import TypedDict

from sfnx import Timeout, state_machine, task


class Valid(TypedDict):
    id: str
    items: list
    total: int


class Order(TypedDict):
    id: str
    items: list
    card: str
    address: str


class Input(TypedDict):
    order: Order


class InvalidOrder(Exception):
    pass


class PaymentDeclined(Exception):
    pass


@state_machine(timeout=3600)
def process_order(input: Input):
    order = input["order"]
    try:
        valid: Valid = task("${validate}", {"order": order})
    except InvalidOrder as err:
        return {"id": order["id"], "status": "rejected", "reason": json.loads(err["Cause"])["errorMessage"]}

    reservation: str = task("${reserve_stock}", {"items": valid["items"]})
    try:
        charge_id: str = task("${charge}", {"card": order["card"], "amount": valid["total"]},
                              retry=[{"ErrorEquals": [Timeout], "IntervalSeconds": 2, "MaxAttempts": 2}])
    except PaymentDeclined as err:
        task("${release_stock}", {"reservation": reservation})
        task("${notify_customer}", {"order_id": order["id"], "message": "payment declined"})
        return {"id": order["id"], "status": "payment_declined",
                "reason": json.loads(err["Cause"])["errorMessage"]}

    try:
        tracking: str = task("${ship}", {"order_id": order["id"], "address": order.get("address", "on file")})
    except Exception:
        task("${refund}", {"charge_id": charge_id})
        task("${release_stock}", {"reservation": reservation})
        task("${notify_customer}", {"order_id": order["id"], "message": "shipping failed, refunded"})
        raise

    task("${notify_customer}", {"order_id": order["id"], "message": "shipped " + tracking})
    return {"id": order["id"], "status": "shipped", "total": valid["total"], "tracking": tracking}
