"""The seed's Map with max concurrency: square each number, at most two at a time."""
import pyflow as pf
from pyflow import task, workflow


@task
def square(n: int) -> int:
    return n * n


@workflow
def squares(numbers: list) -> dict:
    result = pf.map(square, numbers, max_concurrency=2)
    return {"squares": result}
