"""try/except/else/finally: Catch and Retry, Succeed and Fail, and the error names.

``except SomeError as err`` becomes a ``Catch`` on every state of the ``try`` body
(``err.error`` / ``err.cause`` are the ASL ``Error`` / ``Cause``); ``finally`` runs
on every path; ``raise`` becomes a ``Fail`` state (``Error`` = class name, ``Cause``
= message) and a bare ``raise`` in an ``except`` re-raises the caught error;
``@task(retry=Retry(...))`` is the task's ``Retry``. The ASL error names
(``States.Timeout``, ``States.TaskFailed``, ...) are classes in ``pyflow.errors``.
An early ``return`` is a ``Succeed``-like end; ``pf.fail(...)`` is a ``Fail``.

    pyflow run examples/error_handling.py:charge_with_receipt --input '{"amount": 120}'
    pyflow run examples/error_handling.py:charge_with_receipt --input '{"amount": 5000}'
    pyflow run examples/error_handling.py:must_be_positive --input '{"n": -1}'
"""
import pyflow as pf
from pyflow import Retry, task, workflow
from pyflow.errors import Timeout


class PaymentDeclined(Exception):
    """The card was declined."""


class GatewayBusy(Exception):
    """A transient gateway error, worth retrying."""


@task(timeout=10, retry=Retry(errors=[GatewayBusy], interval=1, max_attempts=3, backoff_rate=2.0))
def charge(amount: int) -> dict:
    if amount > 1000:
        raise PaymentDeclined(f"amount {amount} is over the card limit")
    if amount < 0:
        raise ValueError("negative amount")
    return {"charged": amount}


@task
def write_receipt(charge_result: dict) -> str:
    return f"receipt for {charge_result['charged']}"


@task
def audit(note: str) -> str:
    return note


@workflow
def charge_with_receipt(amount: int) -> dict:
    try:
        result = charge(amount)
    except PaymentDeclined as err:
        status = "declined"
        detail = err.error + ": " + err.cause
    except Timeout:
        status = "timed out"
        detail = "the gateway did not answer"
    else:
        status = "charged"
        detail = write_receipt(result)
    finally:
        note = audit(f"charge of {amount} done")
    return {"status": status, "detail": detail, "audit": note}


@workflow
def must_be_positive(n: int) -> str:
    if n == 0:
        pf.fail(error="ZeroNotAllowed", cause="n must not be zero")  # Fail state
    if n < 0:
        raise ValueError("n must be positive")                        # Fail state
    return "ok"                                                       # end (Succeed)


@workflow
def audit_then_reraise(amount: int) -> dict:
    try:
        return charge(amount)
    except PaymentDeclined as err:
        audit("declined: " + err.cause)
        raise
