"""Workflows that exercise the JSONPath target: every typed Choice operator, guarded
rules for unknown types, truthiness, str building, int sums, loops over lists, waits."""
import json
from fnmatch import fnmatch

import pyflow as pf
from pyflow import fragment, task, workflow


class Rejected(Exception):
    pass


@task
def lookup(key: str) -> dict:
    return {"key": key, "size": len(key), "tags": ["a", key], "ok": len(key) % 2 == 0, "none": None}


@task
def anything(value: object) -> object:
    return value


@workflow
def operators(name: str, n: int, x: float, flag: bool, done: bool, other: str, m: int, when: str, later: str) -> list:
    out = "start"
    if name == "bob":
        out = out + "|StringEquals"
    if name != other:
        out = out + "|StringEqualsPath"
    if name < "m":
        out = out + "|StringLessThan"
    if name <= "m":
        out = out + "|StringLessThanEquals"
    if name > "m":
        out = out + "|StringGreaterThan"
    if name >= "m":
        out = out + "|StringGreaterThanEquals"
    if name < other:
        out = out + "|StringLessThanPath"
    if name <= other:
        out = out + "|StringLessThanEqualsPath"
    if name > other:
        out = out + "|StringGreaterThanPath"
    if name >= other:
        out = out + "|StringGreaterThanEqualsPath"
    if n == 3:
        out = out + "|NumericEquals"
    if n == m:
        out = out + "|NumericEqualsPath"
    if n < 3:
        out = out + "|NumericLessThan"
    if n <= 3:
        out = out + "|NumericLessThanEquals"
    if n > 3:
        out = out + "|NumericGreaterThan"
    if n >= 3:
        out = out + "|NumericGreaterThanEquals"
    if x < m:
        out = out + "|NumericLessThanPath"
    if x <= m:
        out = out + "|NumericLessThanEqualsPath"
    if x > m:
        out = out + "|NumericGreaterThanPath"
    if x >= m:
        out = out + "|NumericGreaterThanEqualsPath"
    if flag:
        out = out + "|BooleanEquals"
    if flag == done:
        out = out + "|BooleanEqualsPath"
    if fnmatch(name, "b*b"):
        out = out + "|StringMatches"
    if name.startswith("b") and not name.endswith("x"):
        out = out + "|prefix"
    if "o" in name:
        out = out + "|substring"
    if pf.timestamp(when) < pf.timestamp("2026-01-01T00:00:00Z"):
        out = out + "|TimestampLessThan"
    if pf.timestamp(when) <= pf.timestamp("2026-01-01T00:00:00Z"):
        out = out + "|TimestampLessThanEquals"
    if pf.timestamp(when) > pf.timestamp("2026-01-01T00:00:00Z"):
        out = out + "|TimestampGreaterThan"
    if pf.timestamp(when) >= pf.timestamp("2026-01-01T00:00:00Z"):
        out = out + "|TimestampGreaterThanEquals"
    if pf.timestamp(when) == pf.timestamp("2026-01-01T00:00:00Z"):
        out = out + "|TimestampEquals"
    if pf.timestamp(when) < pf.timestamp(later):
        out = out + "|TimestampLessThanPath"
    if pf.timestamp(when) <= pf.timestamp(later):
        out = out + "|TimestampLessThanEqualsPath"
    if pf.timestamp(when) > pf.timestamp(later):
        out = out + "|TimestampGreaterThanPath"
    if pf.timestamp(when) >= pf.timestamp(later):
        out = out + "|TimestampGreaterThanEqualsPath"
    if pf.timestamp(when) == pf.timestamp(later):
        out = out + "|TimestampEqualsPath"
    return [out, f"{name} is {n}", name + "!" + other]


@workflow
def unknown_types(key: str) -> dict:
    info = lookup(key)
    value = anything(info["size"])
    result = {"info": info}
    if value == 3:
        result = {"info": info, "three": True}
    if value is None:
        result = {"none": True}
    if isinstance(value, str) or isinstance(value, bool):
        result = {"scalar": value}
    if "tags" in info and "missing" not in info:
        result = {"info": info, "tags": info["tags"]}
    if info["ok"] == True:  # noqa: E712 - Python's True == 1 is kept
        result = {"ok": info["ok"], "key": info["key"]}
    if not info["none"] is None:
        raise Rejected(f"{key} has a none")
    return result


@workflow
def truthy(value: object, items: list, data: dict, text: str, count: int) -> list:
    seen = "v"
    if value:
        seen = seen + "T"
    if items:
        seen = seen + "L"
    if data:
        seen = seen + "D"
    if text:
        seen = seen + "S"
    if count:
        seen = seen + "N"
    if "k" in items:
        seen = seen + "K"
    return [seen, len(items)]


@workflow
def sums(xs: list, limit: int = 5, label: str = "total") -> dict:
    total = 0
    count = 0
    for x in xs:
        if x == "stop":
            break
        count = count + 1
        if count > limit:
            raise Rejected(f"more than {limit} items")
        total = total + len(lookup(x)["tags"])
    pf.wait(seconds=count)
    return {"label": label, "total": total, "count": count, "last": count - 1}


# ------------------------------------------------------------------ issue 4's constructs
@task
def triple(n: int) -> int:
    return n * 3


@task
def checked(n: int) -> int:
    if n < 0:
        raise ValueError(f"negative {n}")
    return n


@task
def shift(n: int, by: int) -> int:
    if n + by < 0:
        raise ValueError("below zero")
    return n + by


@task
def notify_with_token(token: str, n: int) -> int:
    return n


@workflow
def child_double(n: int) -> dict:
    return {"n": triple(n)}


@workflow
def nested_parent(n: int) -> dict:
    result = child_double(n)
    return {"child": result, "n": n}


@workflow
def guarded_div(items: list, i: int) -> str:
    try:
        value = items[i]
        out = triple(value)
        status = "ok"
    except IndexError:
        out = 0
        status = "missing"
    return {"status": status, "out": out}


@workflow
def map_outer(xs: list, offset: int) -> dict:
    by = triple(offset)
    shifted = pf.map(lambda v: shift(v, by), xs, max_concurrency=3)
    return {"shifted": shifted, "by": by}


@workflow
def parallel_catch(a: int) -> dict:
    try:
        with pf.parallel():
            with pf.branch():
                x = checked(a)
            with pf.branch():
                y = triple(a)
        return {"x": x, "y": y}
    except ValueError as err:
        return {"error": err.error}


@workflow
def uncaught(amount: int) -> int:
    return checked(amount)


review_job = pf.Activity("review_job", local=lambda job: {"ok": True, "job": job})


@workflow
def activity_flow(job: dict) -> dict:
    decision = review_job(job)
    return {"decision": decision}


@workflow
def callback_flow(n: int) -> int:
    return notify_with_token(pf.task_token(), n)


# ------------------------------------------------------------------ folding into neighbours
@fragment
def pick(kind: str, n: int) -> dict:
    """The seed's MyJob shape: a Choice on a parameter, a task per branch, then join."""
    tag = "fixed"
    if kind == "a":
        out = triple(n)
    elif kind == "b":
        out = shift(n, 2)
    else:
        out = "none for " + tag
    return out


@workflow
def shared_return(kind: str, n: int) -> dict:
    """One `return` reached from two tasks and a Choice default: each task's ResultSelector
    makes the output (reading `kind` from the context object), the default gets its own Pass."""
    if kind == "a":
        out = triple(n)
    elif kind == "b":
        out = shift(n, 2)
    else:
        out = "none"
    return {"kind": kind, "out": out}


@workflow
def fragments_in_parallel(kind: str, n: int) -> list:
    """Fragments bound to a constant and an input: no Pass binds them; each branch outputs
    its one value bare and the return is the Parallel's own ResultSelector."""
    with pf.parallel():
        with pf.branch():
            first = pick(kind, n)
        with pf.branch():
            second = pick("a", n)
        with pf.branch():
            third = triple(n)
            fourth = shift(n, 1)
    return [first, second, third + fourth]


@workflow
def dead_lookup(data: dict, n: int) -> int:
    """A value never read that may fail must still fail the run (Python computed it)."""
    unused = data["missing"]
    result = triple(n)
    return result


@workflow
def concat_unknown(value: object, n: int) -> str:
    """`str + value of unknown type`: exact when the value is a str, TypeError otherwise."""
    got = anything(value)
    if n > 0:
        got = anything(got)
    return "got: " + got


@workflow
def lookups(doc: str, data: dict) -> dict:
    """Fields of computed dicts: `json.loads(s)["k"]` and `d.get(k, default)` are stored by
    a Pass first, then read as paths."""
    got = anything(data.get("y", 0))
    return {"k": json.loads(doc)["k"], "x": data.get("x"), "got": got}


@workflow
def completes(n: int) -> dict:
    """The second task's result completes the document into the returned dict: the first
    task keeps only its result (ResultSelector), the second adds its own (ResultPath)."""
    first = triple(n)
    second = shift(first, 1)
    return {"first": first, "second": second}


@workflow
def concat_in_try(value: object) -> str:
    """The TypeError of `str + not a str` inside `try`: the check runs in the try body's
    Parallel, whose Catch takes the error to the handler, as Python's except does."""
    got = anything(value)
    try:
        text = "got: " + got
    except TypeError:
        text = "not a str"
    return text


@workflow
def input_test_first(v, name: str, other: str) -> str:
    """The first Choice reads the input as its document; the truthiness of `v` (a field
    computed before it) is stored with a ResultPath, so `name` and `other` stay readable."""
    if name < other:
        return "lt"
    if v:
        return "v"
    return "no"


@task
def bump(n: int) -> int:
    if n > 5:
        raise Rejected(f"{n} is too big")
    return n + 1


@workflow
def if_in_try(n: int) -> int:
    """An `if` inside `try`: its test is guarded by a one-branch Parallel whose Choice
    decides it (a comparison has no JSONPath value); a raising task goes to the handler."""
    try:
        if n > 0:
            r = bump(n)
        else:
            r = 0
    except Rejected:
        r = -1
    return r
