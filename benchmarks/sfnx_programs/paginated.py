"""A paginated loop for sfnx (benchmarks/workflows/paginated.py)."""
from typing import TypedDict

from sfnx import state_machine, task


class Input(TypedDict):
    start: int


class Page(TypedDict):
    count: int
    next: int


@state_machine
def paginate(input: Input):
    page: Page = task("${fetch_page}", {"token": input["start"]})
    total = page["count"]
    while page["next"] >= 0:
        page = task("${fetch_page}", {"token": page["next"]})
        total = total + page["count"]
    return total
