"""Comparisons of ``pf.timestamp(x)`` where ``x`` may be no timestamp: Python raises
ValueError, where a bare Timestamp Choice rule would just be false."""
import pyflow as pf
from pyflow import workflow


@workflow(query_language="jsonpath")
def compare_two(a: str, b: str) -> bool:
    if pf.timestamp(a) < pf.timestamp(b):
        return True
    return False


@workflow(query_language="jsonpath")
def not_equal_to_constant(a: str) -> str:
    if pf.timestamp(a) != pf.timestamp("2026-01-01T00:00:00Z"):
        return "other"
    return "new year"


@workflow(query_language="jsonpath")
def only_when_asked(a: str, b: str, check: bool) -> bool:
    if check and pf.timestamp(a) < pf.timestamp(b):
        return True
    return False


@workflow(query_language="jsonpath")
def mixed_errors(a: str, d: dict) -> bool:
    if d["x"] < 3 or pf.timestamp(a) < pf.timestamp("2026-01-01T00:00:00Z"):
        return True
    return False
