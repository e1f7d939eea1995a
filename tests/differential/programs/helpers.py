"""Tasks another program calls through the module (``helpers.add_one(x)``)."""
from pyflow import task


@task
def add_one(x: int) -> int:
    return x + 1
