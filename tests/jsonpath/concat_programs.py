"""Workflows that join lists with ``+`` on the JSONPath target (tests/jsonpath/test_list_concat.py)."""
import pyflow as pf
from pyflow import task, workflow


class Rejected(Exception):
    pass


@task
def item(n: int) -> dict:
    if n < 0:
        raise Rejected(f"negative {n}")
    return {"n": n, "tags": [n, [n]], "none": None}


@task
def count(xs: list) -> int:
    return len(xs)


@task
def echo(xs: list) -> list:
    return xs


@workflow
def append(xs: list, x) -> list:
    """The first state: `xs + [x]` read from the execution input."""
    return xs + [x]


@workflow
def prepend_and_append(xs: list, a, b) -> dict:
    both = [a] + xs + [b]
    front = [a] + xs
    return {"both": both, "front": front, "n": count(front)}


@workflow
def empties(xs: list) -> list:
    """`[] + xs` is xs, `[] + []` is [], displays side by side are one list."""
    e = [] + []
    same = [] + xs
    two = [1] + [[2]] + []
    last = e + xs + [None]
    return [e, same, two, last]


@workflow
def nested_items(xs: list, ys: list) -> list:
    """One level flattened only: items that are lists or dicts stay whole."""
    out = xs + [ys] + ys
    return echo(out + [item(len(xs))])


@workflow
def star_display(xs: list, x: int) -> list:
    return [*xs, x, *xs]


@workflow
def while_accumulator(n: int) -> dict:
    """A Choice loop whose body appends a task result and a computed dict."""
    i = 0
    acc = []
    while i < n:
        r = item(i)
        acc = acc + [r["n"]]
        acc += [r, r["tags"]]
        i = i + 1
    return {"acc": acc, "i": i}


@workflow
def for_with_break(xs: list) -> list:
    out = ["start"]
    for x in xs:
        if x == "stop":
            break
        out = out + [x]
    else:
        out = out + ["no break"]
    return out


@workflow
def caught(xs: list, n: int) -> dict:
    """The handler appends to the list built before the failing task."""
    log = xs + ["before"]
    try:
        r = item(n)
        log = log + [r]
    except Rejected as err:
        log = log + ["rejected: " + err.error]
    return {"log": log}


@workflow
def in_branches(xs: list) -> dict:
    with pf.parallel():
        with pf.branch():
            a = xs + ["a"]
        with pf.branch():
            b = [count(xs)] + xs
    return {"a": a, "b": b}


@workflow
def in_map(groups: list) -> list:
    return [echo(g) + [len(g)] for g in groups]


@workflow
def map_over_joined(xs: list) -> list:
    """A Map's ItemsPath is a reference path: the joined list is stored in a field first."""
    return [item(x)["n"] for x in [0] + xs + [1]]


# ------------------------------------------------------------------ still PF130
@workflow
def two_computed(xs: list, ys: list) -> list:
    return xs + ys


@workflow
def inside_call(xs: list, x: int) -> int:
    return len(xs + [x])


@workflow
def untyped_side(xs: list, y) -> list:
    return xs + y
