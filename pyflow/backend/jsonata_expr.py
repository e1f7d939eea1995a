"""IR expressions to JSONata text with Python's meaning (DESIGN §1).

Where JSONata and Python differ (truthiness, ``%``, ``//``, ``+`` on strings and
lists, missing keys, array flattening in constructors, ``str()`` of booleans),
the emitted expression spells Python's behaviour out; where the operand types are
unknown it dispatches on ``$type`` at run time. Helper variables inside blocks are
named ``$__x``: block-scoped in JSONata, and never a Python local (``__``-names are
mangled by the frontend's reserved-prefix rule).
"""
from __future__ import annotations

import json
from collections.abc import Iterator
import re
from dataclasses import dataclass, field

from pyflow import ir
from pyflow.api import TIMESTAMP_PATTERN
from pyflow.backend.types import NUMERIC, Types

IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# e_Subscript's text for d["k"]: (variable, lookup, failure)
KEY_GUARD = re.compile(r'\((\$__v[0-9]+) := (.*); \$exists\(\1\) \? \1 : '
                       r'(\$error\("KeyError: (?:[^"\\]|\\.)*"\))\)', re.S)
# a number literal or a variable: evaluating it cannot fail
SIMPLE = re.compile(r"-?[0-9][0-9.e+-]*|\$[A-Za-z_][A-Za-z0-9_]*")

# JSONata's and Step Functions' function names: a variable with one of these names
# would hide the function (``$count``), so such locals get a trailing underscore.
FUNCTION_NAMES = frozenset("""
string length substring substringBefore substringAfter uppercase lowercase trim pad contains split join match
replace eval base64encode base64decode encodeUrlComponent encodeUrl decodeUrlComponent decodeUrl formatNumber
formatBase formatInteger parseInteger number abs floor ceil round power sqrt random sum max min average boolean
not exists count append sort reverse shuffle distinct zip keys lookup spread merge sift each error assert type
single map filter reduce now millis fromMillis toMillis partition range hash uuid parse states
""".split())


def var_name(name: str) -> str:
    """The ASL Variable that holds Python local ``name``."""
    return name + "_" if name in FUNCTION_NAMES or name.rstrip("_") in FUNCTION_NAMES else name


def string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def error(message: str) -> str:
    return f"$error({string(message)})"


# Python's ``==`` on JSON values: JSONata's ``=`` compares deeply too, but never equals a
# boolean to a number, where Python has ``True == 1`` (at any depth: ``[True] == [1]``).
EQ_FN = ("function($__a, $__b) { ($__ta := $type($__a); $__tb := $type($__b); "
         "($__ta = \"number\" or $__ta = \"boolean\") and ($__tb = \"number\" or $__tb = \"boolean\") ? "
         "($__ta = \"boolean\" ? ($__a ? 1 : 0) : $__a) = ($__tb = \"boolean\" ? ($__b ? 1 : 0) : $__b) : "
         "$__ta = \"array\" and $__tb = \"array\" ? ($count($__a) = $count($__b) and "
         "$count($filter([0..($count($__a) - 1)], function($__i) { $not($__eq($__a[$__i], $__b[$__i])) })) = 0) : "
         "$__ta = \"object\" and $__tb = \"object\" ? ($count($keys($__a)) = $count($keys($__b)) and "
         "$count($filter($keys($__a), function($__k) { $not($exists($lookup($__b, $__k))) or "
         "$not($__eq($lookup($__a, $__k), $lookup($__b, $__k))) })) = 0) : $__a = $__b) }")

# Python's ``<`` on JSON values: booleans are numbers, lists compare lexicographically
# (by the first items that differ under ``==``), anything else mixed is a TypeError.
LT_FN = ("function($__a, $__b) { ($__ta := $type($__a); $__tb := $type($__b); "
         "($__ta = \"number\" or $__ta = \"boolean\") and ($__tb = \"number\" or $__tb = \"boolean\") ? "
         "($__ta = \"boolean\" ? ($__a ? 1 : 0) : $__a) < ($__tb = \"boolean\" ? ($__b ? 1 : 0) : $__b) : "
         "$__ta = \"string\" and $__tb = \"string\" ? $__a < $__b : "
         "$__ta = \"array\" and $__tb = \"array\" ? ($__d := $filter([0..($min([$count($__a), $count($__b)]) - 1)], "
         "function($__i) { $not($__eq($__a[$__i], $__b[$__i])) })[0]; "
         "$exists($__d) ? $__lt($__a[$__d], $__b[$__d]) : $count($__a) < $count($__b)) : "
         "$error(\"TypeError: '<' not supported between these types\")) }")

BOOL, NUM = "b", "n"


def _value_kinds(value: object) -> set[str]:
    """Which of bool / number occur anywhere inside a constant (itself included)."""
    if isinstance(value, bool):
        return {BOOL}
    if isinstance(value, (int, float)):
        return {NUM}
    if isinstance(value, list):
        return set().union(*(_value_kinds(v) for v in value))
    if isinstance(value, dict):
        return set().union(*(_value_kinds(v) for v in value.values()))
    return set()


def _cross(a: set[str], b: set[str]) -> bool:
    return (BOOL in a and NUM in b) or (NUM in a and BOOL in b)


def field_path(base: str, key: str) -> str:
    return f"{base}.{key}" if IDENT.match(key) and key not in ("and", "or", "in", "true", "false", "null", "function") \
        else f"{base}.`{key}`"


class Rejected(Exception):
    """An expression the JSONata target cannot give Python's meaning for these operand
    types: a compile error (PF101) at ``expr``'s source position where the frontend kept it."""

    def __init__(self, what: str, expr: ir.Expr, help: str) -> None:
        super().__init__(what)
        self.what, self.expr, self.help = what, expr, help


@dataclass
class Emitter:
    """Emits JSONata for one state: ``result`` and ``input`` name what ``TaskResult``
    and ``Input`` read in that state."""

    types: Types
    result: str = "$states.result"
    input: str = "$states.input"
    item: str = "$states.input"  # a Map iteration's item (``$states.input.Items`` when batched)
    counter: list[int] = field(default_factory=lambda: [0])

    def tmp(self, hint: str = "v") -> str:
        self.counter[0] += 1
        return f"$__{hint}{self.counter[0]}"

    # ------------------------------------------------------------------ entry points
    def top(self, e: ir.Expr) -> str:
        """A whole field's value: an undefined result fails the state, as in Step Functions,
        so a plain path is enough for a missing key or input field."""
        if self._is_path(e):
            return self.path(e)
        return self.ex(e)

    def path(self, e: ir.Expr) -> str:
        if isinstance(e, ir.Builtin) and e.name == "item":
            return self.item
        if isinstance(e, ir.Input):
            return field_path(self.input, e.name)
        if isinstance(e, ir.Subscript):
            assert isinstance(e.key, ir.Const)
            return field_path(self.path(e.obj), str(e.key.value))
        return self.ex(e)

    def cond(self, e: ir.Expr) -> str:
        return self.truthy(e)

    # ------------------------------------------------------------------ expressions
    def ex(self, e: ir.Expr) -> str:
        t = type(e).__name__
        return getattr(self, "e_" + t)(e)

    def e_Const(self, e: ir.Const) -> str:
        return json.dumps(e.value, ensure_ascii=False, separators=(", ", ": "))

    def e_Var(self, e: ir.Var) -> str:
        return "$" + var_name(e.name)

    def e_TaskResult(self, e: ir.TaskResult) -> str:
        return self.result

    def e_Context(self, e: ir.Context) -> str:
        return "$states.context." + ".".join(e.path)

    def e_Input(self, e: ir.Input) -> str:
        path = field_path(self.input, e.name)
        if e.default is not None:
            return f"($exists({path}) ? {path} : {self.ex(e.default)})"
        return f"($exists({path}) ? {path} : {error('pyflow.MissingInput: missing input field ' + repr(e.name))})"

    def _is_path(self, e: ir.Expr) -> bool:
        """A chain of string-key lookups on a local, a task result or a required input."""
        return isinstance(e, (ir.Var, ir.TaskResult)) or (isinstance(e, ir.Builtin) and e.name == "item") or (
            isinstance(e, ir.Input) and e.required) or (
            isinstance(e, ir.Subscript) and isinstance(e.key, ir.Const) and isinstance(e.key.value, str)
            and self._is_path(e.obj) and self.types.of(e.obj) in ("dict", "any"))

    def e_Subscript(self, e: ir.Subscript) -> str:
        ot = self.types.of(e.obj)
        obj = self.top(e.obj) if isinstance(e.obj, ir.Input) else self.ex(e.obj)
        key = e.key
        if isinstance(key, ir.Const) and isinstance(key.value, str) and ot in ("dict", "any"):
            v = self.tmp()
            if ot == "dict" and self._is_path(e.obj):
                got = field_path(obj, key.value)
            else:
                got = f"$lookup({obj}, {string(key.value)})"
                if ot == "any":
                    o = self.tmp("o")
                    return (f"({o} := {obj}; $type({o}) = \"object\" ? ({v} := $lookup({o}, {string(key.value)}); "
                            f"$exists({v}) ? {v} : {error('KeyError: ' + repr(key.value))}) : "
                            f"{error('TypeError: subscript of a non-dict with ' + repr(key.value))})")
            return f"({v} := {got}; $exists({v}) ? {v} : {error('KeyError: ' + repr(key.value))})"
        if isinstance(key, ir.Const) and isinstance(key.value, int) and not isinstance(key.value, bool) \
                and ot in ("list", "any"):
            # a literal index: only a list can answer it (JSON objects have str keys)
            c, k = self.tmp("c"), key.value
            # k >= -count always holds for k >= 0, k < count for k < 0
            bound = f"{k} < $count({c})" if k >= 0 else f"{k} >= -$count({c})"
            return (f"({c} := {obj}; $type({c}) = \"array\" and {bound} ? "
                    f"{c}[{k}] : {error('IndexError: list index out of range')})")
        if ot == "str":
            s, i = self.tmp("s"), self.tmp("i")
            return (f"({s} := {obj}; {i} := {self.ex(key)}; ({i} < $length({s}) and {i} >= -$length({s})) ? "
                    f"$substring({s}, {i}, 1) : {error('IndexError: string index out of range')})")
        c, k, v = self.tmp("c"), self.tmp("k"), self.tmp()
        return (f"({c} := {obj}; {k} := {self.ex(key)}; $type({c}) = \"object\" ? ({v} := $lookup({c}, {k}); "
                f"$exists({v}) ? {v} : {error('KeyError: missing key')}) : $type({c}) = \"array\" ? "
                f"(($type({k}) = \"number\" and {k} = $floor({k}) and {k} < $count({c}) and {k} >= -$count({c})) ? "
                f"{c}[{k}] : {error('IndexError: list index out of range')}) : "
                f"{error('TypeError: object is not subscriptable')})")

    def e_BinOp(self, e: ir.BinOp) -> str:
        lt, rt = self.types.of(e.left), self.types.of(e.right)
        if self.numbers_only(e.left, e.op, rt, "left"):
            left, lt = self.numeric_product(e.left), "number"
        else:
            left = self.ex(e.left)
        if self.numbers_only(e.right, e.op, lt, "right"):
            right, rt = self.numeric_product(e.right), "number"
        else:
            right = self.ex(e.right)
        if e.op == "*" and not (lt in NUMERIC | {"bool"} and rt in NUMERIC | {"bool"}):
            return self.multiply(left, right, lt, rt)
        arithmetic = NUMERIC | {"bool", "any"}
        if e.op != "+" or lt in NUMERIC | {"bool"} or rt in NUMERIC | {"bool"}:
            # arithmetic counts a bool as 0 or 1 (True + 1, 0.5 // True), also in a value of
            # unknown type; JSONata's operators fail on a boolean
            if lt in ("bool", "any") and rt in arithmetic:
                left = self.as_arith(left, lt)
            if rt in ("bool", "any") and lt in arithmetic:
                right = self.as_arith(right, rt)
        if e.op == "+":
            if lt == rt == "str":
                return f"({left} & {right})"
            if lt == rt == "list":
                return f"$append({left}, {right})"
            if lt in NUMERIC | {"bool"} or rt in NUMERIC | {"bool"}:
                # JSONata's + fails on anything but two numbers, as Python's int + fails
                # on a str or list: no dispatch needed once one side is a number
                return f"({left} + {right})"
            a, b = self.tmp("a"), self.tmp("b")
            if {lt, rt} & {"str", "list", "dict", "none"}:
                add = f"($type({a}) = \"number\" and $type({b}) = \"number\") ? {a} + {b}"  # never taken
            else:  # True + 1 is 2
                is_num = "($type({0}) = \"number\" or $type({0}) = \"boolean\")"
                add = f"({is_num.format(a)} and {is_num.format(b)}) ? {self.as_arith(a, 'any')} + {self.as_arith(b, 'any')}"
            return (f"({a} := {left}; {b} := {right}; ($type({a}) = \"string\" and $type({b}) = \"string\") ? {a} & {b} : "
                    f"($type({a}) = \"array\" and $type({b}) = \"array\") ? $append({a}, {b}) : "
                    f"{add} : {error('TypeError: unsupported operand types for +')})")
        if e.op in ("-", "*", "/"):
            return f"({left} {e.op} {right})"
        if e.op in ("//", "%") and not (lt in ("int", "bool") and rt in ("int", "bool")):
            return self.float_divmod(left, right, e.op, e.right)
        if e.op == "//":
            return f"$floor({left} / {right})"
        if e.op == "%":
            a, b = self.tmp("a"), self.tmp("b")
            return f"({a} := {left}; {b} := {right}; {a} - {b} * $floor({a} / {b}))"
        if e.op == "**":
            return self.power(left, right, e.right, rt)
        raise AssertionError(e.op)

    def float_divmod(self, left: str, right: str, op: str, divisor: ir.Expr) -> str:
        """Python's ``//`` or ``%`` where an operand may be a float, as CPython's float_divmod
        computes them: from the exact remainder fmod (JSONata's ``%``, JavaScript's), not from
        ``floor(a / b)``, which is one too many where the rounded quotient reaches an integer
        (0.1 // 1e-05 is 9999.0 and 0.1 % 1e-05 is 9.999999999997372e-06, not 10000 and 0) and
        loses the remainder of a float beyond 2**53 (1e17 % 3 is 1.0). Ints give the same answer
        here as the short form, which they keep. A divisor written as a number needs no test for 0
        and has a known sign."""
        a, m = self.tmp("a"), self.tmp("m")
        value = divisor.value if isinstance(divisor, ir.Const) else None
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value != 0:
            b = right if value > 0 else f"({right})"
            head, close = f"{a} := {left}; {m} := {a} % {b}; ", ")"
            flip = f"{m} {'<' if value > 0 else '>'} 0"
        else:
            b = self.tmp("b")
            head = (f"{a} := {left}; {b} := {right}; {b} = 0 ? "
                    f"{error('ZeroDivisionError: division or modulo by zero')} : ({m} := {a} % {b}; ")
            close = "))"
            flip = f"{m} != 0 and ({m} < 0) != ({b} < 0)"
        # the remainder takes the divisor's sign; the quotient loses one where it moves
        if op == "%":
            return f"({head}{flip} ? {m} + {b} : {m}{close}"
        d, f = self.tmp("d"), self.tmp("f")
        # (a - m) / b is within rounding of an integer: snap to the nearest one
        return f"({head}{d} := ({a} - {m}) / {b} - ({flip} ? 1 : 0); {f} := $floor({d}); {d} - {f} > 0.5 ? {f} + 1 : {f}{close}"

    def power(self, left: str, right: str, exponent: ir.Expr, et: str) -> str:
        """Python's ``**``. A negative base to a fractional power is a complex number in Python,
        not a JSON value (the native run fails where it is returned or compared); JSONata's
        ``$power`` gives NaN there, which engines fail differently (jsonata-python with a Python
        TypeError): the run fails by name instead. An integral exponent needs no test."""
        if et in ("int", "bool") or (isinstance(exponent, ir.Const) and isinstance(exponent.value, (int, float))
                                     and float(exponent.value).is_integer()):
            return f"$power({left}, {right})"
        x, y = self.tmp("x"), self.tmp("y")
        fail = error("TypeError: pyflow: a negative number to a fractional power is a complex number, not a JSON value")
        if isinstance(exponent, ir.Const):
            return f"({x} := {left}; {x} < 0 ? {fail} : $power({x}, {right}))"
        return f"({x} := {left}; {y} := {right}; ({x} < 0 and {y} != $floor({y})) ? {fail} : $power({x}, {y}))"

    def as_arith(self, text: str, t: str) -> str:
        """An operand of arithmetic: a bool as 0 or 1 (tested at run time for a value of unknown type)."""
        if t == "bool":
            return f"({text} ? 1 : 0)"
        if t != "any":
            return text
        if re.fullmatch(r"\$[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*", text):
            return f"($type({text}) = \"boolean\" ? ({text} ? 1 : 0) : {text})"
        found = KEY_GUARD.fullmatch(text)
        if found:  # a dict lookup's own variable takes the test (no second variable)
            v, got, fail = found.groups()
            return f"({v} := {got}; $exists({v}) ? ($type({v}) = \"boolean\" ? ({v} ? 1 : 0) : {v}) : {fail})"
        v = self.tmp("q")
        return f"({v} := {text}; $type({v}) = \"boolean\" ? ({v} ? 1 : 0) : {v})"

    def multiply(self, left: str, right: str, lt: str = "any", rt: str = "any") -> str:
        """Python's ``*``: numbers multiply (booleans count as 0 and 1), a str or a list
        times an int repeats it (nothing for a count below 1). A side whose type is
        known leaves only the other side's cases to test (a third of the text for
        ``record["size"] * 6``, the common shape)."""
        a, b, n, q, i = self.tmp("a"), self.tmp("b"), self.tmp("n"), self.tmp("q"), self.tmp("i")
        fail = error("TypeError: unsupported operand types for *")

        def num(v: str) -> str:
            return f"($type({v}) = \"boolean\" ? ({v} ? 1 : 0) : {v})"

        def is_num(v: str) -> str:
            return f"($type({v}) = \"number\" or $type({v}) = \"boolean\")"

        def is_int(v: str) -> str:
            return f"($type({v}) = \"boolean\" or ($type({v}) = \"number\" and {v} = $floor({v})))"

        def repeat(seq: str, count: str, seq_type: str = "any") -> str:
            as_str = f"({n} < 1 ? \"\" : $join($map([1..{n}], function({i}) {{ {seq} }})))"
            as_list = f"({n} < 1 ? [] : $reduce([1..{n}], function({q}, {i}) {{ $append({q}, {seq}) }}, []))"
            body = as_str if seq_type == "str" else as_list if seq_type == "list" else \
                f"$type({seq}) = \"string\" ? {as_str} : {as_list}"
            return f"({n} := {num(count)}; {body})"

        seq = "($type({0}) = \"string\" or $type({0}) = \"array\")"
        if lt in NUMERIC | {"bool"} or rt in NUMERIC | {"bool"} or lt in ("str", "list") or rt in ("str", "list"):
            # one side known: name it b (the other, a, is tested)
            known, known_type, other = (right, rt, left) if rt != "any" else (left, lt, right)
            head = f"{a} := {other}; {b} := {known}; "
            if known_type in ("str", "list"):
                return f"({head}{is_int(a)} ? {repeat(b, a, known_type)} : {fail})"
            if known_type == "float":
                return f"({head}{is_num(a)} ? {num(a)} * {b} : {fail})"
            count_ok = "" if known_type in ("int", "bool") else f" and {b} = $floor({b})"
            return (f"({head}{is_num(a)} ? {num(a)} * {num(b) if known_type == 'bool' else b} : "
                    f"({seq.format(a)}{count_ok}) ? {repeat(a, b)} : {fail})")
        return (f"({a} := {left}; {b} := {right}; ({is_num(a)} and {is_num(b)}) ? {num(a)} * {num(b)} : "
                f"({seq.format(a)} and {is_int(b)}) ? {repeat(a, b)} : "
                f"({is_int(a)} and {seq.format(b)}) ? {repeat(b, a)} : "
                f"{fail})")

    def numbers_only(self, operand: ir.Expr, op: str, other: str, side: str) -> bool:
        """Is ``operand`` a product of unknown kind whose str or list answer (repetition) this
        arithmetic could only fail on? Python's ``+ - / // **`` with a number or bool on the other
        side fail with TypeError on a str or list (``total + "ab" * 3``), and so does ``%`` with
        one on its right (on its left, ``"%d" * 1 % 5`` formats)."""
        if not (isinstance(operand, ir.BinOp) and operand.op == "*" and other in NUMERIC | {"bool"}):
            return False
        if not (op in ("+", "-", "/", "//", "**") or (op == "%" and side == "right")):
            return False
        kinds = (self.types.of(operand.left), self.types.of(operand.right))
        scalar = NUMERIC | {"bool"}
        return all(k in scalar | {"any"} for k in kinds) and not all(k in scalar for k in kinds)

    def numeric_product(self, e: ir.BinOp) -> str:
        """``e.left * e.right`` where only a number is of use (numbers_only): a bool counts as
        0 or 1, anything else fails with TypeError here, where Python's repetition would make a str
        or list the enclosing arithmetic fails on (Python reports that TypeError there, after
        evaluating the other operand: both fail). Operands are evaluated left to right."""
        fail = "TypeError: unsupported operand types for *"
        parts: list[tuple[str, str]] = []  # (binding, number) per operand
        for operand in (e.left, e.right):
            t, text = self.types.of(operand), self.ex(operand)
            if t in NUMERIC:
                parts.append(("", text))
            elif t == "bool":
                parts.append(("", f"({text} ? 1 : 0)"))
            else:
                v = self.tmp("a")
                parts.append((f"{v} := {text}; ", self.number_or_fail(v, t, fail)))
        (bind_a, a), (bind_b, b) = parts
        if not bind_a and bind_b and not SIMPLE.fullmatch(a):
            v = self.tmp("a")  # the left operand is evaluated first, as in Python
            bind_a, a = f"{v} := {a}; ", v
        return f"({bind_a}{bind_b}{a} * {b})"

    def e_UnaryOp(self, e: ir.UnaryOp) -> str:
        if e.op == "not":
            return f"$not({self.truthy(e.operand)})"
        t = self.types.of(e.operand)
        if t in NUMERIC:
            return f"(-{self.ex(e.operand)})" if e.op == "-" else self.ex(e.operand)
        # Python's unary - and + count a bool as 0 or 1 (``-True`` is -1, ``+True`` is 1) and
        # fail on anything but a number (JSONata's ``-`` fails on a boolean too)
        v = self.tmp("u")
        number = self.number_or_fail(v, t, "TypeError: bad operand type for unary " + e.op)
        return f"({v} := {self.ex(e.operand)}; {'-' if e.op == '-' else ''}{number})"

    def number_or_fail(self, v: str, t: str, message: str) -> str:
        """The number in variable ``v`` (of static type ``t``), a bool as 0 or 1, else an error."""
        if t == "bool":
            return f"({v} ? 1 : 0)"
        return (f"($type({v}) = \"boolean\" ? ({v} ? 1 : 0) : $type({v}) = \"number\" ? {v} : "
                f"{error(message)})")

    # ------------------------------------------------------------------ comparisons
    def top_kinds(self, e: ir.Expr) -> set[str]:
        """May ``e`` itself be a bool / a number?"""
        if isinstance(e, ir.Const):
            return _value_kinds(e.value) if not isinstance(e.value, (list, dict)) else set()
        t = self.types.of(e)
        return {BOOL} if t == "bool" else {NUM} if t in NUMERIC else {BOOL, NUM} if t == "any" else set()

    def deep_kinds(self, e: ir.Expr) -> set[str]:
        """May a bool / a number occur inside ``e`` (a list item or dict value, at any depth)?"""
        if isinstance(e, ir.Const):
            return _value_kinds(e.value) if isinstance(e.value, (list, dict)) else set()
        if isinstance(e, ir.ListExpr):
            return set().union(*(self.top_kinds(i) | self.deep_kinds(i) for i in e.items))
        if isinstance(e, ir.DictExpr) and all(k is not None for k, _ in e.entries):
            return set().union(*(self.top_kinds(v) | self.deep_kinds(v) for _, v in e.entries))
        return {BOOL, NUM} if self.types.of(e) in ("list", "dict", "any") else set()

    def py_eq(self, left: str, right: str) -> str:
        return f"$__eq({left}, {right})"

    def as_number(self, e: ir.Expr, text: str) -> str:
        """``text`` (the value of ``e``) with a boolean turned into 0 or 1, as Python compares it."""
        if isinstance(e, ir.Const) and isinstance(e.value, bool):
            return "1" if e.value else "0"
        t = self.types.of(e)
        if t == "bool":
            return f"({text} ? 1 : 0)"
        if BOOL not in self.top_kinds(e):
            return text
        v = self.tmp("q")
        return f"({v} := {text}; $type({v}) = \"boolean\" ? ({v} ? 1 : 0) : {v})"

    def e_Compare(self, e: ir.Compare) -> str:
        lt, rt = self.types.of(e.left), self.types.of(e.right)
        left, right = self.ex(e.left), self.ex(e.right)
        if e.op in ("is", "isnot"):
            eq = f"({left} = {right})"
            return eq if e.op == "is" else f"({left} != {right})"
        if e.op in ("==", "!="):
            if lt == rt == "timestamp":
                left, right = f"$toMillis({left})", f"$toMillis({right})"
            elif _cross(self.deep_kinds(e.left), self.deep_kinds(e.right)):
                test = self.py_eq(left, right)
                return test if e.op == "==" else f"$not({test})"
            elif _cross(self.top_kinds(e.left), self.top_kinds(e.right)):
                left, right = self.as_number(e.left, left), self.as_number(e.right, right)
            return f"({left} {'=' if e.op == '==' else '!='} {right})"
        if e.op in ("<", "<=", ">", ">="):
            if lt == "timestamp" or rt == "timestamp":
                return f"($toMillis({left}) {e.op} $toMillis({right}))"
            if "str" in (lt, rt) or (lt in NUMERIC and rt in NUMERIC):
                # a str orders only against a str: JSONata fails on anything else, as Python does
                return f"({left} {e.op} {right})"
            scalar = NUMERIC | {"bool"}
            if (lt in scalar and rt in scalar | {"any"}) or (rt in scalar and lt in scalar | {"any"}):
                return f"({self.as_number(e.left, left)} {e.op} {self.as_number(e.right, right)})"
            # lists order lexicographically, booleans as numbers (Python's rules)
            x, y = self.tmp("a"), self.tmp("b")
            test = {"<": f"$__lt({x}, {y})", "<=": f"($__lt({x}, {y}) or $__eq({x}, {y}))",
                    ">": f"$__lt({y}, {x})", ">=": f"($__lt({y}, {x}) or $__eq({x}, {y}))"}[e.op]
            return f"({x} := {left}; {y} := {right}; {test})"
        if e.op in ("in", "notin"):
            scalar = lt in NUMERIC | {"str", "bool", "none"}
            # JSONata's ``in`` compares with ``===``: no bool equals a number, no array or
            # object equals another one
            simple = scalar and not _cross(self.top_kinds(e.left), self.deep_kinds(e.right))
            if rt == "str":
                test = f"$contains({right}, {left})"
            elif rt == "list":
                test = f"({left} in {right})" if simple else self.py_in(left, right)
            elif rt == "dict":
                test = f"({left} in $keys({right}))"
            else:
                c = self.tmp("c")
                member = f"({left} in {c})" if simple else self.py_in(left, c)
                test = (f"({c} := {right}; $type({c}) = \"string\" ? $contains({c}, {left}) : $type({c}) = \"array\" ? "
                        f"{member} : $type({c}) = \"object\" ? ({left} in $keys({c})) : "
                        f"{error('TypeError: argument of type is not iterable')})")
            return test if e.op == "in" else f"$not({test})"
        raise AssertionError(e.op)

    def py_in(self, item: str, seq: str) -> str:
        x = self.tmp("x")
        return (f"({x} := {item}; "
                f"$reduce({seq}, function($__acc, $__e) {{ $__acc or $__eq($__e, {x}) }}, false))")

    def e_BoolOp(self, e: ir.BoolOp) -> str:
        if all(self.types.of(v) == "bool" for v in e.values):
            out = self.ex(e.values[-1])
            for v in reversed(e.values[:-1]):
                out = f"({self.ex(v)} ? {out} : false)" if e.op == "and" else f"({self.ex(v)} ? true : {out})"
            return out
        out = self.ex(e.values[-1])
        for v in reversed(e.values[:-1]):
            t = self.tmp("t")
            test = self.truthy_of(t, self.types.of(v))
            out = f"({t} := {self.ex(v)}; {test} ? {out if e.op == 'and' else t} : {t if e.op == 'and' else out})"
        return out

    def e_IfExp(self, e: ir.IfExp) -> str:
        return f"({self.truthy(e.test)} ? {self.ex(e.body)} : {self.ex(e.orelse)})"

    def e_ListExpr(self, e: ir.ListExpr) -> str:
        if all(self.types.of(i) not in ("list", "any") for i in e.items):
            return "[" + ", ".join(self.ex(i) for i in e.items) + "]"
        parts = [self.wrap(i) for i in e.items]
        out = parts[0]
        for p in parts[1:]:
            out = f"$append({out}, {p})"
        return out

    def wrap(self, e: ir.Expr) -> str:
        """A one-element array holding ``e``, even when ``e`` is itself an array."""
        t = self.types.of(e)
        if t == "list":
            text = self.ex(e)
            return f"[{text}]" if is_constructor(text) else f"[[{text}]]"
        if t != "any":
            return f"[{self.ex(e)}]"
        v = self.tmp("w")
        return f"({v} := {self.ex(e)}; $type({v}) = \"array\" ? [[{v}]] : [{v}])"

    def e_DictExpr(self, e: ir.DictExpr) -> str:
        groups: list[str] = []
        current: list[str] = []
        for key, value in e.entries:
            if key is None:
                if current:
                    groups.append("{" + ", ".join(current) + "}")
                    current = []
                groups.append(self.ex(value))
                continue
            if isinstance(key, ir.Const) and isinstance(key.value, str):
                k = string(key.value)
            elif isinstance(key, ir.Const):
                return error("TypeError: pyflow dict keys must be strings")
            else:
                k = self.ex(key)
            current.append(f"{k}: {self.value(value)}")
        if current or not groups:
            groups.append("{" + ", ".join(current) + "}")
        if len(groups) == 1 and not any(k is None for k, _ in e.entries):
            return groups[0]
        return "$merge([" + ", ".join(groups) + "])"

    def value(self, e: ir.Expr) -> str:
        """A value inside an object constructor: an undefined would drop the key silently."""
        if self.defined(e):
            return self.ex(e)
        v = self.tmp()
        return f"({v} := {self.ex(e)}; $exists({v}) ? {v} : {error('undefined value')})"

    def defined(self, e: ir.Expr) -> bool:
        """Is the JSONata text of ``e`` never undefined? Literals, locals, task results and
        displays are values; a subscript or a parameter read yields its value or fails the run
        (KeyError, IndexError, pyflow.MissingInput); arithmetic on values is a value (JSONata's
        operators are undefined only on an undefined operand)."""
        if isinstance(e, (ir.Const, ir.Var, ir.ListExpr, ir.DictExpr, ir.FString, ir.Compare, ir.TaskResult,
                          ir.Subscript, ir.Input)):
            return True
        if isinstance(e, ir.BinOp) and e.op in ("+", "-", "*", "/", "//", "%", "**"):
            return self.defined(e.left) and self.defined(e.right)
        return False

    def e_FString(self, e: ir.FString) -> str:
        parts = [string(p) if isinstance(p, str) else self.ex(p) for p in e.parts if p != ""]
        if not parts:
            return '""'
        if len(parts) == 1:
            return parts[0]
        return "(" + " & ".join(parts) + ")"

    # ------------------------------------------------------------------ Python helpers
    def truthy(self, e: ir.Expr) -> str:
        t = self.types.of(e)
        if t == "bool":
            return self.ex(e)
        if isinstance(e, (ir.Var, ir.TaskResult)):
            return self.truthy_of(self.ex(e), t)
        v = self.tmp("t")
        return f"({v} := {self.ex(e)}; {self.truthy_of(v, t)})"

    def truthy_of(self, v: str, t: str) -> str:
        if t == "bool":
            return v
        if t in NUMERIC:
            return f"({v} != 0)"
        if t == "str":
            return f"({v} != \"\")"
        if t == "list":
            return f"($count({v}) > 0)"
        if t == "dict":
            return f"($count($keys({v})) > 0)"
        if t == "none":
            return "false"
        return (f"($type({v}) = \"boolean\" ? {v} : $type({v}) = \"number\" ? {v} != 0 : $type({v}) = \"string\" ? "
                f"{v} != \"\" : $type({v}) = \"array\" ? $count({v}) > 0 : $type({v}) = \"object\" ? "
                f"$count($keys({v})) > 0 : false)")

    def to_str(self, e: ir.Expr, call: ir.Expr | None = None) -> str:
        t = self.types.of(e)
        if t in ("list", "dict") and call is not None:
            raise Rejected(f"str() of a {t} (Python's repr: quotes, True/None, float digits) has no faithful "
                           "JSONata translation", call, "use json.dumps(value) for a JSON text, or format it in a @task")
        x = self.ex(e)
        if t == "str":
            return x
        if t == "int":
            return int_text(x)
        if t == "number":  # an integral number of unknown kind prints as an int (docs/semantics.md)
            return f"$__num({x})"
        if t == "bool":
            return f"({x} ? \"True\" : \"False\")"
        if t == "none":
            return '"None"'
        if t == "float":
            return f"$__flt({x})"
        return f"$__str({x})"

    def e_Builtin(self, e: ir.Builtin) -> str:
        name, args = e.name, e.args
        method = getattr(self, "b_" + name, None)
        if method is None:
            return error(f"pyflow: {name}() has no JSONata translation")
        return method(*args)

    def b_bound(self, x: ir.Expr, name: ir.Expr) -> str:
        """A variable that may be unassigned here (``pyflow.cfg.guard_unassigned_reads``):
        JSONata reads an unassigned ASL Variable as nothing, which ``[$y]``, ``&`` and the
        tests would carry on with, where Python raises UnboundLocalError."""
        assert isinstance(name, ir.Const)
        v = self.ex(x)
        return (f"($exists({v}) ? {v} : {error('UnboundLocalError: cannot access local variable ' + repr(name.value) + ' where it is not associated with a value')})")

    def b_item(self) -> str:
        """A Map iteration's item: the iteration's input (its ``Items`` when batched)."""
        return self.item

    def b_error_output(self) -> str:
        return "$states.errorOutput"

    def b_branch_result(self, index: ir.Expr, name: ir.Expr) -> str:
        assert isinstance(index, ir.Const) and isinstance(name, ir.Const)
        return field_path(f"{self.result}[{index.value}]", str(name.value))

    def b_keep_filter(self, results: ir.Expr) -> str:
        """A filtered comprehension's Map results ({keep, value}) -> the kept values."""
        return ("$reduce(" + self.ex(results) + ", function($acc, $r) { $r.keep ? $append($acc, "
                "($type($r.value) = \"array\" ? [[$r.value]] : [$r.value])) : $acc }, [])")

    def b_at(self, seq: ir.Expr, i: ir.Expr) -> str:
        """A for loop's current item: the index is in range by construction. Python
        iterates a dict's keys and a str's characters."""
        t = self.types.of(seq)
        if t == "list":
            return f"{self.ex(seq)}[{self.ex(i)}]"
        if t == "dict":
            return f"$keys({self.ex(seq)})[{self.ex(i)}]"
        if t == "str":
            return f"$substring({self.ex(seq)}, {self.ex(i)}, 1)"
        c, k = self.tmp("c"), self.tmp("k")
        return (f"({c} := {self.ex(seq)}; {k} := {self.ex(i)}; $type({c}) = \"object\" ? $keys({c})[{k}] : "
                f"$type({c}) = \"string\" ? $substring({c}, {k}, 1) : {c}[{k}])")

    def b_str(self, x: ir.Expr) -> str:
        return self.to_str(x, ir.Builtin("str", (x,)))

    def b_len(self, x: ir.Expr) -> str:
        t = self.types.of(x)
        if t == "str":
            return f"$length({self.ex(x)})"
        if t == "list":
            return f"$count({self.ex(x)})"
        if t == "dict":
            return f"$count($keys({self.ex(x)}))"
        v = self.tmp("n")
        return (f"({v} := {self.ex(x)}; $type({v}) = \"string\" ? $length({v}) : $type({v}) = \"array\" ? $count({v}) : "
                f"$type({v}) = \"object\" ? $count($keys({v})) : {error('TypeError: object has no len()')})")

    def b_int(self, x: ir.Expr) -> str:
        t, v = self.types.of(x), self.tmp("n")
        number = f"({v} >= 0 ? $floor({v}) : $ceil({v}))"
        # Python's int() takes "+5" and "1_000" (single underscores between digits) too
        text = (f"($contains($trim({v}), /^[+-]?[0-9]+(_[0-9]+)*$/) ? "
                f"$number($replace($replace($trim({v}), \"+\", \"\"), \"_\", \"\")) : "
                f"{error('ValueError: invalid literal for int()')})")
        if t in ("int",):
            return self.ex(x)
        if t in ("float", "number"):
            return f"({v} := {self.ex(x)}; {number})"
        if t == "str":
            return f"({v} := {self.ex(x)}; {text})"
        if t == "bool":
            return f"({self.ex(x)} ? 1 : 0)"
        return (f"({v} := {self.ex(x)}; $type({v}) = \"number\" ? {number} : $type({v}) = \"string\" ? {text} : "
                f"$type({v}) = \"boolean\" ? ({v} ? 1 : 0) : {error('TypeError: int() argument')})")

    def b_float(self, x: ir.Expr) -> str:
        t, v = self.types.of(x), self.tmp("n")
        if t in NUMERIC:
            return self.ex(x)
        return (f"({v} := {self.ex(x)}; $type({v}) = \"number\" ? {v} : $type({v}) = \"string\" ? $number($trim({v})) : "
                f"$type({v}) = \"boolean\" ? ({v} ? 1 : 0) : {error('TypeError: float() argument')})")

    def b_bool(self, x: ir.Expr) -> str:
        return self.truthy(x)

    def b_abs(self, x: ir.Expr) -> str:
        t = self.types.of(x)
        if t in NUMERIC:
            return f"$abs({self.ex(x)})"
        v = self.tmp("n")  # abs(True) is 1; JSONata's $abs fails on a boolean
        return f"({v} := {self.ex(x)}; $abs({self.number_or_fail(v, t, 'TypeError: bad operand type for abs()')}))"

    def b_min(self, *xs: ir.Expr) -> str:
        return self.min_max(xs, "min")

    def b_max(self, *xs: ir.Expr) -> str:
        return self.min_max(xs, "max")

    def min_max(self, xs: tuple[ir.Expr, ...], which: str) -> str:
        """Python's min()/max(): the first smallest (largest) argument, itself (``min(True, 3)`` is
        ``True``), ordered by Python's ``<`` (strs, lists; a bool as a number; mixed kinds fail)."""
        if all(self.types.of(x) in NUMERIC for x in xs):
            return f"${which}([" + ", ".join(self.ex(x) for x in xs) + "])"
        r, x = self.tmp("r"), self.tmp("x")
        better = f"$__lt({x}, {r})" if which == "min" else f"$__lt({r}, {x})"
        parts = [f"{r} := {self.ex(xs[0])}"]
        for item in xs[1:]:
            parts.append(f"{x} := {self.ex(item)}; {r} := {better} ? {x} : {r}")
        return "(" + "; ".join(parts) + f"; {r})"

    def b_floor(self, x: ir.Expr) -> str:
        return f"$floor({self.ex(x)})"

    def b_ceil(self, x: ir.Expr) -> str:
        return f"$ceil({self.ex(x)})"

    def b_isinstance(self, x: ir.Expr, kinds: ir.Expr) -> str:
        assert isinstance(kinds, ir.Const)
        v = self.tmp("i")
        static = {"int": {"int"}, "float": {"float"}, "bool": {"bool", "int"}, "str": {"str"}, "list": {"list"},
                  "dict": {"dict"}, "none": {"type(None)"}}.get(self.types.of(x))
        if static is not None:
            # the kind is known from the code: JSON cannot tell 2.0 from 2 at run time, Python can
            answer = "true" if static & set(kinds.value) else "false"
            return answer if isinstance(x, ir.Const) else f"({v} := {self.ex(x)}; {answer})"
        tests = []
        for k in kinds.value:
            tests.append({
                "str": f"$type({v}) = \"string\"", "bool": f"$type({v}) = \"boolean\"",
                "int": f"($type({v}) = \"boolean\" or ($type({v}) = \"number\" and {v} = $floor({v})))",
                "float": f"($type({v}) = \"number\" and {v} != $floor({v}))",
                "dict": f"$type({v}) = \"object\"", "list": f"$type({v}) = \"array\"", "type(None)": f"$type({v}) = \"null\"",
            }[k])
        return f"({v} := {self.ex(x)}; {' or '.join(tests)})"

    def b_json_dumps(self, x: ir.Expr, sort: ir.Expr) -> str:
        if self.types.of(x) == "float":
            return self.to_str(x)  # json.dumps(2.0) is "2.0", as str(2.0)
        # a helper, not a local function: one bound here (it was $d) hid a user's local d
        name = "$__jsonsort" if isinstance(sort, ir.Const) and sort.value else "$__json"
        return ascii_escape(f"{name}({self.ex(x)})")

    def b_json_loads(self, x: ir.Expr) -> str:
        return f"$parse({self.ex(x)})"

    def b_fnmatch(self, s: ir.Expr, pattern: ir.Expr) -> str:
        if not (isinstance(pattern, ir.Const) and isinstance(pattern.value, str)):
            raise Rejected("fnmatch() with a computed pattern (the pattern is translated to a regular "
                           "expression when the workflow compiles)", ir.Builtin("fnmatch", (s, pattern)),
                           help="write the pattern as a str literal")
        return f"$contains({self.ex(s)}, /{fnmatch_regex(pattern.value)}/)"

    def b_is_timestamp(self, x: ir.Expr) -> str:
        v = self.tmp("ts")
        pattern = TIMESTAMP_PATTERN.replace("/", "\\/")
        return f"({v} := {self.ex(x)}; $type({v}) = \"string\" and $contains({v}, /{pattern}/))"

    def b_uuid(self) -> str:
        return "$uuid()"

    def b_hash(self, x: ir.Expr, alg: ir.Expr) -> str:
        return f"$hash({self.ex(x)}, {self.ex(alg)})"

    def b_randint(self, a: ir.Expr, b: ir.Expr) -> str:
        lo, hi = self.tmp("a"), self.tmp("b")
        return (f"({lo} := {self.ex(a)}; {hi} := {self.ex(b)}; {hi} < {lo} ? "
                f"{error('ValueError: empty range for randrange()')} : $floor($random() * ({hi} - {lo} + 1)) + {lo})")

    def b_timestamp(self, x: ir.Expr) -> str:
        return self.ex(x)

    def b_range(self, start: ir.Expr, stop: ir.Expr, step: ir.Expr) -> str:
        if isinstance(step, ir.Const) and step.value == 1:
            return f"[{self.ex(start)}..({self.ex(stop)} - 1)]"
        a, b, s = self.tmp("a"), self.tmp("b"), self.tmp("s")
        return (f"({a} := {self.ex(start)}; {b} := {self.ex(stop)}; {s} := {self.ex(step)}; {s} = 0 ? "
                f"{error('ValueError: range() arg 3 must not be zero')} : "
                f"[$map([0..($ceil(({b} - {a}) / {s}) - 1)], function($i) {{ {a} + $i * {s} }})])")

    def b_list(self, x: ir.Expr) -> str:
        """``list(x)``, and what a loop or a Map iterates: a list's items, a str's
        characters, a dict's keys (in insertion order, which ``$keys`` keeps)."""
        t = self.types.of(x)
        if t == "list":
            return self.ex(x)
        v = self.tmp("l")
        # characters by code point, as Python counts them ($split(s, "") splits UTF-16 units)
        chars = f"[$map([0..($length({v}) - 1)], function($__i) {{ $substring({v}, $__i, 1) }})]"
        if t == "str":
            return f"({v} := {self.ex(x)}; {chars})"
        if t == "dict":
            return f"[$keys({self.ex(x)})]"
        return (f"({v} := {self.ex(x)}; $type({v}) = \"array\" ? {v} : $type({v}) = \"string\" ? {chars} : "
                f"$type({v}) = \"object\" ? [$keys({v})] : {error('TypeError: object is not iterable')})")

    def b_concat_lists(self, *parts: ir.Expr) -> str:
        out = self.ex(parts[0])
        for p in parts[1:]:
            out = f"$append({out}, {self.ex(p)})"
        return out

    def b_check_unpack(self, x: ir.Expr, n: ir.Expr) -> str:
        v = self.tmp("u")
        return (f"({v} := {self.ex(x)}; $type({v}) = \"array\" and $count({v}) = {self.ex(n)} ? {v} : "
                f"{error('ValueError: wrong number of values to unpack')})")

    def b_setitem(self, d: ir.Expr, k: ir.Expr, v: ir.Expr) -> str:
        """``d[k] = v`` as a new value: a dict with ``k`` set (last in order if new), or a
        list with item ``k`` replaced (an index out of range is an IndexError)."""
        t = self.types.of(d)
        if t == "dict":
            return f"$merge([{self.ex(d)}, {{{self.ex(k)}: {self.value(v)}}}])"
        c, key, val, n, j = self.tmp("c"), self.tmp("k"), self.tmp("v"), self.tmp("n"), self.tmp("j")
        index = f"($type({key}) = \"boolean\" ? ({key} ? 1 : 0) : {key})"
        in_list = (f"({n} := $count({c}); {j} := {index}; ($type({j}) = \"number\" and {j} = $floor({j}) and "
                   f"{j} < {n} and {j} >= -{n}) ? ({j} := {j} < 0 ? {j} + {n} : {j}; "
                   f"$reduce([0..({n} - 1)], function($__acc, $__i) {{ $append($__acc, ($__e := $__i = {j} ? {val} : "
                   f"{c}[$__i]; $type($__e) = \"array\" ? [[$__e]] : [$__e])) }}, [])) : "
                   f"{error('IndexError: list assignment index out of range')})")
        head = f"({val} := {self.value(v)}; {c} := {self.ex(d)}; {key} := {self.ex(k)}; "
        if t == "list":
            return head + in_list + ")"
        return (head + f"$type({c}) = \"array\" ? {in_list} : $type({c}) = \"object\" ? "
                f"$merge([{c}, {{{key}: {val}}}]) : {error('TypeError: object does not support item assignment')})")

    def b_m_split(self, s: ir.Expr, sep: ir.Expr) -> str:
        if isinstance(sep, ir.Const) and isinstance(sep.value, str) and sep.value:
            return f"$split({self.ex(s)}, {self.ex(sep)})"
        # Python's s.split("") is a ValueError; JSONata's $split(s, "") splits out the characters
        a, p = self.tmp("s"), self.tmp("p")
        return (f"({a} := {self.ex(s)}; {p} := {self.ex(sep)}; {p} = \"\" ? {error('ValueError: empty separator')} : "
                f"$split({a}, {p}))")

    def b_m_upper(self, s: ir.Expr) -> str:
        return f"$uppercase({self.ex(s)})"

    def b_m_lower(self, s: ir.Expr) -> str:
        return f"$lowercase({self.ex(s)})"

    def b_m_strip(self, s: ir.Expr) -> str:
        return f"$replace({self.ex(s)}, /^\\s+|\\s+$/, \"\")"

    def b_m_lstrip(self, s: ir.Expr) -> str:
        return f"$replace({self.ex(s)}, /^\\s+/, \"\")"

    def b_m_rstrip(self, s: ir.Expr) -> str:
        return f"$replace({self.ex(s)}, /\\s+$/, \"\")"

    def b_m_startswith(self, s: ir.Expr, p: ir.Expr) -> str:
        a, b = self.tmp("s"), self.tmp("p")
        return f"({a} := {self.ex(s)}; {b} := {self.ex(p)}; $substring({a}, 0, $length({b})) = {b})"

    def b_m_endswith(self, s: ir.Expr, p: ir.Expr) -> str:
        a, b = self.tmp("s"), self.tmp("p")
        return (f"({a} := {self.ex(s)}; {b} := {self.ex(p)}; $length({b}) = 0 or ($length({a}) >= $length({b}) and "
                f"$substring({a}, $length({a}) - $length({b})) = {b}))")

    def b_m_replace(self, s: ir.Expr, old: ir.Expr, new: ir.Expr) -> str:
        if isinstance(old, ir.Const) and isinstance(old.value, str) and old.value \
                and isinstance(new, ir.Const) and isinstance(new.value, str) and "$" not in new.value:
            return f"$replace({self.ex(s)}, {self.ex(old)}, {self.ex(new)})"
        # split and join: engines read "$0" and "$$" in a $replace replacement as the match (not
        # all alike), Python's replacement is literal; and Python's s.replace("", x) puts x around
        # every character ("ab" -> "xaxbx") where $replace fails on an empty pattern
        a, o, n = self.tmp("s"), self.tmp("o"), self.tmp("r")
        chars = f"[$map([0..($length({a}) - 1)], function($__i) {{ $substring({a}, $__i, 1) }})]"
        empty = "" if isinstance(old, ir.Const) and old.value else \
            f"{o} = \"\" ? ($length({a}) = 0 ? {n} : {n} & $join({chars}, {n}) & {n}) : "
        return (f"({a} := {self.ex(s)}; {o} := {self.ex(old)}; {n} := {self.ex(new)}; "
                f"{empty}$join($split({a}, {o}), {n}))")

    def b_m_join(self, sep: ir.Expr, xs: ir.Expr) -> str:
        return f"$join({self.ex(xs)}, {self.ex(sep)})"

    def b_m_get(self, d: ir.Expr, k: ir.Expr, default: ir.Expr | None = None) -> str:
        v = self.tmp("g")
        fallback = self.ex(default) if default is not None else "null"
        if self.types.of(d) == "dict" and self.types.of(k) == "str":
            return f"({v} := $lookup({self.ex(d)}, {self.ex(k)}); $exists({v}) ? {v} : {fallback})"
        # only a dict has .get (an AttributeError otherwise, where $lookup finds nothing); a key
        # that is not a str is never in a JSON object (a list or dict key is a TypeError)
        o, key = self.tmp("o"), self.tmp("k")
        check = "" if self.types.of(d) == "dict" else \
            f"$type({o}) != \"object\" ? {error('AttributeError: object has no attribute get')} : "
        return (f"({o} := {self.ex(d)}; {key} := {self.ex(k)}; {check}"
                f"($type({key}) = \"array\" or $type({key}) = \"object\") ? {error('TypeError: unhashable type')} : "
                f"({v} := $type({key}) = \"string\" ? $lookup({o}, {key}) : [][0]; $exists({v}) ? {v} : {fallback}))")

    def dict_entries(self, d: ir.Expr, entry: str) -> str:
        """A list with one item per key of dict ``d``, in order: ``entry`` (JSONata text
        of an array holding that one item, with ``$__k`` the key and ``$__o`` the dict)."""
        o = self.tmp("o")
        check = "" if self.types.of(d) == "dict" else \
            f"$type({o}) != \"object\" ? {error('AttributeError: not a dict')} : "
        return (f"({o} := {self.ex(d)}; {check}$count($keys({o})) = 0 ? [] : "
                f"$reduce($keys({o}), function($__acc, $__k) {{ $append($__acc, {entry.replace('$__o', o)}) }}, []))")

    def b_m_keys(self, d: ir.Expr) -> str:
        if self.types.of(d) == "dict":
            return f"[$keys({self.ex(d)})]"
        return self.dict_entries(d, "[$__k]")

    def b_m_values(self, d: ir.Expr) -> str:
        return self.dict_entries(d, "($__v := $lookup($__o, $__k); $type($__v) = \"array\" ? [[$__v]] : [$__v])")

    def b_m_items(self, d: ir.Expr) -> str:
        pair = "$append([$__k], ($__v := $lookup($__o, $__k); $type($__v) = \"array\" ? [[$__v]] : [$__v]))"
        return self.dict_entries(d, f"[[{pair}]]")


# Python's str() of numbers. $string writes the shortest digits that read back as the number, as
# Python's repr() does, but Step Functions' JSONata writes at most 15 significant digits
# ($string(0.1 + 0.2) is "0.3"): a number that needs more fails the run rather than print
# different digits (docs/semantics.md). The layouts differ only at the ends:
# - a non-integral float is below 2**52 in magnitude, where $string writes fixed notation as Python
#   does, except below 1e-4: Python writes 1e-05 and 1.5e-07, JavaScript 0.00001 down to 1e-6 and
#   1.5e-7 below (small_float);
# - an integral float is "2.0" in Python; from 1e16 on it is 1e+16 and 1.5e+16, which $string
#   writes as 10000000000000000 below 1e21 (JavaScript) or already as 1.5e+16 (jsonata-python).
# Each formatter is a JSONata function (HELPERS) that with_helpers binds once at the head of a
# field expression that calls it: its text counts against Step Functions' 1 MB definition limit
# once per expression however many values the expression prints, and a call site stays short.
# The functions' own parameters and locals need no reserved prefix: their bodies hold no user text.
DIGITS_ERROR = "ValueError: pyflow: str() needs over 15 significant digits"


def small_float(text: str) -> str:
    """Python's repr() of a nonzero float below 1e-4 in magnitude whose $string is ``text``
    (0.0000123 is 1.23e-05, 0.000001 is 1e-06, -1.5e-7 is -1.5e-07). ``text`` is one of
    -?0.0000d..., -?0.00000d... or -?d[.d...]e-N, so the unanchored patterns cannot match
    anywhere else; the last one also drops the "." of a one-digit mantissa (1.e-05)."""
    return (f'$replace($replace($replace({text}, /0[.]0000([1-9])(.*)/, "$1.$2e-5"), '
            f'/0[.]00000([1-9])(.*)/, "$1.$2e-6"), /[.]?e-([1-9])$/, "e-0$1")')


# str() of a number whose int-or-float kind is not known at compile time: an integral one prints
# as an int (docs/semantics.md), any other as Python's float; json.dumps of a non-integral float.
# $string's digits laid out as Python's repr() (small_float below 1e-4; it leaves 0 as it is).
NUM_FN = (f"function($v) {{ ($f := $string($v); $number($f) != $v ? {error(DIGITS_ERROR)} : "
          f"$abs($v) < 1e-4 ? {small_float('$f')} : $f) }}")

# str() of a float: an integral one below 1e16 is its digits and ".0" (below 1e15 $string writes them
# all; $formatBase where $string may write 1e+15), from 1e16 on 1e+16 and 1.5e+16 as Python does.
FLT_FN = (f"function($v) {{ ($v = $floor($v) and $abs($v) < 1e15) ? $string($v) & \".0\" : "
          f"($f := $string($v); $number($f) != $v ? {error(DIGITS_ERROR)} : "
          f"$v != $floor($v) ? ($abs($v) < 1e-4 ? {small_float('$f')} : $f) : "
          f"$abs($v) < 1e16 ? $formatBase($v, 10) & \".0\" : $contains($f, \"e\") ? $f : "
          f"$replace($replace($f, /0+$/, \"\"), /^(-?[0-9])([0-9])/, \"$1.$2\") & \"e+\" & "
          f"($length($replace($f, \"-\", \"\")) - 1)) }}")

# str() of an int: $string's 15 significant digits are exact below 1e15; above, a number they
# cannot hold fails the run (so does an int from 1e21, which JSONata prints as 1e+21, as Python
# prints such a float).
INT_FN = (f"function($v) {{ ($t := $string($v); $abs($v) < 1e15 or $number($t) = $v and $abs($v) < 1e21 ? $t : "
          f"{error(DIGITS_ERROR)}) }}")

# Python's str() of a JSON value of unknown type, and with ``$r`` true its repr() (what str()
# prints for a list or dict, and for the items inside): True/False/None, numbers as NUM_FN (one
# function rather than two: an expression that prints a value of unknown type often prints a
# number too, and with_helpers then binds $__num to this one), ", " and ": " between items, a str as
# itself, or in repr in single quotes, or in double quotes when it holds a ' and no "; a backslash,
# that quote, \t \n \r escaped, and the characters Python does not print (C0 and C1 controls, DEL,
# U+00A0, U+00AD) as \xNN. Beyond U+036F Python escapes what its Unicode tables call unprintable,
# which JSONata cannot see: text outside Latin, Cyrillic (U+0400-U+052F) and the CJK ideographs
# every Python version prints (U+4E00-U+9FA5) fails the run.
# (The ' in the regex is \x27: a bare one would read as a string to ``top_level``.)
STR_FN = (
    r"""function($v, $r) { ($t := $type($v); $t = "string" ? ($r ? """
    r"""($contains($v, /[^\x00-\u036f\u0400-\u052f\u4e00-\u9fa5]/) ? """
    r"""$error("ValueError: pyflow: str() of text Python escapes by Unicode category") : """
    r"""($d := $contains($v, "'") and $not($contains($v, "\"")); $q := $d ? "\"" : "'"; """
    r"""$q & $replace($v, /[\\\x00-\x1f\x7f-\xa0\xad\x27]/, function($m) { ($c := $m.match; """
    r"""$c = "'" ? ($d ? $c : "\\'") : $c = "\\" ? "\\\\" : $c = "\n" ? "\\n" : $c = "\r" ? "\\r" : """
    r"""$c = "\t" ? "\\t" : "\\x" & $lowercase($substring($encodeUrlComponent($c), -2))) }) & $q)) : $v) : """
    r"""$t = "array" ? "[" & $join([$map($v, function($i) { $__str($i, 1) })], ", ") & "]" : """
    r"""$t = "object" ? "{" & $join([$map($keys($v), function($k) { $__str($k, 1) & ": " & """
    r"""$__str($lookup($v, $k), 1) })], ", ") & "}" : """
    r"""$t = "boolean" ? ($v ? "True" : "False") : $t = "null" ? "None" : """
    + NUM_FN[len("function($v) { "):-len(" }")] + ") }")


def json_fn(name: str, sort: bool) -> str:
    """Python's json.dumps (default separators, ensure_ascii applied by the caller) as the
    recursive JSONata function ``name``: keys in order, or sorted (sort_keys=True)."""
    keys = "$sort($keys($v))" if sort else "$keys($v)"
    quoted = "$substring($string([{0}]), 1, $length($string([{0}])) - 2)"
    return (f"function($v) {{ $type($v) = \"array\" ? \"[\" & $join([$map($v, function($e) {{ {name}($e) }})], \", \") "
            f"& \"]\" : $type($v) = \"object\" ? \"{{\" & $join([$map({keys}, function($k) {{ {quoted.format('$k')} & "
            f"\": \" & {name}($lookup($v, $k)) }})], \", \") & \"}}\" : $type($v) = \"number\" and $v != $floor($v) ? "
            f"$__num($v) : $type($v) = \"number\" or $type($v) = \"boolean\" or $type($v) = \"null\" ? $string($v) : "
            f"{quoted.format('$v')} }}")


# Every helper by name, in the order with_helpers binds them. A name must not be bound anywhere
# else in emitted text (so a call always reaches the helper): ``$__`` keeps user locals away.
HELPERS: dict[str, str] = {
    "$__str": STR_FN, "$__num": NUM_FN, "$__flt": FLT_FN, "$__int": INT_FN,
    "$__json": json_fn("$__json", False), "$__jsonsort": json_fn("$__jsonsort", True),
    "$__eq": EQ_FN, "$__lt": LT_FN,
}
# a helper that another one, when bound as well, answers alike: bound to it, not to a copy
ALIASES = {"$__num": "$__str"}
_HELPER_CALL = re.compile(r"\$__(?:" + "|".join(n[3:] for n in HELPERS) + r")(?=\()")


def helpers_called(text: str) -> set[str]:
    """The helpers ``text`` calls, and those they call in turn."""
    found: set[str] = set()
    todo = set(_HELPER_CALL.findall(text))
    while todo:
        name = todo.pop()
        if name not in found:
            found.add(name)
            todo |= set(_HELPER_CALL.findall(HELPERS[name]))
    return found


def with_helpers(text: str) -> str:
    """A whole field expression ``text`` with the helpers it calls bound once at its head. (A
    helper's name inside a user's string literal only binds one that is never called.)"""
    needed = helpers_called(text)
    if not needed:
        return text
    binds = [f"{name} := {ALIASES[name] if ALIASES.get(name) in needed else fn}; "
             for name, fn in HELPERS.items() if name in needed]
    return "(" + "".join(binds) + text + ")"


def int_text(x: str) -> str:
    """Python's str() of the integral number ``x`` (INT_FN); a literal needs no call."""
    if re.fullmatch(r"-?[0-9]{1,15}", x):
        return string(x)
    return f"$__int({x})"


# Python's json.dumps escapes every character outside " " .. "~" (ensure_ascii): "é" is "\\u00e9",
# a character above U+FFFF a surrogate pair. JSONata has no code point function: the
# character's UTF-8 bytes ($encodeUrlComponent) give it. The regex matches a surrogate pair
# whole where strings are UTF-16 (JavaScript), a code point elsewhere.
HEX4 = "function($__n) { $pad($formatBase($__n, 16), -4, \"0\") }"
ASCII_CHAR = ("function($__m) { ($__b := $map($split($substring($encodeUrlComponent($__m.match), 1), \"%\"), "
              "function($__h) { $reduce($split($lowercase($__h), \"\"), function($__a, $__c) { $__a * 16 + "
              "$lookup({\"0\": 0, \"1\": 1, \"2\": 2, \"3\": 3, \"4\": 4, \"5\": 5, \"6\": 6, \"7\": 7, "
              "\"8\": 8, \"9\": 9, \"a\": 10, \"b\": 11, \"c\": 12, \"d\": 13, \"e\": 14, \"f\": 15}, $__c) }, 0) }); "
              "$__p := $count($__b) = 1 ? $__b : $reduce($__b[[1..3]], function($__a, $__x) { $__a * 64 + $__x - 128 }, "
              "$__b[0] - ($count($__b) = 2 ? 192 : $count($__b) = 3 ? 224 : 240)); "
              f"$__hex := {HEX4}; "
              "$__p < 65536 ? \"\\\\u\" & $__hex($__p) : \"\\\\u\" & $__hex(55296 + $floor(($__p - 65536) / 1024)) & "
              "\"\\\\u\" & $__hex(56320 + ($__p - 65536) % 1024)) }")


def ascii_escape(text: str) -> str:
    """JSON text ``text`` with every non-ASCII character (and DEL) escaped as Python's json.dumps does."""
    return f"$replace({text}, /[\\ud800-\\udbff][\\udc00-\\udfff]|[^\\x20-\\x7e]/, {ASCII_CHAR})"


# a string literal (skipped whole, to its end if unterminated) or one structural character
_STRUCTURE = re.compile(r""""(?:[^"\\]|\\.)*(?:"|\\?\Z)|'(?:[^'\\]|\\.)*(?:'|\\?\Z)|[\[\](){};:]""", re.S)


def top_level(text: str) -> Iterator[tuple[int, str, int]]:
    """(index, char, depth) for each bracket, ``;`` and ``:`` of JSONata ``text``
    outside string literals; depth counts open brackets including the one at that
    index. A regex finds them: the emitted expressions are long, and a loop over
    every character was a tenth of a large workflow's compile."""
    depth = 0
    for match in _STRUCTURE.finditer(text):
        ch = match.group()
        if len(ch) != 1 or ch in "\"'":
            continue  # a string literal
        if ch in "[({":
            depth += 1
        yield match.start(), ch, depth
        if ch in "])}":
            depth -= 1


def is_group(text: str, opener: str, closer: str) -> bool:
    """Is all of ``text`` one bracketed group ``opener ... closer``?"""
    if not (text.startswith(opener) and text.endswith(closer)):
        return False
    return all(not (ch in "])}" and depth == 1 and i != len(text) - 1) for i, ch, depth in top_level(text))


def is_constructor(text: str) -> bool:
    """Is ``text`` one JSONata array constructor ``[...]`` (kept nested inside another)?"""
    return is_group(text, "[", "]")


def _class_char(ch: str) -> str:
    """One character of a shell pattern, literal in a regex (and inside ``[...]``). JSONata
    finds a regex's closing ``/`` by counting brackets not preceded by a backslash, so an
    escaped backslash before a bracket (``\\\\[``) would hide the ``/``: a backslash is
    ``\\x5c``; brackets, ``^`` and ``/`` are escaped (``-`` stays: it makes ranges)."""
    if ch == "\\":
        return "\\x5c"
    if ch in "[]^/":
        return "\\" + ch
    return ch


def fnmatch_regex(pattern: str) -> str:
    """A shell pattern (``fnmatch.fnmatchcase``) as an anchored JavaScript regex body."""
    out, i, n = ["^"], 0, len(pattern)
    while i < n:
        c = pattern[i]
        i += 1
        if c == "*":
            out.append("[\\s\\S]*")
        elif c == "?":
            out.append("[\\s\\S]")
        elif c == "[":
            j = i
            if j < n and pattern[j] == "!":
                j += 1
            if j < n and pattern[j] == "]":
                j += 1
            while j < n and pattern[j] != "]":
                j += 1
            if j >= n:
                out.append("\\[")
            else:
                body = pattern[i:j]
                i = j + 1
                negate = body.startswith("!")
                body = "".join(_class_char(ch) for ch in (body[1:] if negate else body))
                out.append(f"[{'^' if negate else ''}{body}]")
        else:
            out.append(_class_char(c) if c in "\\/[]" else re.escape(c))
    out.append("$")
    return "".join(out)
