"""Python tests (``if``/``while``/``for`` conditions) as JSONPath Choice rules.

A Choice rule compares a reference path with a literal or another path using a
typed operator, so each comparison is chosen from the operand types (literals,
annotations, task return annotations); where a type is unknown the rule is guarded
(``IsString``/``IsNumeric``/``IsBoolean``/``IsNull``) so that it matches exactly when
Python's test is true. Python's ``True == 1`` is kept (``BooleanEquals`` or
``NumericEquals``). A test that Python may fail with TypeError (``"a" < 1``) also gives
the rule matching exactly then (``Conditions.test``): the Choice tries it first and
fails the run with TypeError. Only what no rule decides is NotExpressible: a list
ordered against a value that may be a list, ``==`` between two values that may both be
lists or dicts.

A test operand that is not a path (``len(xs)``, the truthiness of a dict) is
*materialized*: the ``mat`` callback stores it in a state-document field before the
Choice and the rule reads that field.
"""
from __future__ import annotations

import json
import operator
from typing import Any, Callable

from pyflow import ir
from pyflow.backend.jsonpath_expr import NotExpressible, PathEmitter
from pyflow.backend.types import NUMERIC

OPS = {"<": "LessThan", "<=": "LessThanEquals", ">": "GreaterThan", ">=": "GreaterThanEquals"}
SWAP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
# States.JsonToString of every falsy JSON value (compact, as Step Functions prints it)
FALSY_JSON = ["false", "0", "0.0", "-0.0", '""', "[]", "{}", "null"]

PY = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq}

# What a value may be at run time, from its static type: S str, N int or float, B bool,
# Z None, L list, D dict. The first four have a Choice type test.
KINDS = {"str": {"S"}, "int": {"N"}, "float": {"N"}, "number": {"N"}, "bool": {"B"}, "none": {"Z"},
         "list": {"L"}, "dict": {"D"}}
ANY_KIND = frozenset("SNBZLD")
NUMBERS = frozenset("NB")  # Python compares a bool as the number 0 or 1
IS_TEST = {"S": "IsString", "N": "IsNumeric", "B": "IsBoolean", "Z": "IsNull"}
KIND_NAMES = {"D": "dicts", "L": "lists"}

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

    def test(self, e: ir.Expr) -> tuple[Rule, Rule]:
        """(the rule true when Python's test is true, the rule true when evaluating the
        test raises TypeError in Python). A Choice tries the second first, and fails the
        run there; ``and``/``or`` evaluate their right side only when Python does."""
        if isinstance(e, ir.BoolOp):
            value: Rule = e.op == "and"
            error: Rule = False
            kinds: set[bool] = set()
            for v in e.values:
                r, err = self.test(v)
                if err is not False:
                    kinds.add(compares_timestamps(v))
                # the next operand is evaluated while the ones before have not decided
                error = _or([error, _and([value if e.op == "and" else _not(value), err])])
                value = _and([value, r]) if e.op == "and" else _or([value, r])
            if len(kinds) > 1:  # one Choice rule leads to one Fail, with one error name
                raise NotExpressible("a test that may raise both ValueError (a timestamp) and TypeError")
            return value, error
        if isinstance(e, ir.UnaryOp) and e.op == "not":
            r, err = self.test(e.operand)
            return _not(r), err
        if isinstance(e, ir.Compare):
            return self.compare(e)
        return self.rule(e), False

    def rule(self, e: ir.Expr) -> Rule:
        """A test that cannot raise TypeError (a constant, truthiness, isinstance ...)."""
        if isinstance(e, ir.Const):
            return bool(e.value)
        if isinstance(e, (ir.BoolOp, ir.Compare)) or isinstance(e, ir.UnaryOp) and e.op == "not":
            value, error = self.test(e)
            if error is not False:
                raise NotExpressible("a comparison that may raise TypeError, inside this test")
            return value
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
    # A comparison gives two rules: the one true when Python's test is, and the one true
    # when Python raises TypeError evaluating it (ordering a str against a number, anything
    # against None, a dict ...); the Choice tries the second first and fails the run there.
    def compare(self, e: ir.Compare) -> tuple[Rule, Rule]:
        op, left, right = e.op, e.left, e.right
        if op in ("in", "notin"):
            r = self.membership(left, right)
            return (r if op == "in" else _not(r)), False
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
            return (r if op == "is" else _not(r)), False
        if op in ("==", "!="):
            r = self.equals(left, right)
            return (r if op == "==" else _not(r)), False
        return self.order(op, left, right)

    def equals(self, left: ir.Expr, right: ir.Expr) -> Rule:
        """Python's ``==``: numbers and bools by value (``True == 1``), strs with strs,
        ``None`` with ``None``; values of different kinds are unequal. Lists and dicts
        compare item by item, which no Choice rule does."""
        if isinstance(left, ir.Const) and isinstance(right, ir.Const):
            return left.value == right.value
        lt = self.types.of(left)
        if isinstance(right, ir.Const):
            v = right.value
            if isinstance(v, (list, dict)):
                if v or lt not in ("list", "dict", "any"):
                    if lt in KINDS and not KINDS[lt] & _value_kinds(v):
                        return False  # a str, a number ... never equals a list or a dict
                    raise NotExpressible("`==` with a non-empty list or dict (Python compares them item by "
                                         "item; Choice rules compare only strs, numbers, bools and null)")
                if lt == "list" and not v and self.em.path(left) is not None:
                    return _not({"Variable": self.em.path(left) + "[0]", "IsPresent": True})
                # `a == []`: the value's JSON text is `[]` (a str "[]" prints as "\"[]\"")
                text = self.mat(ir.Builtin("pf_json", (left,)), "str")
                return {"Variable": text, "StringEquals": json.dumps(v)}
            p = self.operand(left)
            if v is None:
                return {"Variable": p, "IsNull": True}
            if isinstance(v, str):
                return {"Variable": p, "StringEquals": v}
            if isinstance(v, bool):
                if lt == "bool":
                    return {"Variable": p, "BooleanEquals": v}
                num = {"Variable": p, "NumericEquals": int(v)}
                if lt in NUMERIC:
                    return num
                return _or([{"And": [{"Variable": p, "IsBoolean": True}, {"Variable": p, "BooleanEquals": v}]},
                            {"And": [{"Variable": p, "IsNumeric": True}, num]}])
            num = {"Variable": p, "NumericEquals": v}
            if lt in NUMERIC:
                return num
            guarded = {"And": [{"Variable": p, "IsNumeric": True}, num]}
            if v in (0, 1):
                boolean = {"And": [{"Variable": p, "IsBoolean": True}, {"Variable": p, "BooleanEquals": v == 1}]}
                if lt == "bool":
                    return boolean
                return _or([guarded, boolean])
            return False if lt == "bool" else guarded
        a, b = _Side(self, left), _Side(self, right)
        deep = a.kinds & b.kinds & {"L", "D"}
        if deep:
            both = " or ".join(KIND_NAMES[k] for k in sorted(deep))
            raise NotExpressible(f"`==` between two values that may both be {both} (Python compares them item by "
                                 "item; Choice rules compare only strs, numbers, bools and null)")
        parts = [self.numeric("==", a, b)]
        if "S" in a.kinds and "S" in b.kinds:
            parts.append(_and([a.is_("S"), b.is_("S"), self.scalar_cmp("String", "==", a, b)]))
        if "Z" in a.kinds and "Z" in b.kinds:
            parts.append(_and([a.is_("Z"), b.is_("Z")]))
        return _or(parts)

    def order(self, op: str, left: ir.Expr, right: ir.Expr) -> tuple[Rule, Rule]:
        """Python's ``<`` ``<=`` ``>`` ``>=``: numbers and bools by value, strs with strs;
        any other pair raises TypeError (a list with a list orders item by item, which no
        Choice rule does)."""
        a, b = _Side(self, left, ordering=True), _Side(self, right, ordering=True)
        if a.const and b.const:
            try:
                return bool(PY[op](a.value, b.value)), False
            except TypeError:
                return False, True
        if "L" in a.kinds and "L" in b.kinds:
            raise NotExpressible(f"`{op}` between two values that may both be lists (Python orders lists item by "
                                 "item; Choice rules order only numbers and strs)")
        ok = _or([_and([a.any_of(NUMBERS), b.any_of(NUMBERS)]), _and([a.is_("S"), b.is_("S")])])
        parts = [self.numeric(op, a, b)]
        if "S" in a.kinds and "S" in b.kinds:
            parts.append(_and([a.is_("S"), b.is_("S"), self.scalar_cmp("String", op, a, b)]))
        return _or(parts), _not(ok)

    def numeric(self, op: str, a: "_Side", b: "_Side") -> Rule:
        """``a op b`` where both are numbers or bools (a bool counts as 0 or 1); false
        where either is something else."""
        ka, kb = a.kinds & NUMBERS, b.kinds & NUMBERS
        parts: list[Rule] = []
        if "N" in ka and "N" in kb:
            parts.append(_and([a.is_("N"), b.is_("N"), self.scalar_cmp("Numeric", op, a, b)]))
        if "B" in ka and "N" in kb:
            parts.append(_and([a.is_("B"), b.is_("N"), _or([
                _and([a.bool_is(x), self.scalar_cmp("Numeric", op, _Side.number(int(x)), b)]) for x in (True, False)])]))
        if "N" in ka and "B" in kb:
            parts.append(_and([a.is_("N"), b.is_("B"), _or([
                _and([b.bool_is(y), self.scalar_cmp("Numeric", op, a, _Side.number(int(y)))]) for y in (True, False)])]))
        if "B" in ka and "B" in kb:
            if op == "==" and not a.const and not b.const:
                same: Rule = {"Variable": a.path(), "BooleanEqualsPath": b.doc_path()}
            else:
                same = _or([_and([a.bool_is(x), b.bool_is(y)]) for x in (True, False) for y in (True, False)
                            if PY[op](int(x), int(y))])
            parts.append(_and([a.is_("B"), b.is_("B"), same]))
        return _or(parts)

    def scalar_cmp(self, kind: str, op: str, a: "_Side", b: "_Side") -> Rule:
        """A ``String...``/``Numeric...`` operator between two sides of that kind."""
        if a.const and b.const:
            return bool(PY[op](a.value, b.value))
        name = "Equals" if op == "==" else OPS[op]
        if b.const:
            return {"Variable": a.path(), f"{kind}{name}": b.value}
        if a.const:
            return {"Variable": b.path(), f"{kind}{'Equals' if op == '==' else OPS[SWAP[op]]}": a.value}
        return {"Variable": a.path(), f"{kind}{name}Path": b.doc_path()}

    def timestamps(self, op: str, left: ir.Expr, right: ir.Expr) -> tuple[Rule, Rule]:
        """The comparison, and the rule true where an operand is no timestamp: Python's
        ``pf.timestamp`` raises ValueError there (``compares_timestamps`` tells the Choice
        to fail with that name), where a Timestamp rule would just be false."""
        name = {"==": "Equals", "!=": "Equals"}.get(op) or OPS.get(op)
        if name is None:
            raise NotExpressible(f"`{op}` on timestamps")
        if isinstance(left, ir.Const):
            op, left, right = SWAP[op], right, left
            name = {"==": "Equals", "!=": "Equals"}.get(op) or OPS[op]
        p = self.operand(left)
        invalid: list[Rule] = [_not({"Variable": p, "IsTimestamp": True})]
        if isinstance(right, ir.Const):
            if not isinstance(right.value, str):
                raise NotExpressible("a timestamp compared with a non-string constant")
            rule = {"Variable": p, f"Timestamp{name}": right.value}
        else:
            q = self.path_operand(right)
            rule = {"Variable": p, f"Timestamp{name}Path": q}
            invalid.append(_not({"Variable": q, "IsTimestamp": True}))
        guarded = {"And": [{"Variable": p, "IsTimestamp": True}, rule]}
        return (_not(guarded) if op == "!=" else guarded), _or(invalid)

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


class _Side:
    """One operand of a comparison: what it may be at run time, and rules about it."""

    def __init__(self, conds: "Conditions | None", e: ir.Expr, ordering: bool = False) -> None:
        self.conds, self.e = conds, e
        self.const = isinstance(e, ir.Const)
        if self.const:
            v = e.value  # type: ignore[union-attr]
            if ordering and isinstance(v, bool):
                v = int(v)  # True < 2 is 1 < 2
            self.value = v
            self.kinds = set(_value_kinds(v))
        else:
            assert conds is not None
            t = conds.types.of(e)
            if t == "timestamp":
                raise NotExpressible("comparing a pf.timestamp(...) kept in a variable (compare pf.timestamp(x) "
                                     "itself)")
            self.kinds = set(KINDS.get(t, ANY_KIND))
        self._path: str | None = None

    @classmethod
    def number(cls, value: int) -> "_Side":
        return cls(None, ir.Const(value))

    def path(self) -> str:
        """The path the rule's ``Variable`` reads."""
        assert self.conds is not None
        if self._path is None:
            self._path = self.conds.operand(self.e)
        return self._path

    def doc_path(self) -> str:
        """The path as the second operand of a ``...Path`` operator."""
        assert self.conds is not None
        return self.conds.path_operand(self.e)

    def is_(self, kind: str) -> Rule:
        """True when the value is of ``kind`` (S, N, B or Z)."""
        if kind not in self.kinds:
            return False
        if self.kinds == {kind}:
            return True
        return {"Variable": self.path(), IS_TEST[kind]: True}

    def any_of(self, kinds: frozenset[str]) -> Rule:
        if self.kinds <= kinds:
            return True
        return _or([self.is_(k) for k in sorted(self.kinds & kinds, key="NBSZ".index)])

    def bool_is(self, value: bool) -> Rule:
        """The value is the bool ``value`` (after ``is_("B")``)."""
        if self.const:
            return self.value is value
        return {"Variable": self.path(), "BooleanEquals": value}


def _value_kinds(v: Any) -> set[str]:
    if v is None:
        return {"Z"}
    if isinstance(v, bool):
        return {"B"}
    if isinstance(v, (int, float)):
        return {"N"}
    if isinstance(v, str):
        return {"S"}
    return {"L"} if isinstance(v, list) else {"D"}


def compares_timestamps(e: ir.Expr) -> bool:
    """Whether test ``e`` compares ``pf.timestamp(...)`` values: the error its rules may give
    is then Python's ValueError (an operand that is no timestamp), never a TypeError
    (``Conditions.test`` rejects a test that could give either)."""
    return any(isinstance(n, ir.Compare) and (_is_ts(n.left) or _is_ts(n.right)) for n in ir.walk(e))


def _is_ts(e: ir.Expr) -> bool:
    return isinstance(e, ir.Builtin) and e.name == "timestamp"


def _unts(e: ir.Expr) -> ir.Expr:
    return e.args[0] if _is_ts(e) else e


def dumps_rule(rule: Rule) -> str:
    return json.dumps(as_rule(rule), sort_keys=True)
