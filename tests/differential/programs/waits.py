"""A Wait whose seconds or timestamp is computed, inside ``try``: Python's ``except``
catches the bad value (-1, 1.5, "soon"), so the compiled Wait runs where a Catch can
see it (a one-branch Parallel)."""
import pyflow as pf
from pyflow import task, workflow


@task
def delay_of(kind: str) -> dict:
    return {"short": {"s": 2}, "negative": {"s": -5}, "fraction": {"s": 0.5}}.get(kind, {})


@workflow
def wait_caught(x) -> str:
    try:
        pf.wait(seconds=x)
    except Exception as err:
        return err.error
    return "waited"


@workflow
def wait_until_caught(when) -> str:
    try:
        pf.wait(until=when)
    except Exception as err:
        return err.error
    return "waited"


@workflow
def wait_from_task(kind: str) -> list:
    delay = delay_of(kind)
    try:
        pf.wait(seconds=delay["s"])   # a KeyError and a bad value are both caught
        outcome = "waited"
    except Exception as err:
        outcome = err.error
    finally:
        kind = kind + "!"
    return [outcome, kind]
