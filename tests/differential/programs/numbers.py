"""Formatting numbers whose int-or-float kind only the run time knows: an explicit
``float()``/``int()`` makes both runs print the same digits (docs/semantics.md)."""
from pyflow import task, workflow


@task
def measurements(n: int) -> dict:
    return {"weight": 2.0, "count": n, "ratio": n / 4}


@workflow
def explicit_number_format(x: float, n: int) -> list:
    m = measurements(n)
    return [str(float(x)), f"{float(m['weight'])}", str(int(m["count"])), str(float(m["count"])),
            f"{int(m['weight'])}-{float(n)}", str(float(m["ratio"]))]
