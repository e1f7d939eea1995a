"""A hypothesis strategy that writes random ``@workflow`` modules, and inputs for them.

Programs use a fixed prelude (``PRELUDE``: a user exception and five ``@task``
functions) and one workflow ``wf`` whose parameters are its variables:

* ints ``a``, ``b``; strings ``s``, ``t``; a list of ints ``xs``; a dict ``d``
  whose keys are ``k1``..``k3`` (read as ints);
* statements: assignments and augmented assignments, ``d["k"] = ...``, task calls
  as statements, ``if``/``elif``/``else``, ``while`` loops bounded by a counter,
  ``for`` over lists, ``try``/``except Oops``/``except Exception``, ``break``,
  ``continue``, early ``return``, ``raise Oops(...)``;
* expressions: ``+ - * // %`` on ints, string concatenation, f-strings, ``str()``,
  ``len()``, subscripts (negative indexes too), ``.get``, comparisons, ``in``,
  ``and``/``or``/``not``, truthiness, task calls (outside conditions).

Growth is bounded (loops run at most a few times, ``*`` takes a small literal,
string and list concatenation only appends a bounded piece), so every native
run is quick. Data errors (``KeyError``, ``IndexError``, ``ZeroDivisionError``)
are generated on purpose: DESIGN §1 lets them surface as the engine's own error.
"""
from __future__ import annotations

import string
from dataclasses import dataclass, field

from hypothesis import strategies as st

PRELUDE = '''\
import pyflow as pf
from pyflow import task, workflow


class Oops(Exception):
    pass


@task
def add(a: int, b: int) -> int:
    return a + b


@task
def label(n: int, s: str) -> str:
    return s + ":" + str(n)


@task
def pair(n: int) -> list:
    return [n, n + 1]


@task
def info(n: int, s: str) -> dict:
    return {"k1": n, "k2": len(s)}


@task
def check(n: int) -> int:
    if n % 5 == 3:
        raise Oops("bad " + str(n))
    return n * 2


'''

SIGNATURE = "@workflow\ndef wf(a: int, b: int, s: str, t: str, xs: list, d: dict):\n"
RESULT = 'return {"a": a, "b": b, "s": s, "t": t, "xs": xs, "d": d}'

INT_VARS = ("a", "b")
STR_VARS = ("s", "t")
KEYS = ("k1", "k2", "k3")
STR_LITERALS = ("", "x", "ab", "Hi", "a b", "é")
MAX_DEPTH = 3  # statement nesting
MAX_LOOPS = 2  # loops nested in loops


@dataclass
class Scope:
    depth: int = 0
    loops: int = 0  # enclosing loops
    in_try: bool = False
    int_names: tuple[str, ...] = INT_VARS
    counter: list[int] = field(default_factory=lambda: [0])

    def fresh(self, prefix: str) -> str:
        self.counter[0] += 1
        return f"{prefix}{self.counter[0]}"

    def inner(self, loop_var: str | None = None, loop: bool = False, in_try: bool = False) -> "Scope":
        names = self.int_names + ((loop_var,) if loop_var else ())
        return Scope(self.depth + 1, self.loops + (1 if loop else 0), self.in_try or in_try, names, self.counter)


def _lit_int(draw, lo: int = -5, hi: int = 10) -> str:
    v = draw(st.integers(lo, hi))
    return f"({v})" if v < 0 else str(v)


def int_expr(draw, scope: Scope, depth: int = 2, tasks: bool = True) -> str:
    choices = ["lit", "var", "var"]
    if depth > 0:
        choices += ["bin", "bin", "mul", "len_list", "len_str", "index", "key", "get"]
        if tasks:
            choices += ["add", "check"]
    kind = draw(st.sampled_from(choices))
    sub = depth - 1
    if kind == "lit":
        return _lit_int(draw)
    if kind == "var":
        return draw(st.sampled_from(scope.int_names))
    if kind == "bin":
        op = draw(st.sampled_from(["+", "-", "//", "%", "+"]))
        return f"({int_expr(draw, scope, sub, tasks)} {op} {int_expr(draw, scope, sub, tasks)})"
    if kind == "mul":
        return f"({int_expr(draw, scope, sub, tasks)} * {_lit_int(draw, -3, 3)})"
    if kind == "len_list":
        return f"len({list_expr(draw, scope, sub, tasks)})"
    if kind == "len_str":
        return f"len({str_expr(draw, scope, sub, tasks)})"
    if kind == "index":
        return f"{list_expr(draw, scope, sub, tasks)}[{_lit_int(draw, -3, 3)}]"
    if kind == "key":
        return f'd["{draw(st.sampled_from(KEYS))}"]'
    if kind == "get":
        return f'd.get("{draw(st.sampled_from(KEYS))}", {_lit_int(draw)})'
    if kind == "add":
        return f"add({int_expr(draw, scope, sub, tasks)}, {int_expr(draw, scope, sub, tasks)})"
    assert kind == "check"
    return f"check({int_expr(draw, scope, sub, tasks)})"


def str_atom(draw, scope: Scope) -> str:
    """A string expression of bounded length (what concatenation may append)."""
    kind = draw(st.sampled_from(["lit", "lit", "str", "fstr"]))
    if kind == "lit":
        return repr(draw(st.sampled_from(STR_LITERALS)))
    if kind == "str":
        return f"str({int_expr(draw, scope, 1, tasks=False)})"
    return f'f"<{{{int_expr(draw, scope, 0)}}}>"'


def str_expr(draw, scope: Scope, depth: int = 2, tasks: bool = True) -> str:
    choices = ["lit", "var", "var", "atom"]
    if depth > 0:
        choices += ["concat", "concat", "fstring", "method"]
        if tasks:
            choices += ["label"]
    kind = draw(st.sampled_from(choices))
    sub = depth - 1
    if kind == "lit":
        return repr(draw(st.sampled_from(STR_LITERALS)))
    if kind == "var":
        return draw(st.sampled_from(STR_VARS))
    if kind == "atom":
        return str_atom(draw, scope)
    if kind == "concat":
        return f"({str_expr(draw, scope, sub, tasks)} + {str_atom(draw, scope)})"
    if kind == "fstring":
        i = draw(st.sampled_from(scope.int_names))
        v = draw(st.sampled_from(STR_VARS))
        return f'f"{{{v}}}-{{{i}}}"'
    if kind == "method":
        method = draw(st.sampled_from(["upper", "lower", "strip"]))
        return f"{draw(st.sampled_from(STR_VARS))}.{method}()"
    assert kind == "label"
    return f"label({int_expr(draw, scope, sub, tasks)}, {str_expr(draw, scope, sub, tasks)})"


def list_expr(draw, scope: Scope, depth: int = 1, tasks: bool = True) -> str:
    choices = ["lit", "var", "var"]
    if depth > 0:
        choices += ["append"]
        if tasks:
            choices += ["pair"]
    kind = draw(st.sampled_from(choices))
    sub = depth - 1
    if kind == "lit":
        n = draw(st.integers(0, 3))
        return "[" + ", ".join(int_expr(draw, scope, max(sub, 0), tasks) for _ in range(n)) + "]"
    if kind == "var":
        return "xs"
    if kind == "append":
        return f"({list_expr(draw, scope, sub, tasks)} + [{int_expr(draw, scope, 0)}])"
    assert kind == "pair"
    return f"pair({int_expr(draw, scope, sub, tasks)})"


def dict_expr(draw, scope: Scope, depth: int = 1, tasks: bool = True) -> str:
    choices = ["lit", "var", "merge"]
    if tasks and depth > 0:
        choices.append("info")
    kind = draw(st.sampled_from(choices))
    if kind == "lit":
        keys = draw(st.lists(st.sampled_from(KEYS), max_size=3, unique=True))
        return "{" + ", ".join(f'"{k}": {int_expr(draw, scope, 1, tasks)}' for k in keys) + "}"
    if kind == "var":
        return "d"
    if kind == "merge":
        return f'{{**d, "{draw(st.sampled_from(KEYS))}": {int_expr(draw, scope, 1, tasks)}}}'
    return f"info({int_expr(draw, scope, 1, tasks)}, {str_expr(draw, scope, 1, tasks)})"


def cond(draw, scope: Scope, depth: int = 2) -> str:
    choices = ["cmp", "cmp", "scmp", "in_list", "in_dict", "truthy"]
    if depth > 0:
        choices += ["not", "and", "or"]
    kind = draw(st.sampled_from(choices))
    if kind == "cmp":
        op = draw(st.sampled_from(["<", "<=", "==", "!=", ">", ">="]))
        return f"{int_expr(draw, scope, 1, tasks=False)} {op} {int_expr(draw, scope, 1, tasks=False)}"
    if kind == "scmp":
        op = draw(st.sampled_from(["==", "!=", "<", ">="]))
        return f"{str_expr(draw, scope, 1, tasks=False)} {op} {str_expr(draw, scope, 0, tasks=False)}"
    if kind == "in_list":
        neg = draw(st.sampled_from(["in", "not in"]))
        return f"{int_expr(draw, scope, 0, tasks=False)} {neg} {list_expr(draw, scope, 0, tasks=False)}"
    if kind == "in_dict":
        return f'"{draw(st.sampled_from(KEYS))}" in d'
    if kind == "truthy":
        return draw(st.sampled_from(scope.int_names + STR_VARS + ("xs", "d")))
    if kind == "not":
        return f"not ({cond(draw, scope, depth - 1)})"
    op = "and" if kind == "and" else "or"
    return f"({cond(draw, scope, depth - 1)}) {op} ({cond(draw, scope, depth - 1)})"


def block(draw, scope: Scope, min_size: int = 1, max_size: int = 4) -> list[str]:
    n = draw(st.integers(min_size, max_size))
    lines: list[str] = []
    for _ in range(n):
        lines += statement(draw, scope)
    return lines


def _indent(lines: list[str]) -> list[str]:
    return ["    " + line for line in lines]


def statement(draw, scope: Scope) -> list[str]:
    simple = ["assign_int", "assign_int", "assign_str", "assign_list", "assign_dict", "aug_int", "aug_str",
              "set_key", "task_stmt"]
    compound = ["if", "if", "ifelse", "while", "for", "try"] if scope.depth < MAX_DEPTH else []
    if scope.loops >= MAX_LOOPS:
        compound = [c for c in compound if c not in ("while", "for")]
    rare = ["return", "raise"] + (["break", "continue"] if scope.loops else [])
    kind = draw(st.sampled_from(simple + compound + rare))
    if kind == "assign_int":
        return [f"{draw(st.sampled_from(INT_VARS))} = {int_expr(draw, scope)}"]
    if kind == "assign_str":
        return [f"{draw(st.sampled_from(STR_VARS))} = {str_expr(draw, scope)}"]
    if kind == "assign_list":
        return [f"xs = {list_expr(draw, scope)}"]
    if kind == "assign_dict":
        return [f"d = {dict_expr(draw, scope)}"]
    if kind == "aug_int":
        op = draw(st.sampled_from(["+=", "-=", "%="]))
        return [f"{draw(st.sampled_from(INT_VARS))} {op} {int_expr(draw, scope, 1)}"]
    if kind == "aug_str":
        return [f"{draw(st.sampled_from(STR_VARS))} += {str_atom(draw, scope)}"]
    if kind == "set_key":
        return [f'd["{draw(st.sampled_from(KEYS))}"] = {int_expr(draw, scope, 1)}']
    if kind == "task_stmt":
        return [f"check({int_expr(draw, scope, 1)})"]
    if kind == "if":
        return [f"if {cond(draw, scope)}:"] + _indent(block(draw, scope.inner()))
    if kind == "ifelse":
        out = [f"if {cond(draw, scope)}:"] + _indent(block(draw, scope.inner()))
        if draw(st.booleans()):
            out += [f"elif {cond(draw, scope)}:"] + _indent(block(draw, scope.inner()))
        return out + ["else:"] + _indent(block(draw, scope.inner()))
    if kind == "while":
        c = scope.fresh("c")
        bound = draw(st.integers(1, 3))
        test = f"{c} < {bound}"
        if draw(st.booleans()):
            test += f" and ({cond(draw, scope, 1)})"
        return [f"{c} = 0", f"while {test}:", f"    {c} += 1"] + _indent(block(draw, scope.inner(loop=True)))
    if kind == "for":
        v = scope.fresh("v")
        return [f"for {v} in {list_expr(draw, scope)}:"] + _indent(block(draw, scope.inner(v, loop=True)))
    if kind == "try":
        out = ["try:"] + _indent(block(draw, scope.inner(in_try=True)))
        handlers = draw(st.sampled_from([("Oops",), ("Exception",), ("Oops", "Exception")]))
        for h in handlers:
            out += [f"except {h}:"] + _indent(block(draw, scope.inner()))
        return out
    if kind == "return":
        what = draw(st.sampled_from(["int", "str", "all"]))
        if what == "int":
            return [f"return {int_expr(draw, scope)}"]
        if what == "str":
            return [f"return {str_expr(draw, scope)}"]
        return [RESULT]
    if kind == "raise":
        return [f'raise Oops({str_expr(draw, scope, 1, tasks=False)})']
    return [kind]  # break / continue


@st.composite
def programs(draw) -> str:
    """The source of a module whose ``wf`` workflow is random."""
    body = block(draw, Scope(), 1, 6) + [RESULT]
    return PRELUDE + SIGNATURE + "\n".join(_indent(body)) + "\n"


@st.composite
def inputs(draw) -> dict:
    small = st.integers(-20, 20)
    text = st.text(alphabet=string.ascii_letters[:6] + " ", max_size=4)
    return {
        "a": draw(small), "b": draw(small), "s": draw(text), "t": draw(text),
        "xs": draw(st.lists(small, max_size=3)),
        "d": draw(st.dictionaries(st.sampled_from(KEYS), small, max_size=3)),
    }
