"""A realistic order-processing workflow: validate -> reserve stock -> charge -> ship,
with compensation (release the stock, refund the charge) when a later step fails.

Each step is a ``@task`` (a Lambda function when deployed). Errors are plain Python
exceptions: the ``except`` clauses become ``Catch`` rules and the compensation code
runs as ordinary states before the workflow fails with the original error. A task's
``err.cause`` is the JSON error document Lambda reports, so
``json.loads(err.cause)["errorMessage"]`` is the exception's message.

    pyflow run examples/order_processing.py:process_order --input '{"order": {"id": "o-1", "items": [{"sku": "pen", "qty": 2}], "card": "4242"}}'
    pyflow run examples/order_processing.py:process_order --input '{"order": {"id": "o-2", "items": [{"sku": "pen", "qty": 2}], "card": "0000"}}'
    pyflow run examples/order_processing.py:process_order --input '{"order": {"id": "o-3", "items": [{"sku": "lamp", "qty": 1}], "card": "4242", "address": "nowhere"}}'
"""
import json

from pyflow import Retry, task, workflow

PRICES = {"pen": 150, "book": 1200, "lamp": 4500}
STOCK = {"pen": 100, "book": 3, "lamp": 10}


class InvalidOrder(Exception):
    """The order cannot be processed as written."""


class OutOfStock(Exception):
    """Not enough stock for an item."""


class PaymentDeclined(Exception):
    """The card was declined."""


class ShippingFailed(Exception):
    """The carrier refused the parcel."""


@task
def validate(order: dict) -> dict:
    if not order.get("items"):
        raise InvalidOrder(f"order {order.get('id')} has no items")
    for item in order["items"]:
        if item["sku"] not in PRICES or item["qty"] <= 0:
            raise InvalidOrder(f"bad item {item['sku']!r}")
    total = sum(PRICES[i["sku"]] * i["qty"] for i in order["items"])
    return {"id": order["id"], "items": order["items"], "total": total}


@task
def reserve_stock(items: list) -> str:
    for item in items:
        if STOCK[item["sku"]] < item["qty"]:
            raise OutOfStock(f"only {STOCK[item['sku']]} {item['sku']} left")
    return "rsv-" + "-".join(i["sku"] for i in items)


@task
def release_stock(reservation: str) -> None:
    return None


@task(retry=Retry(errors=["States.Timeout"], interval=2, max_attempts=2))
def charge(card: str, amount: int) -> str:
    if card == "0000":
        raise PaymentDeclined(f"card ending {card} declined for {amount}")
    return f"ch-{card}-{amount}"


@task
def refund(charge_id: str) -> None:
    return None


@task
def ship(order_id: str, address: str) -> str:
    if address == "nowhere":
        raise ShippingFailed(f"cannot ship {order_id} to {address!r}")
    return f"trk-{order_id}"


@task
def notify_customer(order_id: str, message: str) -> None:
    return None


@workflow(timeout=3600, comment="Order processing with compensation")
def process_order(order: dict) -> dict:
    try:
        valid = validate(order)
    except InvalidOrder as err:
        return {"id": order["id"], "status": "rejected", "reason": json.loads(err.cause)["errorMessage"]}

    reservation = reserve_stock(valid["items"])
    try:
        charge_id = charge(order["card"], valid["total"])
    except PaymentDeclined as err:
        release_stock(reservation)
        notify_customer(order["id"], "payment declined")
        return {"id": order["id"], "status": "payment_declined", "reason": json.loads(err.cause)["errorMessage"]}

    try:
        tracking = ship(order["id"], order.get("address", "on file"))
    except Exception as err:  # noqa: F841 - a bare `raise` needs the name (PF117)
        refund(charge_id)
        release_stock(reservation)
        notify_customer(order["id"], "shipping failed, refunded")
        raise

    notify_customer(order["id"], "shipped " + tracking)
    return {"id": order["id"], "status": "shipped", "total": valid["total"], "tracking": tracking}
