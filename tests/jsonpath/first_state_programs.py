"""The first state after a Pass that computes an unused value first: its document is that
Pass's output, not the execution input (found by tests/robustness/test_generated.py)."""
from pyflow import workflow


class Stop(Exception):
    pass


@workflow(query_language="jsonpath")
def reassigned_then_return(a: int, b: int):
    a = a
    return b


@workflow(query_language="jsonpath")
def reassigned_then_raise(a: int, why: str):
    a = a
    raise Stop(why)
