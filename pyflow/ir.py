"""The intermediate representation between the frontend and the backends.

Expressions are small immutable trees the backends translate (JSONata text or
JSONPath/intrinsics). Operations are the nodes of the control-flow graph; each
becomes at most one ASL state after the passes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Union

from pyflow.diagnostics import Span


# ---------------------------------------------------------------- expressions
@dataclass(frozen=True)
class Const:
    value: Any  # a JSON value


@dataclass(frozen=True)
class Var:
    name: str


@dataclass(frozen=True)
class Input:
    """A workflow parameter read from the execution input (before any reassignment)."""

    name: str
    default: "Expr | None"
    required: bool


@dataclass(frozen=True)
class Subscript:
    obj: "Expr"
    key: "Expr"


@dataclass(frozen=True)
class BinOp:
    op: str  # + - * / // % **
    left: "Expr"
    right: "Expr"


@dataclass(frozen=True)
class UnaryOp:
    op: str  # - + not
    operand: "Expr"


@dataclass(frozen=True)
class Compare:
    op: str  # == != < <= > >= in notin is isnot
    left: "Expr"
    right: "Expr"


@dataclass(frozen=True)
class BoolOp:
    op: str  # and / or
    values: tuple["Expr", ...]


@dataclass(frozen=True)
class IfExp:
    test: "Expr"
    body: "Expr"
    orelse: "Expr"


@dataclass(frozen=True)
class ListExpr:
    items: tuple["Expr", ...]


@dataclass(frozen=True)
class DictExpr:
    """``{k: v, **spread}``: entries are (key, value) or (None, spread)."""

    entries: tuple[tuple["Expr | None", "Expr"], ...]


@dataclass(frozen=True)
class FString:
    parts: tuple["str | Expr", ...]


@dataclass(frozen=True)
class Builtin:
    """A call to a translatable builtin: len, str, int, json.dumps, pf.uuid, ..."""

    name: str
    args: tuple["Expr", ...]


@dataclass(frozen=True)
class Context:
    """A Context-object field (``pf.context.execution.id`` -> Execution.Id)."""

    path: tuple[str, ...]


@dataclass(frozen=True)
class TaskResult:
    """The result of the state being assigned (``$states.result``)."""


Expr = Union[
    Const, Var, Input, Subscript, BinOp, UnaryOp, Compare, BoolOp, IfExp, ListExpr,
    DictExpr, FString, Builtin, Context, TaskResult,
]

IMPURE_BUILTINS = frozenset({"uuid", "randint"})


def children(e: Expr) -> tuple[Expr, ...]:
    if isinstance(e, (Subscript,)):
        return (e.obj, e.key)
    if isinstance(e, (BinOp, Compare)):
        return (e.left, e.right)
    if isinstance(e, UnaryOp):
        return (e.operand,)
    if isinstance(e, BoolOp):
        return e.values
    if isinstance(e, IfExp):
        return (e.test, e.body, e.orelse)
    if isinstance(e, ListExpr):
        return e.items
    if isinstance(e, DictExpr):
        return tuple(x for k, v in e.entries for x in ((k, v) if k is not None else (v,)))
    if isinstance(e, FString):
        return tuple(p for p in e.parts if not isinstance(p, str))
    if isinstance(e, Builtin):
        return e.args
    if isinstance(e, Input):
        return (e.default,) if e.default is not None else ()
    return ()


def walk(e: Expr):
    stack = [e]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(children(node))


def free_vars(e: Expr) -> set[str]:
    return {n.name for n in walk(e) if isinstance(n, Var)}


def strict_vars(e: Expr) -> set[str]:
    """The variables ``e`` reads whatever the values: not those read only in a branch of an ``if``
    expression, after the first operand of ``and``/``or`` or in a ``.get`` default, which the
    JSONata target evaluates only when needed (Python evaluates the default anyway). An
    assignment that may fail is not evaluated by a read that is not strict."""
    if isinstance(e, Var):
        return {e.name}
    if isinstance(e, IfExp):
        return strict_vars(e.test)
    if isinstance(e, BoolOp):
        return strict_vars(e.values[0])
    kids = children(e)
    if isinstance(e, Builtin) and e.name == "m_get":
        kids = kids[:2]
    return set().union(*(strict_vars(k) for k in kids))


def is_pure(e: Expr) -> bool:
    return not any(isinstance(n, Builtin) and n.name in IMPURE_BUILTINS for n in walk(e))


MAY_FAIL_BUILTINS = frozenset({"bound", "int", "float", "json_loads", "check_unpack", "len", "str", "setitem", "range",
                               "m_split", "m_join", "m_get", "fnmatch", "hash", "at",
                               # a wrong type: abs("x"), min(1, "a"), None.upper(), {}.startswith(...)
                               "abs", "min", "max", "floor", "ceil", "list", "randint",
                               "m_upper", "m_lower", "m_strip", "m_lstrip", "m_rstrip", "m_startswith",
                               "m_endswith", "m_replace", "m_keys", "m_values", "m_items"})


def may_fail(e: Expr, inputs: bool = True, safe: Callable[[Expr], bool] | None = None) -> bool:
    """Could evaluating ``e`` raise (a missing key, a type mismatch, a division by zero)?
    ``inputs=False`` leaves out a missing required input field: a parameter that is
    reassigned before any use never fails compiled, like one that is never used.
    ``safe``: subexpressions the caller knows cannot fail (skipped whole)."""
    stack = [e]
    while stack:
        n = stack.pop()
        if safe is not None and safe(n):
            continue
        stack.extend(children(n))
        if isinstance(n, Subscript):
            return True
        if isinstance(n, BinOp) or isinstance(n, UnaryOp) and n.op != "not":
            return True  # -"a" and +None fail as a + b can
        if isinstance(n, Builtin) and n.name in MAY_FAIL_BUILTINS:
            return True
        if isinstance(n, Compare) and n.op in ("<", "<=", ">", ">=", "in", "notin"):
            return True
        if inputs and isinstance(n, Input) and n.required:
            return True
    return False


def simultaneous(seq: list[tuple[str, "Expr"]], env0: dict[str, "Expr"]) -> dict[str, "Expr"]:
    """A sequence of assignments as one simultaneous assignment (an ASL state's
    ``Assign`` or a ``ResultSelector``), by substituting earlier values into later ones."""
    env = dict(env0)
    for x, e in seq:
        env[x] = substitute(e, env)
    return env


def substitute(e: Expr, env: dict[str, Expr]) -> Expr:
    """Replace variables by expressions (used when folding assignments into one state)."""
    if not env:
        return e
    if isinstance(e, Var):
        return env.get(e.name, e)
    if isinstance(e, TaskResult):
        return env.get(RESULT, e)
    if isinstance(e, Subscript):
        return Subscript(substitute(e.obj, env), substitute(e.key, env))
    if isinstance(e, BinOp):
        return BinOp(e.op, substitute(e.left, env), substitute(e.right, env))
    if isinstance(e, Compare):
        return Compare(e.op, substitute(e.left, env), substitute(e.right, env))
    if isinstance(e, UnaryOp):
        return UnaryOp(e.op, substitute(e.operand, env))
    if isinstance(e, BoolOp):
        return BoolOp(e.op, tuple(substitute(v, env) for v in e.values))
    if isinstance(e, IfExp):
        return IfExp(substitute(e.test, env), substitute(e.body, env), substitute(e.orelse, env))
    if isinstance(e, ListExpr):
        return ListExpr(tuple(substitute(v, env) for v in e.items))
    if isinstance(e, DictExpr):
        return DictExpr(tuple((substitute(k, env) if k is not None else None, substitute(v, env)) for k, v in e.entries))
    if isinstance(e, FString):
        return FString(tuple(p if isinstance(p, str) else substitute(p, env) for p in e.parts))
    if isinstance(e, Builtin):
        return Builtin(e.name, tuple(substitute(a, env) for a in e.args))
    return e


RESULT = "$result"  # key of substitute()'s env that replaces TaskResult


# ---------------------------------------------------------------- operations (CFG nodes)
@dataclass
class Op:
    span: Span | None = field(default=None, kw_only=True)
    region: int = field(default=0, kw_only=True)  # the innermost try body the op is in (0: none)
    name_prefix: str = field(default="", kw_only=True)  # a fragment call site's prefix for state names


@dataclass
class Nop(Op):
    """A join point or loop head; removed by jump threading."""

    label: str = ""


@dataclass
class TaskCall(Op):
    target: str | None
    task: str  # the task's substitution name
    args: dict[str, Expr]
    options: dict[str, Any] = field(default_factory=dict)
    kind: str = "lambda"  # lambda / workflow (nested execution) / activity / callback (waitForTaskToken)


@dataclass
class Assign(Op):
    target: str
    value: Expr


@dataclass
class Wait(Op):
    seconds: Expr | None = None
    timestamp: Expr | None = None


@dataclass
class Branch(Op):
    """A two-way test; successors are labelled "T" and "F"."""

    test: Expr
    kind: str = "if"  # if / while / for
    source: str = ""  # the Python text of the test, for pictures and traces


@dataclass
class Choice(Op):
    """A multi-way test made by merging Branches; edges labelled r0, r1, ... and "default"."""

    tests: list[Expr] = field(default_factory=list)
    kind: str = "if"
    sources: list[str] = field(default_factory=list)


@dataclass
class Raise(Op):
    """``raise E("why")`` (static error) or a re-raise of a caught error object (``dynamic``)."""

    error: str
    cause: Expr
    dynamic: Expr | None = None


@dataclass
class Return(Op):
    value: Expr


@dataclass
class SubMachine:
    """A nested state machine: a Parallel branch, a Map's item processor, or a try
    body wrapped in a one-branch Parallel. ``params`` are bound from the iteration
    input; ``exports`` are (outer name, inner name) pairs its Output carries out."""

    graph: Any
    entry: int
    params: list[str] = field(default_factory=list)
    exports: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Parallel(Op):
    branches: list[SubMachine]
    retry: Any = None
    kind: str = "parallel"  # parallel / try (a wrapped try body)


@dataclass
class MapState(Op):
    items: Expr
    body: SubMachine
    target: str | None = None
    max_concurrency: int | None = None
    retry: Any = None
    filtered: bool = False  # the body returns {"keep", "value"} (a comprehension's if)
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class Entry(Op):
    """The start of the workflow."""


@dataclass
class Custom(Op):
    """``pf.custom_state({...})`` spliced in."""

    state: dict[str, Any]
    target: str | None = None
