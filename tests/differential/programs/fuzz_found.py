"""Programs the expression fuzzer (tools/fuzz_exprs.py) found giving a different answer
compiled (JSONata) than natively, each cut down to a few lines; fixed in
pyflow.backend.jsonata_expr / pyflow.backend.types."""
import json

from pyflow import workflow


@workflow
def bool_unary(b: bool, u):
    # -True is -1 and +True is 1 (was: a failed run, and True for +b)
    return [-b, +b, -u, abs(b), abs(u)]


@workflow
def bool_min_max(b: bool, i: int, u):
    # min/max return the argument itself, ordered as Python orders (was: $min failed on a bool)
    return [min(b, i), max(b, i), max(i, b), min(u, i), max("a", "b")]


@workflow
def untyped_bool_arithmetic(u, v):
    # a bool of unknown type is 0 or 1 in arithmetic (was: a failed run)
    return [u + v, u - v, u * 2, u // 1, u % 2, u ** 2]


@workflow
def int_with_underscores(s: str):
    return int(s) + 1  # Python takes "1_000" (was: ValueError compiled)


@workflow
def known_float_isinstance(i: int):
    # the compiler knows i / 2 is a float: JSON cannot tell 2.0 from 2 at run time (was: True)
    return [isinstance(i / 2, int), isinstance(i / 2, float), isinstance(2.0, int), isinstance(i, float)]


@workflow
def int_or_float_str(i: int, b: bool):
    # max(1.0, i) is i itself when i is larger: an int (was: "10.0")
    x = max(1.0, i)
    y = 2.5 if b else i
    return [str(x), str(y), str(2.0 ** 2), str(i - 0.5)]


@workflow
def replace_literally(s: str, old: str, new: str):
    # Python's replacement is literal, and "" is found around every character
    # (was: "$0" was the match, and "" failed)
    return [s.replace(old, new), s.replace("a", "$0"), s.replace("a", new)]


@workflow
def dumps_non_ascii(s: str, d: dict):
    # Python's json.dumps escapes non-ASCII (ensure_ascii): "é" is "\u00e9" (was: "é" raw)
    return [json.dumps(s), json.dumps(d, sort_keys=True)]


@workflow
def float_text(f: float, u):
    # Python's layout of a float: 1e-05, 1e+16 (was: "0.00001", "10000000000000000");
    # json.dumps(2.0) is "2.0" (was: "2")
    return [str(f), f"{u}", json.dumps([u]), json.dumps(f * 2)]


@workflow
def get_with_any_key(d: dict, k):
    # a key that is not a str is never in a JSON object: the default (was: $lookup failed)
    return [d.get(k, "default"), d.get(k)]


@workflow
def get_on_untyped(u):
    # only a dict has .get: json.loads("10").get("a") fails natively (was: None compiled)
    return json.loads(u).get("a", "default")


@workflow
def split_on_empty(s: str, sep: str):
    return s.split(sep)  # "".split("") is a ValueError in Python (was: the characters)


@workflow
def big_int_text(i: int, f: float):
    # Step Functions' $string keeps 15 significant digits: str(1234567890123456) would print
    # "1234567890123460" compiled; str(1e16 - 2.5) "10000000000000000.0" (now: the run fails)
    return [str(i), f"{f}"]


@workflow
def unused_failing_value(u, s):
    # an assignment nothing reads still fails the run where Python fails it: -None, -"a",
    # "x".upper() of a non-str (was: dropped as dead code, the compiled run returned 1)
    c = None
    r = "text"
    if u:
        c = u
        r = s
    t = -c
    w = r.upper()
    return 1


@workflow
def float_floordiv_mod(a: float, b: float, i: int, u, v):
    # float // and % from fmod, as CPython computes them: 0.1 // 1e-05 is 9999.0 and
    # 0.1 % 1e-05 is 9.999999999997372e-06 (was 10000 and 0: floor() of the rounded quotient
    # a / b); 1e17 % 3 is 1.0 (was 0); the remainder takes the divisor's sign
    return [a // b, a % b, i // b, i % b, a // 3, a % 3, a // -0.1, a % -0.1, u // v, u % v, i // 2, i % -3]


@workflow
def fractional_power(f: float, u, v):
    # a negative number to a fractional power is a complex number in Python, which json
    # cannot return (TypeError); compiled the run fails by name (was: a Python TypeError that
    # crashed jsonata-python); an integral exponent is just $power
    return [f ** 0.5, u ** v, f ** 2, u ** 2.0]


@workflow
def repr_of_unknown(u):
    # str() and f-strings of a list or dict of unknown type print Python's repr: ' or " quotes,
    # escapes, True/False/None, nested values (was: a TypeError compiled)
    return [str(u), f"<{u}>", str(json.loads(json.dumps([u])))]


@workflow
def failing_value_read_lazily(b: bool, d: dict):
    # Python fails at t0's assignment; the return reads t0 in one branch only, after `or`, or as
    # a .get default, which JSONata evaluates only when needed (was: the compiled run returned
    # [1, 1, True], t0 never evaluated)
    t0 = "-".join([1, 2])
    return [1 if b else t0, d.get("a", t0), b or t0]


@workflow
def failing_value_read_lazily_by_raise(b: bool):
    # the same before a raise: Python's TypeError, not the raised ValueError (was: ValueError)
    t0 = -None
    raise ValueError(f"{b or t0}")
