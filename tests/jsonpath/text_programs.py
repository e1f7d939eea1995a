"""Bools formatted into strs on the JSONPath target (tests/jsonpath/test_bool_text.py):
Python writes True/False where States.Format and States.JsonToString write true/false."""
from pyflow import task, workflow


@task
def is_even(n: int) -> bool:
    return n % 2 == 0


@task
def label(text: str) -> str:
    return "<" + text + ">"


@workflow
def bool_text(n: int, flag: bool) -> list:
    big = n > 3
    return [f"{big}", str(flag), f"n > 3 is {n > 3}, flag is {flag}!", "x" + str(big), str(not flag),
            f"{flag}{big}{None}{n}"]


@workflow
def of_task_result(n: int) -> dict:
    even = is_even(n)
    return {"even": f"{even}", "text": label(f"even={even}")}


@workflow
def in_test(flag: bool) -> str:
    if str(flag) == "True":
        return "yes"
    return "no"


@workflow
def in_map(xs: list) -> list:
    return [label(str(x > 1)) for x in xs]


@workflow
def in_loop(n: int) -> str:
    out = ""
    i = 0
    while i < n:
        out = out + str(i == 1) + ","
        i = i + 1
    return out
