"""try/except/else/finally, re-raise, retries: Python's meaning on every path."""
import pyflow as pf
from pyflow import Retry, task, workflow
from pyflow.errors import Error


class OrderError(Error):
    pass


class PaymentDeclined(OrderError):
    pass


class Flaky(Exception):
    pass


_calls = {"n": 0}


@task
def charge(amount: int) -> dict:
    if amount < 0:
        raise ValueError("negative amount")
    if amount > 1000:
        raise PaymentDeclined(f"declined {amount}")
    return {"charged": amount}


@task
def refund(amount: int) -> str:
    return f"refunded {amount}"


@task
def audit(note: str) -> str:
    return note


@task(retry=Retry(errors=[Flaky], interval=1, max_attempts=3, backoff_rate=2.0))
def flaky(fail_times: int, attempt_key: str) -> str:
    _calls[attempt_key] = _calls.get(attempt_key, 0) + 1
    if _calls[attempt_key] <= fail_times:
        raise Flaky(f"attempt {_calls[attempt_key]}")
    return "ok"


@workflow
def pay(amount: int) -> dict:
    status = "new"
    try:
        receipt = charge(amount)
        status = "charged"
    except PaymentDeclined as err:
        return {"status": "declined", "error": err.error}
    except ValueError:
        status = "invalid"
        receipt = {}
    else:
        status = status + "+else"
    finally:
        note = audit("done")
    return {"status": status, "receipt": receipt, "note": note}


@workflow
def reraise(amount: int) -> str:
    try:
        charge(amount)
    except OrderError as err:
        audit("saw " + err.error)
        raise
    return "fine"


@workflow
def raise_inside_try(kind: str) -> dict:
    try:
        if kind == "order":
            raise OrderError("bad order")
        if kind == "value":
            raise ValueError("bad value")
        result = "none"
    except OrderError as err:
        result = "caught " + err.error + ": " + err.cause
    return {"result": result}


@workflow
def nested_try(amount: int) -> list:
    log = []
    try:
        try:
            charge(amount)
            log = log + ["charged"]
        except ValueError:
            log = log + ["inner value"]
        finally:
            log = log + ["inner finally"]
    except PaymentDeclined:
        log = log + ["outer declined"]
    return log


@workflow
def data_error_in_try(data: dict) -> str:
    try:
        value = data["key"]
        out = "found " + str(value)
    except KeyError:
        out = "missing"
    return out


@workflow
def with_retry(fail_times: int, key: str) -> str:
    try:
        return flaky(fail_times, key)
    except Flaky:
        return "gave up"
