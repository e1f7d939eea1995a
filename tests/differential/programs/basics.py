"""Expressions with Python's meaning: arithmetic, strings, lists, dicts, truthiness."""
import json
from fnmatch import fnmatch

from pyflow import task, workflow


@task
def echo(value: object) -> object:
    return value


@task
def numbers(n: int) -> list:
    return list(range(n))


@workflow
def arithmetic(a: int, b: int) -> dict:
    return {"sum": a + b, "diff": a - b, "prod": a * b, "mod": a % b, "floordiv": a // b, "neg": -a % b,
            "div": a / b, "pow": a ** 2}


@workflow
def strings(name: str, n: int) -> dict:
    greeting = f"hello {name}, you are {n} and {n > 3} and {None}"
    parts = "a,b,,c".split(",")
    return {"greeting": greeting, "upper": name.upper(), "len": len(name), "parts": parts,
            "in": "ell" in greeting, "concat": name + "!" + str(n), "starts": name.startswith("wo"),
            "joined": "-".join(parts), "match": fnmatch(name + ".txt", "w*.txt"), "int": int("42") + 1,
            "stripped": "  x y  ".strip()}


@workflow
def collections(items: list, extra: dict) -> dict:
    more = items + [len(items)]
    merged = {**extra, "k": 1, "items": more}
    nested = [items, [1, 2], extra]
    first = items[0]
    last = items[-1]
    has = "a" in extra
    return {"more": more, "merged": merged, "nested": nested, "first": first, "last": last, "has": has,
            "count": len(merged), "dumped": json.dumps({"a": [1, 2], "b": None, "c": "x"}),
            "loaded": json.loads("{\"z\": [1, 2]}")}


@workflow
def truthiness(values: list) -> list:
    out = []
    for v in values:
        if v:
            out = out + ["T"]
        else:
            out = out + ["F"]
        if v is None:
            out = out + ["N"]
        if isinstance(v, str):
            out = out + ["S"]
        elif isinstance(v, bool):
            out = out + ["B"]
        elif isinstance(v, int):
            out = out + ["I"]
        elif isinstance(v, list):
            out = out + ["L"]
        elif isinstance(v, dict):
            out = out + ["D"]
    return out


@workflow
def task_values(n: int) -> dict:
    xs = numbers(n)
    total = 0
    for x in xs:
        total = total + x
    doubled = echo({"t": total, "xs": xs})
    return {"total": total, "echo": doubled, "count": len(xs), "either": xs or "empty", "both": xs and n}


@workflow
def missing_key(data: dict) -> object:
    value = data["missing"]
    return value


@workflow
def defaults(a: int, b: int = 10, c: str = "x") -> list:
    return [a, b, c]


@task
def scaled(a: int, b: int = 5, *, c: int = 100) -> int:
    return a * c + b


@workflow
def keyword_only(x: int, *, y: int = 2) -> list:
    """Parameters after a bare `*` are plain named parameters (bound by name only), of a
    task and of the workflow."""
    return [scaled(x), scaled(x, y), scaled(x, c=y), scaled(c=1, a=x, b=y)]


@workflow
def unread_parameter(x: int, z: int) -> int:
    """`x` has no default: a missing `x` fails the execution (pyflow.MissingInput) even
    though nothing reads it, as the native call fails."""
    return z


@workflow
def reassigned_parameter(x: int, z: int) -> int:
    x = 5
    return z + x
