"""Fields of a parsed dict read right before a return (tests/jsonpath/test_parsed_lookups.py):
a path cannot follow ``States.StringToJson``, so a Pass stores the dict first."""
import json

from pyflow import task, workflow


@task
def echo(value: object) -> object:
    return value


@workflow
def parsed_fields(doc: str) -> list:
    inner = json.loads(doc)
    return [inner["a"], inner["b"]]


@workflow
def parsed_after_task(doc: str) -> dict:
    text = echo(doc)
    inner = json.loads(text)
    return {"a": inner["a"], "whole": inner}


@workflow
def parsed_in_branch(doc: str, first: bool) -> object:
    if first:
        inner = json.loads(doc)
        return inner["a"]
    return echo(doc)
