"""Nested workflows for sfnx (examples/nested_workflows.py): the child prices one
order; the parent starts one child execution per order (startExecution.sync:2) in
an inline Map run one at a time, then summarizes."""
from typing import TypedDict

from sfnx import inline_map, state_machine, task


class Order(TypedDict):
    id: str
    qty: int


class Batch(TypedDict):
    orders: list[Order]


class Child(TypedDict):
    order_id: str
    qty: int


class Started(TypedDict):
    Output: dict


@state_machine
def price_order(input: Child):
    if input["qty"] <= 0:
        return {"id": input["order_id"], "total": 0, "skipped": True}
    total: int = task("${price}", {"qty": input["qty"]})
    return {"id": input["order_id"], "total": total, "skipped": False}


@state_machine
def process_batch(input: Batch):
    def price_one(order: Order):
        started: Started = task("arn:aws:states:::states:startExecution.sync:2",
                                {"StateMachineArn": "${price_order}", "Input": {"order_id": order["id"], "qty": order["qty"]}})
        return started["Output"]

    totals = inline_map(price_one, input["orders"], max_concurrency=1)
    return task("${summarize}", {"totals": totals})
