"""Python tests (``if``/``while``/``for`` conditions) as JSONPath Choice rules.

A Choice rule compares a reference path with a literal or another path using a
typed operator, so each comparison is chosen from the operand types (literals,
annotations, task return annotations); where a type is unknown the rule is guarded
(``IsString``/``IsNumeric``/``IsBoolean``) so that it matches exactly when Python's
test is true. Python's ``True == 1`` is kept (``BooleanEquals`` or ``NumericEquals``).

A test operand that is not a path (``len(xs)``, the truthiness of a dict) is
*materialized*: the ``mat`` callback stores it in a state-document field before the
Choice and the rule reads that field.
"""
from __future__ import annotations

import json
from typing import Any, Callable

from pyflow import ir
from pyflow.backend.jsonpath_expr import NotExpressible, PathEmitter

OPS = {"<": "LessThan", "<=": "LessThanEquals", ">": "GreaterThan", ">=": "GreaterThanEquals"}
SWAP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
# States.JsonToString of every falsy JSON value (compact, as Step Functions prints it)
FALSY_JSON = ["false", "0", "0.0", "-0.0", '""', "[]", "{}", "null"]

TRUE: dict[str, Any] = {"Variable": "$", "IsPresent": True}
FALSE: dict[str, Any] = {"Variable": "$", "IsPresent": False}

Rule = Any  # a rule dict, or a Python bool for a test known at compile time


def _and(parts: list[Rule]) -> Rule:
    if any(p is False for p in parts):
        return False
    parts = [p for p in parts if p is not True]
    if not parts:
        return True
    return parts[0] if len(parts) == 1 else {"And": parts}


def _or(parts: list[Rule]) -> Rule:
    if any(p is True for p in parts):
        return True
    parts = [p for p in parts if p is not False]
    if not parts:
        return False
    return parts[0] if len(parts) == 1 else {"Or": parts}


def _not(rule: Rule) -> Rule:
    if isinstance(rule, bool):
        return not rule
    return {"Not": rule}


def as_rule(rule: Rule) -> dict[str, Any]:
    if rule is True:
        return dict(TRUE)
    if rule is False:
        return dict(FALSE)
    return rule


def string_matches_literal(text: str) -> str:
    """``text`` inside a StringMatches pattern, matched literally (``*`` and ``\\`` escaped)."""
    return text.replace("\\", "\\\\").replace("*", "\\*")


class Conditions:
    def __init__(self, em: PathEmitter, mat: Callable[[ir.Expr, str], str]) -> None:
        self.em = em
        self.types = em.types
        self.mat = mat

    def operand(self, e: ir.Expr) -> str:
        p = self.em.path(e)
        if p is not None:
            return p
        self.em.val(e)  # raises NotExpressible when there is no translation at all
        return self.mat(e, self.types.of(e))

    def path_operand(self, e: ir.Expr) -> str:
        """The second operand of a ``...Path`` operator: a document path (moto cannot
        parse a Context-object path there)."""
        p = self.em.path(e)
        if p is not None and not p.startswith("$$"):
            return p
        return self.mat(e, self.types.of(e))

    def rule(self, e: ir.Expr) -> Rule:
        if isinstance(e, ir.Const):
            return bool(e.value)
        if isinstance(e, ir.BoolOp):
            parts = [self.rule(v) for v in e.values]
            return _and(parts) if e.op == "and" else _or(parts)
        if isinstance(e, ir.UnaryOp) and e.op == "not":
            return _not(self.rule(e.operand))
        if isinstance(e, ir.Compare):
            return self.compare(e)
        if isinstance(e, ir.Builtin):
            if e.name == "isinstance":
                return self.isinstance(e.args[0], e.args[1].value)  # type: ignore[union-attr]
            if e.name in ("fnmatch", "m_startswith", "m_endswith"):
                return self.matches(e)
            if e.name == "bool":
                return self.truthy(e.args[0])
            if e.name == "is_timestamp":
                return {"Variable": self.operand(e.args[0]), "IsTimestamp": True}
        return self.truthy(e)

    # ---------------------------------------------------------------- truthiness
    def truthy(self, e: ir.Expr) -> Rule:
        t = self.types.of(e)
        if t == "none":
            return False
        if t == "bool":
            return {"Variable": self.operand(e), "BooleanEquals": True}
        if t in ("int", "float"):
            return _not({"Variable": self.operand(e), "NumericEquals": 0})
        if t == "str":
            return _not({"Variable": self.operand(e), "StringEquals": ""})
        if t == "list" and self.em.path(e) is not None:
            return {"Variable": self.em.path(e) + "[0]", "IsPresent": True}
        text = self.mat(ir.Builtin("pf_json", (e,)), "str")
        if t == "dict":
            return _not({"Variable": text, "StringEquals": "{}"})
        if t == "list":
            return _not({"Variable": text, "StringEquals": "[]"})
        return _not(_or([{"Variable": text, "StringEquals": s} for s in FALSY_JSON]))

    # ---------------------------------------------------------------- comparisons
    def compare(self, e: ir.Compare) -> Rule:
        op, left, right = e.op, e.left, e.right
        if op in ("in", "notin"):
            r = self.membership(left, right)
            return r if op == "in" else _not(r)
        if isinstance(left, ir.Const) and not isinstance(right, ir.Const) and op in SWAP:
            op, left, right = SWAP[op], right, left
        if _is_ts(left) or _is_ts(right):
            return self.timestamps(op, _unts(left), _unts(right))
        if op in ("is", "isnot"):
            if isinstance(right, ir.Const) and right.value is None:
                r = {"Variable": self.operand(left), "IsNull": True}
            elif isinstance(right, ir.Const) and isinstance(right.value, bool):
                p = self.operand(left)
                r = {"And": [{"Variable": p, "IsBoolean": True}, {"Variable": p, "BooleanEquals": right.value}]}
            else:
                raise NotExpressible("`is` with something other than None, True or False")
            return r if op == "is" else _not(r)
        if op in ("==", "!="):
            r = self.equals(left, right)
            return r if op == "==" else _not(r)
        return self.order(op, left, right)

    def equals(self, left: ir.Expr, right: ir.Expr) -> Rule:
        lt = self.types.of(left)
        if isinstance(right, ir.Const):
            v = right.value
            p = self.operand(left)
            if v is None:
                return {"Variable": p, "IsNull": True}
            if isinstance(v, str):
                return {"Variable": p, "StringEquals": v}
            if isinstance(v, bool):
                if lt == "bool":
                    return {"Variable": p, "BooleanEquals": v}
                num = {"Variable": p, "NumericEquals": int(v)}
                if lt in ("int", "float"):
                    return num
                return _or([{"And": [{"Variable": p, "IsBoolean": True}, {"Variable": p, "BooleanEquals": v}]},
                            {"And": [{"Variable": p, "IsNumeric": True}, num]}])
            if isinstance(v, (int, float)):
                num = {"Variable": p, "NumericEquals": v}
                if lt in ("int", "float"):
                    return num
                guarded = {"And": [{"Variable": p, "IsNumeric": True}, num]}
                if v in (0, 1):
                    boolean = {"And": [{"Variable": p, "IsBoolean": True}, {"Variable": p, "BooleanEquals": v == 1}]}
                    if lt == "bool":
                        return boolean
                    return _or([guarded, boolean])
                return False if lt == "bool" else guarded
            raise NotExpressible("`==` with a list or dict (Choice rules compare scalars only)")
        rt = self.types.of(right)
        pl, pr = self.operand(left), self.path_operand(right)
        kinds = {"str": "String", "int": "Numeric", "float": "Numeric", "bool": "Boolean"}
        if lt in kinds and rt in kinds and kinds[lt] == kinds[rt]:
            return {"Variable": pl, f"{kinds[lt]}EqualsPath": self.path_operand(right)}
        if {lt, rt} == {"str", "any"}:
            unknown = pl if lt == "any" else pr
            return {"And": [{"Variable": unknown, "IsString": True}, {"Variable": pl, "StringEqualsPath": self.path_operand(right)}]}
        raise NotExpressible(f"`==` between values of types {lt} and {rt} (a Choice rule needs to know "
                             "whether to compare them as strings, numbers or booleans)")

    def order(self, op: str, left: ir.Expr, right: ir.Expr) -> Rule:
        name = OPS[op]
        lt = self.types.of(left)
        py = {"<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b,
              ">=": lambda a, b: a >= b}[op]
        if isinstance(right, ir.Const):
            v = right.value
            p = self.operand(left)
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                num = {"Variable": p, f"Numeric{name}": v}
                if lt in ("int", "float"):
                    return num
                if lt not in ("bool", "any"):
                    raise NotExpressible(f"`{op}` between a {lt} and a number")
                bools = [{"Variable": p, "BooleanEquals": b} for b in (True, False) if py(int(b), v)]
                parts = [{"And": [{"Variable": p, "IsNumeric": True}, num]}] if lt == "any" else []
                if bools:
                    parts.append({"And": [{"Variable": p, "IsBoolean": True}, _or(bools)]})
                return _or(parts)
            if isinstance(v, str):
                if lt not in ("str", "any"):
                    raise NotExpressible(f"`{op}` between a {lt} and a str")
                rule = {"Variable": p, f"String{name}": v}
                return rule if lt == "str" else {"And": [{"Variable": p, "IsString": True}, rule]}
            raise NotExpressible(f"`{op}` with a {type(v).__name__} constant")
        rt = self.types.of(right)
        if lt in ("int", "float") and rt in ("int", "float"):
            return {"Variable": self.operand(left), f"Numeric{name}Path": self.path_operand(right)}
        if lt == rt == "str":
            return {"Variable": self.operand(left), f"String{name}Path": self.path_operand(right)}
        raise NotExpressible(f"`{op}` between values of types {lt} and {rt} (the Choice operator depends on them)")

    def timestamps(self, op: str, left: ir.Expr, right: ir.Expr) -> Rule:
        name = {"==": "Equals", "!=": "Equals"}.get(op) or OPS.get(op)
        if name is None:
            raise NotExpressible(f"`{op}` on timestamps")
        if isinstance(left, ir.Const):
            op, left, right = SWAP[op], right, left
            name = {"==": "Equals", "!=": "Equals"}.get(op) or OPS[op]
        p = self.operand(left)
        if isinstance(right, ir.Const):
            if not isinstance(right.value, str):
                raise NotExpressible("a timestamp compared with a non-string constant")
            rule = {"Variable": p, f"Timestamp{name}": right.value}
        else:
            rule = {"Variable": p, f"Timestamp{name}Path": self.path_operand(right)}
        guarded = {"And": [{"Variable": p, "IsTimestamp": True}, rule]}
        return _not(guarded) if op == "!=" else guarded

    def membership(self, needle: ir.Expr, hay: ir.Expr) -> Rule:
        ht = self.types.of(hay)
        if ht == "dict" and isinstance(needle, ir.Const) and isinstance(needle.value, str):
            base = self.em.path(hay)
            if base is not None:
                from pyflow.backend.jsonpath_expr import field_path

                return {"Variable": field_path(base, needle.value), "IsPresent": True}
        if ht == "str" and isinstance(needle, ir.Const) and isinstance(needle.value, str):
            return {"Variable": self.operand(hay), "StringMatches": "*" + string_matches_literal(needle.value) + "*"}
        if ht == "list" and self.types.of(needle) == "str":
            flag = self.mat(ir.Builtin("pf_contains", (hay, needle)), "bool")
            return {"Variable": flag, "BooleanEquals": True}
        raise NotExpressible(f"`in` on a {ht if ht != 'any' else 'value of unknown type'} "
                             "(supported: a str key in a dict, a str constant in a str, a str in a list)")

    def isinstance(self, x: ir.Expr, kinds: list[str]) -> Rule:
        p = self.operand(x)
        parts = []
        for k in kinds:
            if k == "str":
                parts.append({"Variable": p, "IsString": True})
            elif k == "bool":
                parts.append({"Variable": p, "IsBoolean": True})
            elif k == "type(None)":
                parts.append({"Variable": p, "IsNull": True})
            else:
                raise NotExpressible(f"isinstance(x, {k}) (no Choice rule tells ints from floats, "
                                     "or tests for lists and dicts)")
        return _or(parts)

    def matches(self, e: ir.Builtin) -> Rule:
        s, pattern = e.args
        if not (isinstance(pattern, ir.Const) and isinstance(pattern.value, str)):
            raise NotExpressible(f"{'fnmatch()' if e.name == 'fnmatch' else e.name[2:] + '()'} with a computed pattern")
        if self.types.of(s) not in ("str", "any"):
            raise NotExpressible("matching a value that is not a str")
        text = pattern.value
        if e.name == "fnmatch":
            if any(c in text for c in "?["):
                raise NotExpressible("fnmatch patterns with `?` or `[...]` (StringMatches has only `*`)")
            glob = text.replace("\\", "\\\\")
        elif e.name == "m_startswith":
            glob = string_matches_literal(text) + "*"
        else:
            glob = "*" + string_matches_literal(text)
        p = self.operand(s)
        rule = {"Variable": p, "StringMatches": glob}
        return rule if self.types.of(s) == "str" else {"And": [{"Variable": p, "IsString": True}, rule]}


def _is_ts(e: ir.Expr) -> bool:
    return isinstance(e, ir.Builtin) and e.name == "timestamp"


def _unts(e: ir.Expr) -> ir.Expr:
    return e.args[0] if _is_ts(e) else e


def dumps_rule(rule: Rule) -> str:
    return json.dumps(as_rule(rule), sort_keys=True)
