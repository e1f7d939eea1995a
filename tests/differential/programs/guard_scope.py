"""An expression that may fail (a dict lookup) inside ``try``: it needs a guard
(a one-branch Parallel whose Catch sees the failure) only where a handler around it would
catch a data error in Python. Under ``except Rejected`` the
KeyError fails the run natively and compiled alike, with no extra states."""
import pyflow as pf
from pyflow import task, workflow
from pyflow.errors import TaskFailed


class Rejected(Exception):
    pass


@task
def lookup(key: str) -> dict:
    if key == "reject":
        raise Rejected("no")
    return {"ok": {"total": 3}, "partial": {}}.get(key, {"total": "7"})


@workflow
def not_caught_by_a_named_handler(key: str) -> str:
    try:
        total = lookup(key)["total"]
        label = "found"
    except Rejected:
        total = None
        label = "rejected"
    return {"label": label, "total": total}


@workflow
def not_caught_by_task_failed(key: str) -> list:
    try:
        got = lookup(key)
        n = got["total"]
    except TaskFailed as err:
        return ["task failed", err.error]
    return ["found", n]


@workflow
def caught_by_lookup_error(key: str) -> str:
    try:
        got = lookup(key)
        total = got["total"]
    except LookupError:
        return "missing"
    except Rejected:
        return "rejected"
    return "total " + str(total)


@workflow
def caught_by_an_outer_handler(key: str) -> str:
    try:
        try:
            got = lookup(key)
            total = got["total"]
        except Rejected:
            return "rejected"
    except Exception as err:
        return "outer " + err.error
    return "total " + str(total)


@workflow
def caught_by_finally(key: str) -> list:
    seen = ["start"]
    try:
        got = lookup(key)
        seen = seen + [got["total"]]
    finally:
        seen = seen + ["finally"]
    return seen


@workflow
def handler_fails_under_finally(key: str) -> str:
    """The handler's own KeyError meets `finally`, whose `return` ends the run normally."""
    try:
        got = lookup(key)
        out = "found"
    except Rejected:
        got = {}
        out = got["total"]
    finally:
        return "finally"
    return out


@workflow
def else_fails_under_finally(key: str) -> list:
    """The else block's KeyError meets `finally` too (not the except clause)."""
    seen = []
    try:
        got = lookup(key)
    except Rejected:
        return ["rejected"]
    else:
        seen = [got["total"]]
    finally:
        return seen + ["finally"]
