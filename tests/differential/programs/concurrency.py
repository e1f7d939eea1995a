"""Parallel branches, maps, fragments, nested workflows."""
import pyflow as pf
from pyflow import fragment, task, workflow


@task
def double(n: int) -> int:
    return n * 2


@task
def add(a: int, b: int = 0) -> int:
    return a + b


@task
def fail_on(n: int, bad: int) -> int:
    if n == bad:
        raise ValueError(f"bad item {n}")
    return n


@fragment
def double_then_add(x: int, extra: int = 1):
    d = double(x)
    if d > 10:
        return d
    total = add(d, extra)
    return total


@workflow
def parallel_sum(a: int, b: int) -> dict:
    base = 100
    with pf.parallel():
        with pf.branch():
            x = double(a)
            x = add(x, base)
        with pf.branch():
            y = add(b, 1)
    return {"x": x, "y": y, "total": x + y}


@workflow
def branch_temporaries(n: int, xs: list) -> dict:
    """Names only a branch mentions (assigned on some paths, a loop variable) stay in it."""
    with pf.parallel():
        with pf.branch():
            a = double(n)
        with pf.branch():
            if n > 0:
                c = add(n, 1)
        with pf.branch():
            total = 0
            for x in xs:
                total = add(total, x)
    return {"a": a, "total": total}


@workflow
def comprehension(xs: list) -> dict:
    doubled = [double(x) for x in xs]
    big = [add(x, 1) for x in xs if x > 2]
    mapped = pf.map(double, xs, max_concurrency=2)
    lam = pf.map(lambda v: add(v, 10), xs)
    return {"doubled": doubled, "big": big, "mapped": mapped, "lam": lam}


@workflow
def for_map(xs: list) -> int:
    count = 0
    for x in pf.map(xs, max_concurrency=2):
        d = double(x)
    return count + len(xs)


@workflow
def fragments(a: int, b: int) -> list:
    first = double_then_add(a)
    second = double_then_add(b, extra=5)
    third = double_then_add(first)
    return [first, second, third]


@workflow
def child(n: int) -> dict:
    return {"n": double(n)}


@workflow
def parent(n: int) -> int:
    result = child(n + 1)
    return result["n"] + 1


@workflow
def map_error(xs: list, bad: int) -> str:
    try:
        out = [fail_on(x, bad) for x in xs]
        return "ok " + str(len(out))
    except ValueError as err:
        return "failed: " + err.error
