"""JSONPath Choice rules compiled to predicates.

Every comparison operator of the ASL spec, each with its ``...Path`` variant,
the type tests (``IsPresent``, ``IsNull``, ``IsString``, ``IsNumeric``,
``IsBoolean``, ``IsTimestamp``), ``StringMatches`` and ``And``/``Or``/``Not``.
As in the service, a comparison whose operand has the wrong type is simply false
(``StringEquals`` on a number does not match), while a ``Variable`` that selects
nothing fails the execution with ``States.Runtime``.
"""
from __future__ import annotations

import operator
import re
from collections.abc import Callable
from typing import Any

from pyflow.local.clock import parse_timestamp
from pyflow.local.errors import RUNTIME, StatesError
from pyflow.local.paths import PathError, Scope, compile_path

Predicate = Callable[[Any, Scope], bool]

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "Equals": operator.eq,
    "LessThan": operator.lt,
    "GreaterThan": operator.gt,
    "LessThanEquals": operator.le,
    "GreaterThanEquals": operator.ge,
}


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _as_timestamp(v: Any) -> Any:
    if not isinstance(v, str):
        return None
    try:
        return parse_timestamp(v)
    except ValueError:
        return None


_KINDS: dict[str, tuple[Callable[[Any], bool], Callable[[Any], Any]]] = {
    "String": (lambda v: isinstance(v, str), lambda v: v),
    "Numeric": (_is_number, lambda v: v),
    "Boolean": (lambda v: isinstance(v, bool), lambda v: v),
    "Timestamp": (lambda v: _as_timestamp(v) is not None, _as_timestamp),
}

COMPARISONS: list[str] = [
    f"{kind}{op}{suffix}"
    for kind in ("String", "Numeric", "Boolean", "Timestamp")
    for op in _OPS
    for suffix in ("", "Path")
    if kind != "Boolean" or op == "Equals"
]
TYPE_TESTS = ["IsPresent", "IsNull", "IsString", "IsNumeric", "IsBoolean", "IsTimestamp"]
OPERATORS = set(COMPARISONS) | set(TYPE_TESTS) | {"StringMatches", "And", "Or", "Not"}


def wildcard_regex(pattern: str) -> re.Pattern[str]:
    """``StringMatches``: ``*`` matches any run of characters; ``\\*`` and ``\\\\`` are literal."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if ch == "*" else re.escape(ch))
        i += 1
    return re.compile("".join(out), re.DOTALL)


def operator_of(rule: dict[str, Any]) -> str | None:
    """The single operator key of a rule (``None`` if there is not exactly one)."""
    found = [k for k in rule if k in OPERATORS]
    return found[0] if len(found) == 1 else None


def compile_rule(rule: dict[str, Any]) -> Predicate:
    """Compile one (possibly nested) JSONPath Choice rule; raises ``ValueError`` if malformed."""
    op = operator_of(rule)
    if op is None:
        raise ValueError(f"a Choice rule needs exactly one comparison operator: {sorted(rule)}")
    if op in ("And", "Or"):
        subs = rule[op]
        if not isinstance(subs, list) or not subs:
            raise ValueError(f"{op} needs a non-empty list of rules")
        preds = [compile_rule(r) for r in subs]
        if op == "And":
            return lambda data, scope: all(p(data, scope) for p in preds)
        return lambda data, scope: any(p(data, scope) for p in preds)
    if op == "Not":
        inner = compile_rule(rule["Not"])
        return lambda data, scope: not inner(data, scope)
    if "Variable" not in rule:
        raise ValueError(f"a {op} rule needs a Variable")
    variable = rule["Variable"]
    path = compile_path(variable)
    operand = rule[op]

    if op == "IsPresent":
        want = operand is True
        return lambda data, scope: path.exists(data, scope) is want

    def read(data: Any, scope: Scope) -> Any:
        try:
            return path.resolve(data, scope)
        except PathError:
            raise StatesError(
                RUNTIME, f"Invalid path '{variable}': The choice state's condition path references an invalid value."
            ) from None

    if op in TYPE_TESTS:
        test: Callable[[Any], bool] = {
            "IsNull": lambda v: v is None,
            "IsString": lambda v: isinstance(v, str),
            "IsNumeric": _is_number,
            "IsBoolean": lambda v: isinstance(v, bool),
            "IsTimestamp": lambda v: _as_timestamp(v) is not None,
        }[op]
        want = operand is True
        return lambda data, scope: test(read(data, scope)) is want

    if op == "StringMatches":
        regex = wildcard_regex(operand)
        return lambda data, scope: (v := read(data, scope)) is not None and isinstance(v, str) and regex.fullmatch(v) is not None

    by_path = op.endswith("Path")
    base = op[:-4] if by_path else op
    kind = next(k for k in _KINDS if base.startswith(k))
    compare = _OPS[base[len(kind):]]
    is_kind, convert = _KINDS[kind]

    if by_path:
        other = compile_path(operand)

        def other_value(data: Any, scope: Scope) -> Any:
            try:
                return other.resolve(data, scope)
            except PathError:
                raise StatesError(
                    RUNTIME, f"Invalid path '{operand}': The choice state's condition path references an invalid value."
                ) from None

        def by_path_pred(data: Any, scope: Scope) -> bool:
            left = read(data, scope)
            right = other_value(data, scope)
            if not (is_kind(left) and is_kind(right)):
                return False
            return bool(compare(convert(left), convert(right)))

        return by_path_pred

    if not is_kind(operand):
        raise ValueError(f"{op} needs a {kind.lower()} operand, got {operand!r}")
    right_value = convert(operand)

    def pred(data: Any, scope: Scope) -> bool:
        left = read(data, scope)
        if not is_kind(left):
            return False
        return bool(compare(convert(left), right_value))

    return pred
