"""A Parallel state with retry and catch: the seed's "Do the work in parallel".

``with pf.parallel(retry=...):`` is the ``Parallel`` state and its ``Retry``; each
``with pf.branch():`` is one branch. The ``try``/``except`` around it becomes the
Parallel's ``Catch`` (the seed's ``add_catch(send_failure_notification)``), and the
code after the block is its ``next(close_order)``. Variables assigned in a branch
are visible after the block.

    pyflow run examples/parallel_state.py:do_the_work --input '{"order": {"id": "o-1", "items": ["a", "b"]}}'
    pyflow run examples/parallel_state.py:do_the_work --input '{"order": {"id": "o-2", "items": []}}'
"""
import pyflow as pf
from pyflow import Retry, task, workflow


class OutOfStock(Exception):
    """Raised by ``restock`` when there is nothing to ship."""


@task
def ship_item(order_id: str) -> str:
    return f"shipped {order_id}"


@task
def send_invoice(order_id: str) -> str:
    return f"invoice for {order_id}"


@task
def restock(items: list) -> int:
    if not items:
        raise OutOfStock("no items to restock")
    return len(items)


@task
def send_failure_notification(order_id: str, error: str, cause: str) -> str:
    return f"{order_id} failed with {error}: {cause}"


@task
def close_order(order_id: str, shipped: str, invoice: str, restocked: int) -> dict:
    return {"order": order_id, "shipped": shipped, "invoice": invoice, "restocked": restocked}


@workflow
def do_the_work(order: dict) -> dict:
    try:
        with pf.parallel(retry=Retry(max_attempts=1)):
            with pf.branch():
                shipped = ship_item(order["id"])
            with pf.branch():
                invoice = send_invoice(order["id"])
            with pf.branch():
                restocked = restock(order["items"])
    except Exception as err:
        note = send_failure_notification(order["id"], err.error, err.cause)
        return {"order": order["id"], "failed": note}
    return close_order(order["id"], shipped, invoice, restocked)
