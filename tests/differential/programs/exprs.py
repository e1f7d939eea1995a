"""Expressions where JSONata and Python differ: ``True == 1``, ``*`` on str and list,
list ordering, dict iteration, item assignment on a list (pyflow.backend.jsonata_expr)."""
import random
from fnmatch import fnmatch

from pyflow import task, workflow

from . import helpers
from . import helpers as h


@task
def upper(s: str) -> str:
    return s.upper()


@workflow
def bool_equals_int(a: bool, b: int) -> list:
    return [a == b, a != b, a == 1, b == True]  # noqa: E712


@workflow
def untyped_equals(a, b) -> str:
    if a == b:
        return "same"
    return "different"


@workflow
def deep_equals(xs: list, d: dict) -> list:
    return [xs == [1, True], d == {"a": True}, True in xs, 1 in xs, [1] in xs, xs != [1, 1]]


@workflow
def repeat(s: str, xs: list, n: int) -> list:
    return [s * n, xs * n, n * s, 2 * xs, s * True]


@workflow
def untyped_times(a, b):
    return a * b


@workflow
def times_known(a, n: int, f: float, s: str, xs: list, b: bool, op: str):
    """One side's type is known: only the other side is tested at run time."""
    if op == "int":
        return [a * n, n * a, a * 3]
    if op == "float":
        return [a * f, 1.5 * a]
    if op == "str":
        return [s * a, a * "ab"]
    if op == "list":
        return [a * xs, [0] * a]
    return [a * b, True * a]


@workflow
def bool_arithmetic(a: bool, n: int) -> list:
    return [a * n, a + n, n - a, a / 2, a < n]


@workflow
def list_order(a: list, b: list) -> list:
    return [a < b, a <= b, a > b, a >= b]


@workflow
def untyped_order(a, b) -> list:
    out = []
    if a < b:
        out = out + ["lt"]
    if a >= b:
        out = out + ["ge"]
    return out


@workflow
def dict_views(d: dict) -> dict:
    return {"keys": list(d.keys()), "values": list(d.values()), "items": list(d.items()),
            "n": len(list(d.values())) + 1}


@workflow
def iterate_dict(d: dict) -> list:
    out = []
    for k in d:
        out = out + [k]
    for k, v in d.items():
        out = out + [v]
    return out


@workflow
def iterate_untyped(d) -> list:
    out = []
    n = 0
    for k in d:
        out = out + [k]
        if n > 5:
            break
        n = n + 1
    return [out, n]


@workflow
def comprehensions(d: dict, s: str) -> list:
    return [[k for k in d], [c for c in s], [upper(k) for k in d]]


@workflow
def map_over_untyped(d) -> list:
    return [upper(k) for k in d]


@workflow
def set_list_item(xs: list, i: int) -> list:
    xs[i] = [9]
    return xs


@workflow
def set_untyped_item(xs, i):
    xs[i] = 9
    return xs


@workflow
def module_tasks(x: int) -> list:
    y = helpers.add_one(x)
    h.add_one(y)
    return [y, h.add_one(y) * 2]


@workflow
def unpack_any(t, s: str, d: dict) -> list:
    """Python unpacks any iterable: a str's characters and a dict's keys too; a count
    other than the targets' is a ValueError, a value that is not iterable a TypeError."""
    a, b = t
    c, e = s
    f, g = d
    return [b, a, e + c, [g, f]]


@workflow
def unpack_in_for(pairs: list) -> list:
    out = []
    for a, b in pairs:
        out = out + [[b, a]]
    return out


@workflow
def fnmatch_specials(name: str) -> list:
    """A backslash is an ordinary character in a shell pattern, and `]` first in a class is
    one of its characters: the regex must keep both literal (and stay parseable by JSONata,
    which finds the closing `/` by counting brackets)."""
    return [fnmatch(name, "a\\*b"), fnmatch(name, "[]]x"), fnmatch(name, "[!]]?[a-]/x"), fnmatch(name, "[^a]\\["),
            fnmatch(name, "*.[ch]"), fnmatch(name, "[\\]]*[[]")]


@workflow
def randint_bounds(a: int, b: int) -> bool:
    """Both ends included; an empty range is Python's ValueError."""
    r = random.randint(a, b)
    return a <= r <= b and (a != b or r == a)


@workflow
def comprehension_over_range(n: int) -> list:
    """`range()` in a comprehension, as in a for loop (was PF104 "`range` is not a task")."""
    return [[upper(str(i)) for i in range(n)], [i * i for i in range(1, n, 2)]]
