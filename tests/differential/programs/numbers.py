"""Formatting numbers whose int-or-float kind only the run time knows: an explicit
``float()``/``int()`` makes both runs print the same digits (docs/semantics.md)."""
import json

from pyflow import task, workflow


@task
def measurements(n: int) -> dict:
    return {"weight": 2.0, "count": n, "ratio": n / 4}


@workflow
def explicit_number_format(x: float, n: int) -> list:
    m = measurements(n)
    return [str(float(x)), f"{float(m['weight'])}", str(int(m["count"])), str(float(m["count"])),
            f"{int(m['weight'])}-{float(n)}", str(float(m["ratio"]))]


@workflow
def number_layouts(f: float, u, i: int, b: bool) -> list:
    # each kind of str() site: a float (str, json.dumps), a value of unknown type (f-string,
    # json.dumps of a list), an int-or-float (str), and an f-string with several of them (one
    # formatter function bound for the f-string)
    n = i if b else f
    return [str(f), json.dumps(f), f"{u}", json.dumps([u]), str(n), f"{u}|{n}|{f}"]
