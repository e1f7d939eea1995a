"""A parameter reassigned twice at the start (``a = len(xs); a = 0``): fold_assigns keeps the
second assignment as a state (the first value may fail and must be evaluated), so the entry's
values cannot stay pending into it and a ``Start`` Pass computes them first. The other
parameters are then read from the execution input, not from ``$`` (the Pass's output, which
holds only what it computed). Issues 19 and 21, found by tests/robustness/test_generated.py."""
from pyflow import task, workflow


@task
def echo(value: int) -> int:
    return value


@workflow(query_language="jsonpath")
def three_params(a: int, xs: list, b: int):
    a = len(xs)
    a = 0
    return {"a": a, "xs": xs, "b": b}


@workflow(query_language="jsonpath")
def two_params(a: int, xs: list):
    a = len(xs)
    a = 0
    return {"a": a, "xs": xs}


@workflow(query_language="jsonpath")
def no_unread_param(xs: list, b: int):
    a = len(xs)
    a = 0
    return {"a": a, "xs": xs, "b": b}


@workflow(query_language="jsonpath")
def reassigned_twice(a: int, xs: list, b: int):
    a = len(xs)
    a = xs[0]
    a = 0
    return {"a": a, "xs": xs, "b": b}


@workflow(query_language="jsonpath")
def index_then_const(a: int, xs: list, b: int):
    a = xs[1]
    a = 5
    return [a, b, xs]


@workflow(query_language="jsonpath")
def read_in_branch(a: int, xs: list, b: int):
    a = len(xs)
    a = 0
    if b > 2:
        return {"b": b, "xs": xs, "a": a}
    return [a, b]


@workflow(query_language="jsonpath")
def loop_after(a: int, xs: list, b: int):
    a = len(xs)
    a = 0
    for x in xs:
        if x == b:
            a = 1
    return {"a": a, "xs": xs, "b": b}


@workflow(query_language="jsonpath")
def while_after(a: int, xs: list, b: int):
    a = len(xs)
    a = 0
    while a < b:
        a += 1
    return {"a": a, "xs": xs, "b": b}


@workflow(query_language="jsonpath")
def task_replaces(a: int, xs: list, b: int):
    a = len(xs)
    a = echo(b)
    return {"a": a, "xs": xs, "b": b}

