"""Lowering of expressions to ``pyflow.ir`` trees (a mixin of ``FunctionLowerer``):
names, attributes and the context object, operators and comparisons, f-strings,
str/dict methods. Task calls met inside an expression are hoisted (``pending``), in
Python's evaluation order; calls are ``calls``.
"""
from __future__ import annotations

from typing import Any

import libcst as cst

from pyflow import ir
from pyflow.frontend.common import Unsupported
from pyflow.frontend.modules import literal
from pyflow.frontend.subset import MAX_EXPR_DEPTH, _nested_deeper_than

STRING_METHODS = {
    "split": (0, 1), "upper": (0, 0), "lower": (0, 0), "strip": (0, 0), "lstrip": (0, 0), "rstrip": (0, 0),
    "startswith": (1, 1), "endswith": (1, 1), "replace": (2, 2), "join": (1, 1), "get": (1, 2),
    "keys": (0, 0), "values": (0, 0), "items": (0, 0),
}


_BINOPS = {
    "Add": "+", "Subtract": "-", "Multiply": "*", "Divide": "/", "FloorDivide": "//", "Modulo": "%", "Power": "**",
}


_CMPOPS = {
    "Equal": "==", "NotEqual": "!=", "LessThan": "<", "LessThanEqual": "<=", "GreaterThan": ">",
    "GreaterThanEqual": ">=", "In": "in", "NotIn": "notin", "Is": "is", "IsNot": "isnot",
}



class ExpressionLowering:
    """Mixin: see the module docstring."""

    def value_or_task(self, node: cst.BaseExpression, target: str | None) -> ir.Expr:
        return self.expr(node)

    # ------------------------------------------------------------ expressions
    def condition(self, node: cst.BaseExpression) -> ir.Expr:
        return self.expr(node)

    def expr(self, node: cst.BaseExpression) -> ir.Expr:
        outer = not self.__dict__.get("in_expr", False)
        if outer and _nested_deeper_than(node, MAX_EXPR_DEPTH):  # later stages recurse on the IR
            self.error("PF101", f"this expression is nested more than {MAX_EXPR_DEPTH} levels deep", node)
            raise Unsupported
        self.in_expr = True
        try:
            return self._expr(node)
        except RecursionError:
            self.error("PF101", "this expression is nested too deeply", node)
            raise Unsupported from None
        finally:
            if outer:
                self.in_expr = False

    def _expr(self, node: cst.BaseExpression) -> ir.Expr:
        if isinstance(node, (cst.Integer, cst.Float, cst.SimpleString, cst.ConcatenatedString)):
            try:
                value = literal(node)
            except (ValueError, SyntaxError, MemoryError):
                self.error("PF101", "this literal cannot be represented", node)
                raise Unsupported from None
            if isinstance(value, bytes):
                self.error("PF101", "bytes are not JSON values", node, help="use a str")
                raise Unsupported
            if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
                self.error("PF101", "inf and nan are not JSON values", node)
                raise Unsupported
            if isinstance(value, int) and abs(value) > 2 ** 53:
                self.error("PF101", "this integer is beyond 2**53: Step Functions would not keep it exact", node,
                           help="pass large integers as strings, or compute with them in a @task")
                raise Unsupported
            return ir.Const(value)
        if isinstance(node, cst.Imaginary):
            self.error("PF101", "complex numbers are not JSON values", node)
            raise Unsupported
        if isinstance(node, cst.Name):
            return self.name(node)
        if isinstance(node, cst.Attribute):
            return self.attribute(node)
        if isinstance(node, cst.Subscript):
            if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
                self.error("PF101", "slices are not supported", node, help="use a @task for slicing")
                raise Unsupported
            return ir.Subscript(self._expr(node.value), self._expr(node.slice[0].slice.value))
        if isinstance(node, cst.BinaryOperation):
            op = _BINOPS.get(type(node.operator).__name__)
            if op is None:
                self.error("PF102", f"the operator `{cst.Module([]).code_for_node(node.operator).strip()}` is not supported",
                           node.operator, help="compute this in a @task")
                raise Unsupported
            if op == "%" and isinstance(node.left, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
                self.error("PF102", "printf-style `%` formatting of a str is not supported", node.operator,
                           help="write an f-string: f\"{name}-{count}\"")
                raise Unsupported
            return ir.BinOp(op, self._expr(node.left), self._expr(node.right))
        if isinstance(node, cst.UnaryOperation):
            op = {"Minus": "-", "Plus": "+", "Not": "not"}.get(type(node.operator).__name__)
            if op is None:
                self.error("PF102", "bitwise inversion is not supported", node)
                raise Unsupported
            operand = self._expr(node.expression)
            if op == "-" and isinstance(operand, ir.Const) and isinstance(operand.value, (int, float)) \
                    and not isinstance(operand.value, bool):
                return ir.Const(-operand.value)
            return ir.UnaryOp(op, operand)
        if isinstance(node, cst.BooleanOperation):
            op = "and" if isinstance(node.operator, cst.And) else "or"
            left = self._expr(node.left)
            before = len(self.pending)
            right = self._expr(node.right)
            if len(self.pending) != before:
                self.error("PF106", f"a task call on the right of `{op}` may not run in Python", node.right,
                           help="call the task in its own statement first, or use an if statement")
                raise Unsupported
            values: list[ir.Expr] = []
            for v in (left, right):
                values.extend(v.values if isinstance(v, ir.BoolOp) and v.op == op else (v,))
            return ir.BoolOp(op, tuple(values))
        if isinstance(node, cst.Comparison):
            return self.comparison(node)
        if isinstance(node, cst.IfExp):
            test = self._expr(node.test)
            before = len(self.pending)
            body, orelse = self._expr(node.body), self._expr(node.orelse)
            if len(self.pending) != before:
                self.error("PF106", "a task call inside a conditional expression may not run in Python", node,
                           help="use an if statement")
                raise Unsupported
            return ir.IfExp(test, body, orelse)
        if isinstance(node, (cst.List, cst.Tuple)):
            items = []
            for el in node.elements:
                if isinstance(el, cst.StarredElement):
                    items.append(ir.Builtin("spread", (self._expr(el.value),)))
                else:
                    items.append(self._expr(el.value))
            if any(isinstance(i, ir.Builtin) and i.name == "spread" for i in items):
                return ir.Builtin("concat_lists", tuple(
                    i.args[0] if isinstance(i, ir.Builtin) and i.name == "spread" else ir.ListExpr((i,)) for i in items))
            return ir.ListExpr(tuple(items))
        if isinstance(node, cst.Dict):
            entries: list[tuple[ir.Expr | None, ir.Expr]] = []
            for el in node.elements:
                if isinstance(el, cst.StarredDictElement):
                    entries.append((None, self._expr(el.value)))
                else:
                    key = self._expr(el.key)
                    entries.append((key, self._expr(el.value)))
            return ir.DictExpr(tuple(entries))
        if isinstance(node, cst.FormattedString):
            return self.fstring(node)
        if isinstance(node, cst.Call):
            return self.call(node)
        if isinstance(node, cst.ListComp):
            return self.comprehension(node)
        if isinstance(node, (cst.GeneratorExp, cst.SetComp, cst.DictComp)):
            self.error("PF101", "only list comprehensions ([f(x) for x in xs]) become Map states", node,
                       help="use a for loop")
            raise Unsupported
        if isinstance(node, cst.Lambda):
            self.error("PF101", "lambda is only allowed as the function of pf.map", node)
            raise Unsupported
        if isinstance(node, cst.Set):
            self.error("PF101", "sets are not JSON values", node, help="use a list")
            raise Unsupported
        self.error("PF101", f"`{type(node).__name__}` expressions are not supported in a workflow", node,
                   help="compute this value in a @task")
        raise Unsupported

    def name(self, node: cst.Name) -> ir.Expr:
        value = node.value
        if value in self.locals:
            return ir.Var(self.renames.get(value, value))
        if value in ("None", "True", "False"):
            return ir.Const({"None": None, "True": True, "False": False}[value])
        if value in self.mod.constants:
            const = self.mod.constants[value]
            if _is_json(const):
                return ir.Const(_jsonify(const))
        self.error("PF103", f"name {value!r} is not defined in this workflow", node,
                   help="use a parameter, a local assigned earlier, or a module-level literal constant")
        raise Unsupported

    def attribute(self, node: cst.Attribute) -> ir.Expr:
        chain: list[str] = []
        cur: cst.BaseExpression = node
        while isinstance(cur, cst.Attribute):
            chain.append(cur.attr.value)
            cur = cur.value
        chain.reverse()
        if self.mod.pyflow_name(cur) == "context" or (isinstance(cur, cst.Name) and False):
            return self.context_path(chain, node)
        for q in self.mod.qualified(node):
            if q.startswith("pyflow.context.") or q.startswith("pyflow.api.context."):
                rest = q.split("context.", 1)[1].split(".")
                return self.context_path(rest, node)
        if isinstance(cur, cst.Name) and cur.value in self.locals and chain in (["error"], ["cause"]):
            return ir.Subscript(self.name(cur), ir.Const(chain[0].capitalize()))
        self.error("PF101", "attribute access is not supported here", node,
                   help="read dict fields with d[\"key\"]")
        raise Unsupported

    def context_path(self, chain: list[str], node: cst.CSTNode) -> ir.Expr:
        mapping = {
            ("execution", "id"): ("Execution", "Id"), ("execution", "name"): ("Execution", "Name"),
            ("execution", "start_time"): ("Execution", "StartTime"), ("execution", "role_arn"): ("Execution", "RoleArn"),
            ("execution", "input"): ("Execution", "Input"), ("state", "name"): ("State", "Name"),
            ("state", "entered_time"): ("State", "EnteredTime"), ("state", "retry_count"): ("State", "RetryCount"),
            ("state_machine", "id"): ("StateMachine", "Id"), ("state_machine", "name"): ("StateMachine", "Name"),
            ("task", "token"): ("Task", "Token"),
        }
        path = mapping.get(tuple(chain))
        if path is None:
            self.error("PF101", f"pf.context.{'.'.join(chain)} is not a Context object field", node,
                       help="use one of: " + ", ".join("pf.context." + ".".join(k) for k in mapping))
            raise Unsupported
        return ir.Context(path)

    def comparison(self, node: cst.Comparison) -> ir.Expr:
        left = self._expr(node.left)
        parts: list[ir.Expr] = []
        before = len(self.pending)
        for i, target in enumerate(node.comparisons):
            op = _CMPOPS.get(type(target.operator).__name__)
            if op is None:
                self.error("PF102", "this comparison operator is not supported", target.operator)
                raise Unsupported
            right = self._expr(target.comparator)
            if i > 0 and len(self.pending) != before:
                self.error("PF106", "a task call in a chained comparison may not run in Python", target.comparator,
                           help="call the task in its own statement first")
                raise Unsupported
            before = len(self.pending)
            parts.append(ir.Compare(op, left, right))
            left = right
        return parts[0] if len(parts) == 1 else ir.BoolOp("and", tuple(parts))

    def fstring(self, node: cst.FormattedString) -> ir.Expr:
        parts: list[str | ir.Expr] = []
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                text = part.value.replace("{{", "{").replace("}}", "}")
                try:
                    text = literal(cst.SimpleString('"' + text.replace('"', '\\"') + '"')) if "\\" in text else text
                except (ValueError, SyntaxError):
                    pass
                parts.append(text)
            else:
                assert isinstance(part, cst.FormattedStringExpression)
                if part.format_spec or part.conversion:
                    self.error("PF101", "format specs and conversions in f-strings are not supported", part,
                               help="format the value in a @task, or use str()")
                    raise Unsupported
                value = ir.Builtin("str", (self._expr(part.expression),))
                self.note_span(value, part.expression)
                parts.append(value)
        return ir.FString(tuple(parts))

    def note_span(self, value: ir.Expr, node: cst.CSTNode) -> None:
        try:
            self.expr_spans.setdefault(value, lambda: self.exact_span(node))  # computed only if reported
        except TypeError:  # a constant list or dict inside: not hashable, no span kept
            pass

    def method(self, func: cst.Attribute, node: cst.Call) -> ir.Expr:
        meth = func.attr.value
        lo, hi = STRING_METHODS[meth]
        if any(a.keyword is not None or a.star for a in node.args) or not lo <= len(node.args) <= hi:
            self.error("PF111", f".{meth}() takes {lo}{'-' + str(hi) if hi != lo else ''} positional arguments here", node)
            raise Unsupported
        obj = self._expr(func.value)
        if meth == "split" and not node.args:
            self.error("PF111", "str.split() needs an explicit separator here", node,
                       help="write s.split(\" \"); whitespace splitting has no faithful translation")
            raise Unsupported
        return ir.Builtin("m_" + meth, (obj, *(self._expr(a.value) for a in node.args)))


def _root_name(node: cst.BaseExpression) -> str | None:
    while isinstance(node, cst.Attribute):
        node = node.value
    return node.value if isinstance(node, cst.Name) else None


def _is_dotted(node: cst.BaseExpression) -> bool:
    """``name`` or ``a.b.c``: something a qualified name can be trusted for."""
    while isinstance(node, cst.Attribute):
        node = node.value
    return isinstance(node, cst.Name)


def _is_json(value: Any) -> bool:
    if value is None or isinstance(value, (bool, int, float, str)):
        return not (isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))))
    if isinstance(value, (list, tuple)):
        return all(_is_json(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_json(v) for k, v in value.items())
    return False


def _jsonify(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_jsonify(v) for v in value]
    if isinstance(value, list):
        return [_jsonify(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonify(v) for k, v in value.items()}
    return value
