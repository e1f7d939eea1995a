"""Nested workflows, the parallel spelling: one child execution per order, written as a
list comprehension (an inline Map), then a summary. examples/nested_workflows.py
writes the same with a sequential ``for`` loop; the benchmark measures both."""
from pyflow import task, workflow


@task
def price(qty: int) -> int:
    return qty * 250


@task
def summarize(totals: list) -> dict:
    return {"orders": len(totals), "revenue": sum(t["total"] for t in totals)}


@workflow
def price_order(order_id: str, qty: int) -> dict:
    """The child: price one order."""
    if qty <= 0:
        return {"id": order_id, "total": 0, "skipped": True}
    return {"id": order_id, "total": price(qty), "skipped": False}


@workflow
def process_batch(orders: list) -> dict:
    """The parent: a child execution per order, then a summary."""
    totals = [price_order(order["id"], order["qty"]) for order in orders]
    return summarize(totals)
