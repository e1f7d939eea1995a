"""Nested workflows: calling a ``@workflow`` from another starts a child execution
(``arn:aws:states:::states:startExecution.sync:2``) and waits for its output.

Natively the child is a plain function call; compiled, it is its own state
machine, deployed by the CDK construct next to the parent.

    pyflow run examples/nested_workflows.py:process_batch --input '{"orders": [{"id": "a", "qty": 2}, {"id": "b", "qty": 0}]}'
"""
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
    """The parent: one child execution per order, then a summary."""
    totals = []
    for order in orders:
        totals = totals + [price_order(order["id"], order["qty"])]
    return summarize(totals)
