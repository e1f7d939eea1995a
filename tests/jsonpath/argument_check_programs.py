"""``str + value of unknown type`` in a task's argument on the JSONPath target
(tests/jsonpath/test_argument_checks.py): a Choice before the task fails the run with
Python's TypeError when the value is not a str."""
from pyflow import task, workflow


@task
def anything(value: object) -> object:
    return value


@task
def label(text: str) -> str:
    return "<" + text + ">"


@task
def pair(a: str, b: str) -> list:
    return [a, b]


@workflow
def concat_argument(value) -> str:
    return label("got: " + value)


@workflow
def concat_after_task(value) -> str:
    got = anything(value)
    out = label(got + "!")
    return out + "."


@workflow
def two_arguments(a, b) -> list:
    return pair(a + "1", "2" + b)


@workflow
def concat_in_map(xs: list) -> list:
    return [label("x" + x) for x in xs]


@workflow
def concat_in_loop(xs: list) -> list:
    out = []
    for x in xs:
        out = out + [label(x + "?")]
    return out
