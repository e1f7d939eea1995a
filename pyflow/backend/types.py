"""A small static type inference over IR expressions, shared by the backends.

Types: str, int, float, bool, none, list, dict, timestamp, any. Variables get the
join of every value assigned to them anywhere (flow-insensitive), so a type is
only trusted where every path agrees; ``any`` makes the backend emit a runtime
dispatch that keeps Python's meaning.
"""
from __future__ import annotations

from collections.abc import Mapping

from pyflow import ir

NUMERIC = {"int", "float", "number"}  # "number": int or float, not known which

BUILTIN_TYPES = {
    "len": "int", "str": "str", "int": "int", "float": "float", "bool": "bool", "json_dumps": "str",
    "json_loads": "any", "isinstance": "bool", "fnmatch": "bool", "is_timestamp": "bool", "uuid": "str", "hash": "str",
    "timestamp": "timestamp", "range": "list", "m_split": "list", "m_upper": "str", "m_lower": "str",
    "m_strip": "str", "m_lstrip": "str", "m_rstrip": "str", "m_startswith": "bool", "m_endswith": "bool",
    "m_replace": "str", "m_join": "str", "m_get": "any", "m_keys": "list", "m_values": "list", "m_items": "list", "setitem": "dict",
    "check_unpack": "list", "concat_lists": "list", "randint": "int", "floor": "int", "ceil": "int",
    "list": "list",
}
CONTEXT_TYPES = {("State", "RetryCount"): "int", ("Execution", "Input"): "dict"}


def join(a: str, b: str) -> str:
    if a == "bottom":
        return b
    if b == "bottom" or a == b:
        return a
    if {a, b} <= NUMERIC:
        return "number"  # an int or a float: str() and isinstance() must look at run time
    return "any"


def const_type(value: object) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "str"
    if isinstance(value, list):
        return "list"
    return "dict"


class Types:
    def __init__(self, var_types: Mapping[str, str], result_type: str = "any",
                 input_types: Mapping[str, str] | None = None, snapshot: bool = True) -> None:
        """``snapshot=False`` reads the mappings as they are when asked (no copy per
        state: with thousands of variables the copies made compiles quadratic)."""
        self.vars = dict(var_types) if snapshot else var_types
        self.result = result_type
        self.inputs = dict(input_types or {}) if snapshot else (input_types or {})

    def of(self, e: ir.Expr) -> str:
        if isinstance(e, ir.Const):
            return const_type(e.value)
        if isinstance(e, ir.Var):
            t = self.vars.get(e.name, "any")
            return "any" if t == "bottom" else t
        if isinstance(e, ir.Input):
            declared = self.inputs.get(e.name, "any")
            if e.default is not None:
                return join(declared, self.of(e.default)) if declared != "any" else "any"
            return declared
        if isinstance(e, ir.TaskResult):
            return self.result
        if isinstance(e, ir.Subscript):
            if self.of(e.obj) == "str":
                return "str"
            return "any"
        if isinstance(e, ir.BinOp):
            lt, rt = self.of(e.left), self.of(e.right)
            if e.op == "+" and lt == rt and lt in ("str", "list"):
                return lt
            if e.op == "+" and {lt, rt} & {"str", "list"} and "any" in (lt, rt):
                return lt if lt != "any" else rt  # str + x is a str or a TypeError (JSON values)
            if e.op == "*" and (lt in ("str", "list") and rt in ("int", "bool")):
                return lt  # a repetition
            if e.op == "*" and (rt in ("str", "list") and lt in ("int", "bool")):
                return rt
            if lt == "bool" and (rt in NUMERIC or rt == "bool"):
                lt = "int"  # arithmetic counts True as 1
            if rt == "bool" and (lt in NUMERIC or lt == "int"):
                rt = "int"
            if e.op == "/":
                return "float" if lt in NUMERIC or rt in NUMERIC else "any"
            if lt in NUMERIC and rt in NUMERIC:
                if lt == rt == "int" and e.op != "**":
                    return "int"
                # a float operand makes a float (2.0 ** 2, 1.5 - n); int ** int may be either
                return "float" if "float" in (lt, rt) else "number"
            if e.op == "*" and "any" in (lt, rt) and not {lt, rt} & {"float"}:
                return "any"  # an int times a str or a list repeats it
            if (lt in NUMERIC and rt == "any") or (rt in NUMERIC and lt == "any"):
                # otherwise Python's arithmetic with a number either fails or gives a number
                return "number"
            return "any"
        if isinstance(e, ir.UnaryOp):
            if e.op == "not":
                return "bool"
            t = self.of(e.operand)  # -True is -1: an int; -x is a number or a TypeError
            return t if t in NUMERIC else "int" if t == "bool" else "number"
        if isinstance(e, ir.Compare):
            return "bool"
        if isinstance(e, ir.BoolOp):
            t = "bottom"
            for v in e.values:
                t = join(t, self.of(v))
            return t
        if isinstance(e, ir.IfExp):
            return join(self.of(e.body), self.of(e.orelse))
        if isinstance(e, ir.ListExpr):
            return "list"
        if isinstance(e, ir.DictExpr):
            return "dict"
        if isinstance(e, ir.FString):
            return "str"
        if isinstance(e, ir.Builtin):
            if e.name == "bound":
                return self.of(e.args[0])
            if e.name == "setitem":
                t = self.of(e.args[0])
                return t if t in ("list", "dict") else "any"
            if e.name in ("abs",):
                t = self.of(e.args[0])  # abs(True) is 1
                return t if t in NUMERIC else "int" if t == "bool" else "number"
            if e.name in ("min", "max"):
                t = "bottom"
                for a in e.args:
                    t = join(t, self.of(a))
                return t
            return BUILTIN_TYPES.get(e.name, "any")
        if isinstance(e, ir.Context):
            return CONTEXT_TYPES.get(e.path, "str")
        return "any"


def infer_var_types(assignments: list[tuple[str, ir.Expr, str | None]], input_types: Mapping[str, str]) -> dict[str, str]:
    """Fixpoint over (variable, value, result type of the state) triples."""
    names = {x for x, _, _ in assignments}
    env: dict[str, str] = {x: "bottom" for x in names}
    typer = Types(env, "any", input_types, snapshot=False)  # sees env as it grows
    for _ in range(12):
        changed = False
        for x, value, result in assignments:
            typer.result = result or "any"
            t = typer.of(value)
            if t == "any":
                # an unknown value (a subscript, a task's result) assigned to an annotated
                # local (``size: int = event["size"]``) takes the annotation, as parameters do
                t = input_types.get(x, "any")
            new = join(env[x], t)
            if new != env[x]:
                env[x] = new
                changed = True
        if not changed:
            break
    return {x: ("any" if t == "bottom" else t) for x, t in env.items()}
