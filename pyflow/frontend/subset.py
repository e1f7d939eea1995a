"""The up-front checks of the subset that need no lowering: how deep an expression
nests (later stages recurse on the IR, so deeper ones are PF101) and the decorator
options of a task or workflow (PF112: non-literal values, unknown task options).
Also the iterative child walk of libcst nodes the aliasing analysis uses.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import libcst as cst

from pyflow.diagnostics import Reporter
from pyflow.frontend.common import _LazySpan
from pyflow.frontend.modules import FunctionInfo, retry_problems

MAX_EXPR_DEPTH = 100


_NOT_EXPRESSION_HOLDERS = (cst.BaseParenthesizableWhitespace, cst.LeftParen, cst.RightParen, cst.Comma,
                           cst.BaseBinaryOp, cst.BaseBooleanOp, cst.BaseCompOp, cst.BaseUnaryOp, cst.Dot)


_FIELDS: dict[type, tuple[str, ...]] = {}


_KINDS: dict[type, int] = {}  # 0: not walked, 1: a node, 2: an expression (one level deeper)


def _node_fields(kind: type) -> tuple[str, ...]:
    names = _FIELDS.get(kind)
    if names is None:
        names = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(kind) if not f.name.startswith("whitespace"))
    return names


def _walk_kind(kind: type) -> int:
    """How the depth walk treats values of type ``kind``, decided once per type:
    libcst's node classes are ABCs, and ``isinstance`` against them per node was
    most of the walk's time."""
    found = _KINDS.get(kind)
    if found is None:
        if not issubclass(kind, cst.CSTNode) or issubclass(kind, _NOT_EXPRESSION_HOLDERS):
            found = 0
        else:
            found = 2 if issubclass(kind, cst.BaseExpression) else 1
        _KINDS[kind] = found
    return found


def _children(n: cst.CSTNode) -> Iterator[tuple[cst.CSTNode, int]]:
    """``n``'s child nodes that can hold expressions or names, each with its walk kind
    (2 for an expression). It reads the nodes' fields directly: libcst's ``children``
    runs a visitor per node, which made these walks a tenth of a large workflow's compile."""
    for name in _node_fields(type(n)):
        value = getattr(n, name)
        for child in (value if type(value) in (tuple, list) else (value,)):
            kind = _walk_kind(type(child))
            if kind:
                yield child, kind


def _nested_deeper_than(node: cst.CSTNode, limit: int) -> bool:
    """Whether ``node``'s tree is more than ``limit`` expressions deep (iteratively: no
    recursion)."""
    stack = [(node, 1)]
    while stack:
        n, depth = stack.pop()
        if depth > limit:
            return True
        stack.extend((child, depth + kind - 1) for child, kind in _children(n))
    return False


TASK_OPTIONS = {"timeout", "heartbeat", "retry", "memory", "runtime", "resource", "name", "environment", "architecture"}


def _non_literal(value: Any) -> str | None:
    if isinstance(value, dict):
        if "__unknown__" in value:
            return str(value["__unknown__"])
        value = list(value.values())
    if isinstance(value, list):
        for v in value:
            found = _non_literal(v)
            if found is not None:
                return found
    return None


def check_options(info: FunctionInfo, reporter: Reporter) -> None:
    """PF112 for decorator options pyflow would otherwise drop silently: non-literal values, unknown task options."""
    kind = info.kind or "task"
    for key, node in info.option_nodes.items():
        span = _LazySpan(info.module, node)
        if kind == "task" and key not in TASK_OPTIONS:
            reporter.error("PF112", f"@task has no option {key!r}", span.get(),
                           help="options: " + ", ".join(sorted(TASK_OPTIONS)))
            continue
        value = info.options.get(key)
        bad = _non_literal(value)
        if bad is not None:
            reporter.error("PF112", f"@{kind}({key}=) must be a literal; `{bad}` is not",
                           span.get(), help="the compiler reads options without running the module: write the value itself")
        elif kind == "task" and key in ("timeout", "heartbeat", "memory") and not (
                isinstance(value, int) and not isinstance(value, bool) and value > 0):
            reporter.error("PF112", f"@task({key}=) must be a positive whole number", span.get())
        elif kind == "task" and key in ("name", "resource", "runtime", "architecture") and not isinstance(value, str):
            reporter.error("PF112", f"@task({key}=) must be a string", span.get())
        elif key == "retry":
            for problem in retry_problems(value):
                reporter.error("PF112", problem, span.get(), help="see Step Functions' Retry fields; pyflow.Retry documents each")
