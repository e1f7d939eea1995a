"""A paginated loop: fetch pages until there is no next token, summing the counts."""
from pyflow import task, workflow


@task
def fetch_page(token: int) -> dict:
    """Pages 0..3 hold 10, 11, 12, 13 items; the last one has no next token."""
    return {"count": 10 + token, "next": token + 1 if token < 3 else -1}


@workflow
def paginate(start: int) -> int:
    page = fetch_page(start)
    total = page["count"]
    while page["next"] >= 0:
        page = fetch_page(page["next"])
        total = total + page["count"]
    return total
