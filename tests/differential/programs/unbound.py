"""Reads of a variable that may be unassigned: Python raises UnboundLocalError where the
path taken did not assign it; compiled, the run must fail too (JSONata reads an unassigned
ASL Variable as nothing, which a list display, ``&`` or a test would carry on with)."""
from pyflow import task, workflow


@task
def echo(x: object) -> object:
    return x


@workflow
def maybe_in_list(c: bool) -> list:
    if c:
        y = 1
    return [y]


@workflow
def maybe_in_fstring(c: bool) -> str:
    if c:
        y = "a"
    return f"<{y}>"


@workflow
def maybe_tested(c: bool) -> int:
    if c:
        y = 0
    if y is None:
        return 1
    return 2


@workflow
def loop_variable_after(xs: list) -> list:
    for x in xs:
        pass
    return [x]


@workflow
def carried_between_iterations(xs: list) -> list:
    out = []
    for x in xs:
        if x > 1:
            y = x
        out = out + [y]
    return out


@workflow
def passed_to_task(c: bool) -> object:
    if c:
        y = {"k": 1}
    return echo(y)


@workflow
def caught(c: bool) -> str:
    if c:
        y = "set"
    try:
        z = y + "!"
    except NameError:
        return "unbound"
    return z


@workflow
def always_assigned(xs: list) -> list:
    """Assigned on every path before each read: no check is emitted."""
    out = []
    for x in xs:
        if x > 0:
            y = x
        else:
            y = -x
        out = out + [y]
    return out
