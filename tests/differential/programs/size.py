"""Programs for the JSONata size work (pyflow.backend.jsonata_expr helpers, numeric products,
pyflow.backend.jsonata_compact): each checks an answer the smaller text must keep."""
import json

from pyflow import task, workflow


@task
def make(n: int) -> dict:
    return {"a": n, "s": "it's \"x\"", "f": 0.5}


@workflow
def product_in_arithmetic(u, v, n: int):
    # a product of unknown kind that feeds arithmetic with a number: a str or list repetition
    # would make the enclosing operator fail, so only numbers (and bools as 0/1) get through
    return [n + u * 3, n - 2 * u, (u * 2) ** 2, n // (u * v), 100 % (u * v), n + u * v, (u * 3) / 2]


@workflow
def product_left_to_right(u, d: dict, n: int):
    # Python evaluates u, then d["k"] (KeyError where it is missing), then multiplies
    return n + u * d["k"]


@workflow
def product_outside_arithmetic(u, n: int):
    # not fed into arithmetic with a number: the repetition is the answer
    return [u * 2, [u * 2], (u * 2) * 2, u * 2 == n]


@workflow
def dumps_a_local_named_d(n: int):
    # json.dumps's helper was bound as $d and hid a local d: the answer was ""
    d = make(n)
    e = make(n + 1)
    return json.dumps(d) + "|" + json.dumps(e, sort_keys=True)


@workflow
def str_of_unknown_values(u, v, n: int):
    # several prints of values of unknown type and of numbers in one expression (one helper each)
    label = f"{u}:{v}:{n}:{n / 4}:{u}"
    return [label, str(v), f"{n * 1.5}", json.dumps(u)]
