"""The first state after a Pass that computes an unused value first: its document is that
Pass's output, not the execution input (found by tests/robustness/test_generated.py); and a
first Choice that reads the input merged with the parameters' defaults as its document."""
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


@workflow(query_language="jsonpath")
def chained_with_defaults(x: int, lo: int = 0, hi: int = 10) -> list:
    """The first Choice reads the merged input (`$.x`); the second reads `x` from the
    context object, which a `...Path` rule needs stored first: that field is computed on
    the first Choice's ways out, not by a Pass before it that would drop `x`."""
    return [lo < x < hi, lo <= x <= hi]


@workflow(query_language="jsonpath")
def first_choice_with_defaults(x: int, n: int = 3) -> int:
    """`n + 2` is computed for the first Choice before it (under one field, the document
    kept); `n + 1`, for the second, on the first Choice's ways out."""
    if x + 1 < n + 2:
        return 1
    if x < n + 1:
        return 2
    return 3
