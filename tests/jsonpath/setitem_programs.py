"""``d[k] = v`` with a str key on the JSONPath target (tests/jsonpath/test_setitem.py): the
dict merged with ``{k: v}`` made as JSON text."""
from pyflow import task, workflow


@task
def label(text: str) -> str:
    return "<" + text + ">"


@task
def echo(value: object) -> object:
    return value


@workflow
def set_keys(d: dict, k: str, v) -> dict:
    d[k] = v
    d["const"] = k
    d["quote'\"{}\\"] = [v, None]
    d["é☃ \n"] = 1.5
    return d


@workflow
def on_unknown(d, k: str):
    """Python's TypeError when `d` is not a dict (a list, a str, None ...)."""
    d[k] = 1
    return d


@workflow
def task_key(words: list) -> dict:
    index = {}
    for w in words:
        index[label(w)] = w
    return index


@workflow
def of_task_result(d: dict, k: str) -> object:
    r = echo(d)
    r[k] = {"nested": [k]}
    r[k + "!"] = [k, {"k": k}]
    return echo(r)


@workflow
def in_branches(k: str, first: bool) -> dict:
    d = {"a": 1}
    if first:
        d[k] = "first"
    else:
        d[k] = "second"
        d["b"] = k
    return d


@workflow
def in_map(keys: list) -> list:
    return [setter(label(k)) for k in keys]


@workflow
def setter(k: str) -> dict:
    out = {}
    out[k] = k
    return out


@workflow
def spreads(d, x, k: str) -> list:
    """Dict displays with computed values or keys, inside an intrinsic function (a list):
    `{**d}` raises TypeError where `d` is not a dict, later keys win."""
    return [{**d}, {**d, "k": x, "n": [x]}, {"k": x, **d}, {k: x, "k": 0}, {k: 1, "z": {k: x}}]


# ------------------------------------------------------------------ still PF130
@workflow
def on_list(xs: list, i: int) -> list:
    xs[i] = 0
    return xs


@workflow
def untyped_key(d: dict, k) -> dict:
    """Python keeps an int key an int (JSON then writes it as a str), None as "null" ..."""
    d[k] = 1
    return d
