"""Control flow: if/elif/else, while/break/continue, for with outer updates, early returns, raise."""
import pyflow as pf
from pyflow import task, workflow


class TooBig(Exception):
    pass


@task
def check(n: int) -> str:
    if n > 100:
        raise ValueError(f"{n} is too big")
    return "even" if n % 2 == 0 else "odd"


@task
def step(n: int) -> int:
    return n + 3


@workflow
def classify(n: int) -> str:
    if n < 0:
        return "negative"
    elif n == 0:
        return "zero"
    elif n < 10:
        kind = check(n)
        return f"small {kind}"
    else:
        kind = check(n)
    return "large " + kind


@workflow
def loop_until(limit: int) -> dict:
    n = 0
    steps = 0
    while n < limit:
        n = step(n)
        steps += 1
        if n % 2 == 0:
            continue
        if steps > 50:
            break
    return {"n": n, "steps": steps}


@workflow
def for_loop(xs: list) -> dict:
    total = 0
    seen = []
    for x in xs:
        if x < 0:
            continue
        if x > 1000:
            raise TooBig(f"{x} is too big")
        if x == 99:
            break
        total = total + x
        seen = seen + [x]
    else:
        seen = seen + ["done"]
    return {"total": total, "seen": seen}


@workflow
def nested(a: int, b: int) -> list:
    out = []
    i = 0
    while i < a:
        j = 0
        while True:
            if j >= b:
                break
            out = out + [[i, j]]
            j += 1
        i += 1
    return out


@workflow
def waits(seconds: int) -> str:
    pf.wait(seconds=seconds)
    pf.wait(seconds=1)
    return "waited"


@workflow
def fails(kind: str) -> str:
    if kind == "raise":
        raise TooBig("asked to")
    if kind == "fail":
        pf.fail(error="Custom.Error", cause="custom")
    if kind == "task":
        return check(1000)
    return "ok"


@workflow
def ranges(n: int) -> list:
    out = []
    for i in range(n):
        out = out + [i * i]
    for j in range(10, 0, -3):
        out = out + [j]
    return out + list(range(2, n))
