"""Where a native run used to part from the compiled one: task and workflow JSON
boundaries, ASL error matching in ``except``, ``err.error``/``err.cause``, nested
workflow failures, ``time.sleep`` and bad ``pf.wait`` values."""
import datetime
import json
import time

import pyflow as pf
from pyflow import task, workflow
from pyflow.errors import Error, TaskFailed, Timeout


class Boom(Exception):
    pass


class Declined(Error):
    pass


# --------------------------------------------------------------------------- tasks
@task
def mutate(d: dict) -> None:
    d["touched"] = True


@task
def give_date(x: int):
    return datetime.date(2020, 1, 1)


@task
def int_keys(x: int) -> dict:
    return {x: "a", 2: [x]}


@task
def boom(kind: str) -> int:
    if kind == "boom":
        raise Boom("bad thing")
    if kind == "timeout":
        raise Timeout("too slow")
    return 1


@task
def log(msg: str) -> str:
    return msg


@task
def nap(seconds: float) -> str:
    time.sleep(seconds)
    return "rested"


# --------------------------------------------------------------------------- 1. JSON boundaries
@workflow
def task_mutates_argument(d: dict):
    mutate(d)
    return d


@workflow
def task_returns_date(x: int):
    return give_date(x)


@workflow
def task_returns_date_caught(x: int):
    try:
        return give_date(x)
    except Exception as err:
        return [err.error, err.cause]


@workflow
def task_returns_int_keys(x: int):
    return int_keys(x)


@workflow
def echo(d: dict):
    return d


# --------------------------------------------------------------------------- 2. except TaskFailed
@workflow
def task_failed(kind: str):
    try:
        boom(kind)
    except TaskFailed as err:
        return "TaskFailed " + err.error
    except Exception as err:
        return "Exception " + err.error
    return "ok"


@workflow
def task_failed_data_error(d: dict):
    try:
        v = d["k"]
    except TaskFailed as err:
        return "TaskFailed " + err.error
    except Exception as err:
        return "Exception " + err.error
    return v


@workflow
def task_failed_argument_data_error(d: dict):
    try:
        boom(d["k"])
    except TaskFailed as err:
        return "TaskFailed " + err.error
    return "ok"


@workflow
def task_failed_raise(n: int):
    try:
        raise Boom("x")
    except TaskFailed as err:
        return "TaskFailed " + err.error
    except Exception as err:
        return "Exception " + err.error


@workflow
def task_failed_reraise(kind: str):
    try:
        try:
            boom(kind)
        except Boom as err:
            raise
    except TaskFailed as err:
        return "TaskFailed " + err.error
    except Exception as err:
        return "Exception " + err.error
    return "ok"


@workflow
def task_failed_finally(kind: str):
    try:
        try:
            boom(kind)
        finally:
            log("finally")
    except TaskFailed as err:
        return "TaskFailed " + err.error
    except Exception as err:
        return "Exception " + err.error
    return "ok"


@workflow
def task_failed_fail(kind: str):
    try:
        pf.fail(error="E", cause="c")
    except TaskFailed as err:
        return "TaskFailed " + err.error
    except Exception as err:
        return "Exception " + err.error
    return "ok"


@workflow
def task_failed_parallel(kind: str):
    try:
        with pf.parallel():
            with pf.branch():
                if kind == "boom":
                    raise Boom("x")
                a = 1
            with pf.branch():
                b = 2
    except TaskFailed as err:
        return "TaskFailed " + err.error
    except Exception as err:
        return "Exception " + err.error
    return "ok"


@workflow
def task_failed_map(xs: list):
    try:
        return pf.map(boom, xs)
    except TaskFailed as err:
        return "TaskFailed " + err.error
    except Exception as err:
        return "Exception " + err.error


@workflow
def task_failed_for_map(xs: list):
    try:
        for x in pf.map(xs):
            if x == "boom":
                raise Boom("x")
    except TaskFailed as err:
        return "TaskFailed " + err.error
    except Exception as err:
        return "Exception " + err.error
    return "ok"


# --------------------------------------------------------------------------- 3. err.error / err.cause
@workflow
def raised_in_body(n: int):
    try:
        if n == 1:
            raise Boom("inner")
        if n == 2:
            raise Boom
        if n == 3:
            raise KeyError("kk")
        if n == 4:
            raise ValueError(f"bad {n}")
        if n == 5:
            raise Declined("why")
        raise Boom(n)
    except Exception as err:
        return [err.error, err.cause]


@workflow
def converted(kind: str):
    try:
        try:
            boom(kind)
        except Boom:
            raise ValueError("converted")
    except ValueError as err:
        return [err.error, err.cause]
    return "none"


@workflow
def reraised(kind: str):
    try:
        try:
            boom(kind)
        except Boom as err:
            raise
    except Exception as err:
        return [err.error, json.loads(err.cause)["errorMessage"]]
    return "none"


@workflow
def raise_caught_variable(n: int):
    try:
        try:
            raise Boom("x")
        except Boom as e:
            raise e
    except Exception as err:
        return [err.error, err.cause]


@workflow
def data_error(d: dict):
    try:
        v = d["k"]
    except KeyError as err:
        return err.error
    return v


@workflow
def data_error_cause(d: dict):
    try:
        v = d["k"]
    except KeyError as err:
        return [err.error, err.cause]
    return v


@workflow
def data_error_reraised(d: dict):
    try:
        try:
            v = d["k"]
        except KeyError as e:
            raise
    except Exception as err:
        return err.error
    return v


# --------------------------------------------------------------------------- 4. nested workflows
@workflow
def child(x: int) -> int:
    if x == 0:
        raise Boom("direct")
    return boom("boom" if x < 0 else "ok") + x


@workflow
def parent(x: int):
    try:
        return child(x)
    except Boom as err:
        return "Boom " + err.error
    except TaskFailed as err:
        inner = json.loads(err.cause)
        return ["TaskFailed", err.error, inner["Status"], inner["Error"], inner["Cause"], inner["Input"]]


@workflow
def parent_uncaught(x: int):
    return child(x)


# --------------------------------------------------------------------------- 5. time.sleep
@workflow
def sleeps(n: int):
    time.sleep(n)
    pf.wait(seconds=n)
    return nap(0.01)


# --------------------------------------------------------------------------- 6. bad waits
@workflow
def waits(n):
    pf.wait(seconds=n)
    return "waited"


@workflow
def sleeps_bad(n):
    time.sleep(n)
    return "slept"


@workflow
def waits_until(ts):
    pf.wait(until=ts)
    return "waited"
