"""The seed's Parallel with retry and catch for sfnx (examples/parallel_state.py)."""
from typing import TypedDict

from sfnx import parallel, state_machine, task


class Order(TypedDict):
    id: str
    items: list


class Input(TypedDict):
    order: Order


@state_machine
def do_the_work(input: Input):
    order = input["order"]

    def ship():
        return task("${ship_item}", {"order_id": order["id"]})

    def invoice():
        return task("${send_invoice}", {"order_id": order["id"]})

    def restock():
        return task("${restock}", {"items": order["items"]})

    try:
        done = parallel(ship, invoice, restock, retry=[{"ErrorEquals": [Exception], "MaxAttempts": 1}])
    except Exception as err:
        note = task("${send_failure_notification}",
                    {"order_id": order["id"], "error": err["Error"], "cause": err["Cause"]})
        return {"order": order["id"], "failed": note}
    return task("${close_order}", {"order_id": order["id"], "shipped": done[0], "invoice": done[1],
                                   "restocked": done[2]})
