"""Negative constant indices on the JSONPath target (tests/jsonpath/test_negative_index.py):
``xs[-k]`` is the item at ``len(xs) - k``, an IndexError where that is negative."""
from pyflow import task, workflow


@task
def numbers(n: int) -> list:
    return list(range(n))


@task
def echo(value: object) -> object:
    return value


@workflow
def last(xs: list):
    return xs[-1]


@workflow
def from_end(xs: list) -> list:
    """`xs[-3]` fails first (Python's order) where the list is shorter than 3."""
    return [xs[-3], xs[-2], xs[-1], xs[0]]


@workflow
def of_task_result(n: int) -> dict:
    ys = numbers(n)
    return {"last": ys[-1], "second_last": ys[-2], "first": ys[0]}


@workflow
def in_test(xs: list) -> str:
    if xs[-1] == "stop":
        return "stopped"
    return "went on"


@workflow
def as_argument(xs: list, n: int) -> object:
    last_one = xs[-1]
    if n > 0:
        return echo(xs[-2])
    return echo(last_one)


@workflow
def in_loop(rows: list) -> list:
    """The last item of each row (each annotated as a list by a task's result)."""
    out = []
    for r in rows:
        items = numbers(r)
        out = out + [items[-1]]
    return out


@workflow
def in_map(rows: list) -> list:
    return [numbers(r)[-1] for r in rows]


# ------------------------------------------------------------------ still PF130
@workflow
def of_unknown(rows: list):
    """`rows[-1]` is of unknown type: Python indexes a str from its end too."""
    return rows[-1][-1]
