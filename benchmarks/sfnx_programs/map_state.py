"""The seed's Map with max concurrency for sfnx (benchmarks/workflows/map_concurrency.py)."""
from typing import TypedDict

from sfnx import inline_map, state_machine, task


class Input(TypedDict):
    numbers: list[int]


@state_machine
def squares(input: Input):
    def square(n: int):
        return task("${square}", {"n": n})

    return {"squares": inline_map(square, input["numbers"], max_concurrency=2)}
