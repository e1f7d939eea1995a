"""Map states with max concurrency: ``pf.map(f, xs, max_concurrency=2)``, a list
comprehension, and a ``for x in pf.map(xs):`` loop run for its side effects.

The seed's ``sfn.Map(max_concurrency=1, items_path="$.inputForMap")`` with a Pass
iterator is ``[x for x in input_for_map]`` here; with a task in the body it is a
real ``Map`` with an ``ItemProcessor``.

    pyflow run examples/map_state.py:map_state --input '{"input_for_map": [1, 2, 3, 4]}'
"""
import pyflow as pf
from pyflow import Retry, task, workflow


@task
def square(n: int) -> int:
    return n * n


@task
def label(n: int, prefix: str) -> str:
    return f"{prefix}-{n}"


@task
def notify(n: int) -> None:
    """A side effect per item (sends nothing locally)."""
    return None


@workflow
def map_state(input_for_map: list) -> dict:
    # MaxConcurrency 2, with a retry on the whole Map
    squares = pf.map(square, input_for_map, max_concurrency=2, retry=Retry(max_attempts=2))
    # a comprehension is a Map too; its filter and call run in the ItemProcessor
    labels = [label(n, "item") for n in input_for_map if n % 2 == 0]
    # a Map run for its side effects
    for n in pf.map(input_for_map, max_concurrency=1):
        notify(n)
    return {"squares": squares, "labels": labels, "count": len(input_for_map)}
