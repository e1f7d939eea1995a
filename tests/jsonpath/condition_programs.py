"""Tests used as values on the JSONPath target (``flag = a < b``, ``return [a == b]``,
``x if c else y``, ``a or b``): each becomes a Choice whose ways out store the value.
Parameters without annotations are of unknown type; so is what ``echo`` returns."""
from pyflow import task, workflow


@task
def echo(value: object) -> object:
    return value


@task
def label(text: str) -> str:
    return "<" + text + ">"


@workflow
def every_comparison(a, n: int) -> list:
    """Bool results of every comparison kind; `<` on an unknown type raises TypeError."""
    return [a < n, a <= n, a > n, a >= n, a == n, a != n, a is None, a is not None]


@workflow
def equality_only(a, s: str) -> list:
    """Python's `==` never raises: no TypeError whatever `a` is."""
    same = a == s
    other = a != 1
    return [same, other, not a, isinstance(a, str)]


@workflow
def membership(d: dict, s: str, xs: list) -> dict:
    has_k = "k" in d
    has_x = "x" in s
    in_list = s in xs
    return {"k": has_k, "x": has_x, "in": in_list, "missing": "k" not in d}


@workflow
def choose_missing(d: dict, use: bool):
    """The operand on the way not taken would fail (a missing key): never evaluated."""
    picked = d["k"] if use else "default"
    other = "none" if not use else d["k"]
    return [picked, other]


@workflow
def operands(a, b):
    """`and`/`or` return an operand, not a bool: `0 or "x"` is "x", `[] and 1` is []."""
    return [a or b, a and b, a or b or "last", a and b and "last"]


@workflow
def or_missing(d: dict, a):
    """`a or d["k"]`: the key is read only when `a` is falsy."""
    return a or d["k"]


@workflow
def nested(a, n: int, s: str):
    """Tests inside tests' values, and a conditional as a task argument."""
    size = ("big" if a > n else "small") if not isinstance(a, str) and a is not None else "other"
    flags = [s == "x" or a == n, not (a == n and s == "y")]
    return [size, flags, label("yes" if s else "no")]


@workflow
def in_loop(xs: list, limit: int) -> list:
    out = []
    for x in xs:
        out = out + [x > limit]
    return out


@workflow
def in_while(n: int) -> list:
    out = []
    i = 0
    while i < n:
        i = i + 1
        small = i < 2
        out = out + [small, "odd" if i == 1 or i == 3 else "even"]
    return out


@workflow
def in_try(a, n: int) -> str:
    """A comparison that raises TypeError inside a try: caught like Python's."""
    try:
        bigger = a > n
        out = "yes" if bigger else "no"
    except TypeError:
        out = "type error"
    return out


@workflow
def after_task(a, n: int) -> list:
    """A test of a task's result, kept in a variable, then returned."""
    r = echo(a)
    ok = r == n
    return [ok, r]


@workflow
def task_argument(a, n: int) -> object:
    return echo(a > n)


@workflow
def compared_test(a: int, b: int, c):
    """A comparison's bool compared again inside an if test: stored before the Choice."""
    if (a < b) == c:
        return "same"
    return "different"


@workflow
def conditional_test(a, b, c: bool):
    if a if c else b:
        return "truthy"
    return "falsy"


@workflow
def map_over_conditional(xs: list, ys: list, c: bool) -> list:
    return [label(x) for x in (xs if c else ys)]


@workflow
def filters(xs: list, c) -> list:
    """A comprehension's `if` keeps an item when the test is truthy (not only `true`)."""
    return [[x for x in xs if x], [x for x in xs if x and c], [x for x in xs if x == "a" or not x]]


# ------------------------------------------------------------------ still PF130
@workflow
def elif_compared(a: int, b: int, c: bool):
    """`(a < b) == c` in an elif: Python evaluates it only when the if test is false."""
    if a > 3:
        return 0
    elif (a < b) == c:
        return 1
    return 2


@workflow
def conditional_after_and(a, b, c: bool):
    if c and (a if c else b):
        return 1
    return 2


@workflow
def argument_in_try(a, n: int):
    """The task's argument may raise TypeError inside the try: a Choice cannot Catch."""
    try:
        r = echo(a > n)
    except TypeError:
        r = "type error"
    return r
