"""IR expressions to JSONPath-mode values: reference paths, intrinsic functions, payload templates.

JSONPath can only select values (``$.a.b[0]``) and call the ``States.*`` intrinsics,
so far fewer Python expressions have a faithful translation than in JSONata. Each
translation here keeps Python's meaning exactly; everything else raises
``NotExpressible`` (reported as PF130 with a suggestion to use the JSONata target):

- ``a + b``: ``States.MathAdd`` only for two ints (it rounds non-integers, measured on
  moto; AWS documents the same); ``States.Format('{}{}')`` only for two strs, or a str and
  a field of unknown type where the state can be preceded by a Choice that checks it is a
  str (``guards``); lists (``concat_parts``): ``States.Array(a, b)`` stored in a field by a
  Pass before the state (``stages``), read back as ``$.field[*][*]``, which flattens exactly
  one level (the idiom AWS documents for flattening an array of arrays). Only where some
  operand is a non-empty list display (``acc + [x]``): a flattening path that selects
  nothing fails the state on moto (AWS does not document it), where Python gives ``[]``.
  An operand that is a list by annotation only is also given to ``States.ArrayLength``
  there, which fails on anything else, as Python's ``+`` raises TypeError.
- f-strings / ``str()``: ``States.Format`` prints ``true``/``null``/``1e+20`` where
  Python prints ``True``/``None``/``1e+20``: only str and int values (and constants,
  formatted at compile time) are accepted, and bools (``bool_text``).
- ``xs[-k]``: ``negative_item`` (a list too short fails the run, as Python's IndexError).
- ``d[k] = v`` with a str key, and dict displays inside an intrinsic's argument: JSON text
  made by ``States.Format`` (``json_text``), parsed by ``States.StringToJson``, merged.
- ``*``, ``/``, ``//``, ``%``, ``**``, ``-x``: no intrinsic.
- ``json.dumps``: ``States.JsonToString`` is compact where Python puts spaces after
  ``,`` and ``:``; accepted for constants only (folded at compile time).
- ``s.split(sep)``: ``States.StringSplit`` drops empty fields; constants only.

Constant sub-expressions are evaluated at compile time with Python itself.
"""
from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from typing import Any, Callable

from pyflow import ir
from pyflow.backend.types import Types

IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
SUGGEST = 'use @workflow(query_language="jsonata") (the default target), or compute this in a @task'


class NotExpressible(Exception):
    """A Python expression JSONPath cannot express faithfully (PF130)."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


@dataclass(frozen=True)
class Val:
    """A translated value: ``const`` (a JSON value), ``path`` (a reference path),
    ``intr`` (an intrinsic function call) or ``tmpl`` (a payload template object)."""

    kind: str
    value: Any


def field_path(base: str, key: str) -> str:
    if IDENT.match(key):
        return f"{base}.{key}"
    return f"{base}['{key}']" if "'" not in key and "]" not in key else _raise(f"the dict key {key!r} in a path")


def _raise(what: str):
    raise NotExpressible(what)


def intrinsic_string(text: str, braces: bool = False) -> str:
    """A string literal inside an intrinsic call.

    ``'`` ``{`` ``}`` and backslash are reserved there; Step Functions wants them escaped
    with a backslash, but moto's interpreter does not unescape them (measured: an escaped
    quote or brace comes out mangled), so no escaped literal is emitted at all: text with
    a quote or a backslash is rejected, and braces only pass inside a JSON literal for
    ``States.StringToJson`` (``braces=True``), where both engines read them as is."""
    bad = "'\\" if braces else "'\\{}"
    found = [c for c in bad if c in text]
    if found:
        raise NotExpressible(f"a string constant containing {found[0]!r} inside an intrinsic function")
    return "'" + text + "'"


# ---------------------------------------------------------------------------- constant folding
_UNFOLDABLE = (ir.Var, ir.Input, ir.Context, ir.TaskResult)


def _py(e: ir.Expr) -> Any:
    """Evaluate a constant expression with Python's own semantics (raises _NoFold)."""
    if isinstance(e, ir.Const):
        return e.value
    if isinstance(e, _UNFOLDABLE):
        raise _NoFold
    if isinstance(e, ir.BinOp):
        a, b = _py(e.left), _py(e.right)
        ops: dict[str, Callable[[Any, Any], Any]] = {
            "+": lambda x, y: x + y, "-": lambda x, y: x - y, "*": lambda x, y: x * y, "/": lambda x, y: x / y,
            "//": lambda x, y: x // y, "%": lambda x, y: x % y, "**": lambda x, y: x ** y}
        return ops[e.op](a, b)
    if isinstance(e, ir.UnaryOp):
        v = _py(e.operand)
        return (not v) if e.op == "not" else (-v if e.op == "-" else +v)
    if isinstance(e, ir.Compare):
        a, b = _py(e.left), _py(e.right)
        return {"==": lambda: a == b, "!=": lambda: a != b, "<": lambda: a < b, "<=": lambda: a <= b,
                ">": lambda: a > b, ">=": lambda: a >= b, "in": lambda: a in b, "notin": lambda: a not in b,
                "is": lambda: a is b if b is None or a is None else a == b and type(a) is type(b),
                "isnot": lambda: not (a is b if b is None or a is None else a == b and type(a) is type(b))}[e.op]()
    if isinstance(e, ir.BoolOp):
        vals = [_py(v) for v in e.values]
        out = vals[0]
        for v in vals[1:]:
            out = (out and v) if e.op == "and" else (out or v)
        return out
    if isinstance(e, ir.IfExp):
        return _py(e.body) if _py(e.test) else _py(e.orelse)
    if isinstance(e, ir.ListExpr):
        return [_py(i) for i in e.items]
    if isinstance(e, ir.DictExpr):
        out_d: dict[str, Any] = {}
        for k, v in e.entries:
            if k is None:
                spread = _py(v)
                if not isinstance(spread, dict):
                    raise _NoFold
                out_d.update(spread)
            else:
                key = _py(k)
                if not isinstance(key, str):
                    raise _NoFold
                out_d[key] = _py(v)
        return out_d
    if isinstance(e, ir.FString):
        return "".join(p if isinstance(p, str) else _pystr(_py(p)) for p in e.parts)
    if isinstance(e, ir.Builtin):
        if e.name in ir.IMPURE_BUILTINS or e.name in ("timestamp", "isinstance", "fnmatch", "hash"):
            raise _NoFold
        args = [_py(a) for a in e.args]
        return _fold_builtin(e.name, args)
    raise _NoFold


class _NoFold(Exception):
    pass


def _pystr(v: Any) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, (dict, list)):
        raise _NoFold  # Python's repr of containers: keep it out of the way
    return str(v)


def _fold_builtin(name: str, args: list[Any]) -> Any:
    if name == "str":
        return _pystr(args[0])
    if name == "len":
        return len(args[0])
    if name in ("int", "float", "bool", "abs", "min", "max"):
        return {"int": int, "float": float, "bool": bool, "abs": abs, "min": min, "max": max}[name](*args)
    if name == "json_dumps":
        return json.dumps(args[0], sort_keys=bool(args[1]))
    if name == "json_loads":
        return json.loads(args[0])
    if name == "range":
        return list(range(*args))
    if name == "list":
        return list(args[0])
    if name == "concat_lists":
        out: list[Any] = []
        for a in args:
            out.extend(a)
        return out
    if name == "at":
        return args[0][args[1]]
    if name.startswith("m_"):
        obj, rest = args[0], args[1:]
        if name == "m_join":
            return obj.join(rest[0])
        if name == "m_keys":
            return list(obj.keys())
        if name == "m_values":
            return list(obj.values())
        if name == "m_get":
            return obj.get(*rest)
        if name in ("m_items",):
            raise _NoFold
        return getattr(obj, name[2:])(*rest)
    raise _NoFold


def fold(e: ir.Expr) -> ir.Expr:
    """Replace every constant sub-expression by its value, computed by Python itself."""
    if isinstance(e, ir.Input):
        return ir.Input(e.name, fold(e.default), e.required) if e.default is not None else e
    if isinstance(e, (ir.Const, ir.Var, ir.Context, ir.TaskResult)):
        return e
    kids = [fold(k) for k in ir.children(e)]
    out = _rebuild(e, kids)
    if all(isinstance(k, ir.Const) for k in kids):
        try:
            value = _py(out)
        except Exception:  # noqa: BLE001 - Python would raise, or it is not foldable: translate as is
            return out
        if _is_json(value):
            return ir.Const(value)
    return out


def _is_json(v: Any) -> bool:
    if v is None or isinstance(v, (bool, str)):
        return True
    if isinstance(v, (int, float)):
        return v == v and v not in (float("inf"), float("-inf"))
    if isinstance(v, list):
        return all(_is_json(x) for x in v)
    if isinstance(v, dict):
        return all(isinstance(k, str) and _is_json(x) for k, x in v.items())
    return False


def _rebuild(e: ir.Expr, kids: list[ir.Expr]) -> ir.Expr:
    it = iter(kids)
    if isinstance(e, ir.Subscript):
        return ir.Subscript(next(it), next(it))
    if isinstance(e, ir.BinOp):
        return ir.BinOp(e.op, next(it), next(it))
    if isinstance(e, ir.Compare):
        return ir.Compare(e.op, next(it), next(it))
    if isinstance(e, ir.UnaryOp):
        return ir.UnaryOp(e.op, next(it))
    if isinstance(e, ir.BoolOp):
        return ir.BoolOp(e.op, tuple(it))
    if isinstance(e, ir.IfExp):
        return ir.IfExp(next(it), next(it), next(it))
    if isinstance(e, ir.ListExpr):
        return ir.ListExpr(tuple(it))
    if isinstance(e, ir.DictExpr):
        entries = []
        for k, _ in e.entries:
            entries.append((next(it) if k is not None else None, next(it)))
        return ir.DictExpr(tuple(entries))
    if isinstance(e, ir.FString):
        return ir.FString(tuple(p if isinstance(p, str) else next(it) for p in e.parts))
    if isinstance(e, ir.Builtin):
        return ir.Builtin(e.name, tuple(it))
    return e


# ---------------------------------------------------------------------------- values
class PathEmitter:
    """Translates IR expressions for one state.

    ``result`` is the path of ``TaskResult`` (``$`` inside a ResultSelector);
    ``input_base`` is where required workflow inputs are read (``$`` in the first
    state, ``$$.Execution.Input`` elsewhere); ``Var(x)`` is the state-document field
    ``$.x``. ``result=None`` means the state cannot see the result (doc-only)."""

    def __init__(self, types: Types, result: str | None = None, input_base: str = "$$.Execution.Input",
                 doc: bool = True, aliases: dict[str, str] | None = None, guards: list[str] | None = None,
                 stages: Any = None) -> None:
        self.types = types
        self.result = result
        self.input_base = input_base
        self.doc = doc
        # variables read from somewhere else than the document (a Parallel's ResultSelector
        # reads branch outputs as ``$[i]``)
        self.aliases = aliases or {}
        # where the state can be preceded by a Choice: paths that must hold a str for the
        # value to be Python's (else Python raises TypeError, and so must the run)
        self.guards = guards
        # where the state can be preceded by a Pass that stores intrinsic values in fields
        # (jsonpath_states.Stage): called with an intrinsic call, returns the path of the
        # field it will be stored in; ``check`` adds a call that only has to succeed;
        # ``sure(e)`` tells whether ``e`` is a list whatever the input
        self.stages = stages

    # -------------------------------------------------------------- paths
    def path(self, e: ir.Expr) -> str | None:
        """The reference path selecting ``e``, if it is one (a missing key then fails the state)."""
        if isinstance(e, ir.Var):
            if e.name in self.aliases:
                return self.aliases[e.name]
            if not self.doc:
                return None
            if "." in e.name:  # a field of a stored nested result: ``pf_par1.b0.x``
                return "$." + e.name
            return field_path("$", e.name)
        if isinstance(e, ir.Builtin) and e.name == "keep_filter":
            base = self.path(e.args[0])
            # a comprehension's `if`: the iterations that kept their value (a filter: always a list)
            return None if base is None else base + "[?(@.keep == true)].value"
        if isinstance(e, ir.TaskResult):
            return self.result
        if isinstance(e, ir.Input) and e.required:
            return field_path(self.input_base, e.name)
        if isinstance(e, ir.Context):
            return "$$." + ".".join(e.path)
        if isinstance(e, ir.Subscript) and isinstance(e.key, ir.Const):
            base = self.path(e.obj)
            if base is None:
                return None
            t = self.types.of(e.obj)
            key = e.key.value
            if isinstance(key, str) and t in ("dict", "any"):
                return field_path(base, key)
            if isinstance(key, int) and not isinstance(key, bool) and key >= 0 and t in ("list", "any"):
                return f"{base}[{key}]"
        return None

    # -------------------------------------------------------------- values
    def val(self, e: ir.Expr) -> Val:
        if isinstance(e, ir.Const):
            return Val("const", e.value)
        picked = pick_entry(e)
        if picked is not None:
            return self.val(picked)
        if isinstance(e, (ir.BinOp, ir.FString, ir.Builtin)) and not ir.free_vars(e):
            folded = fold(e)  # constants substituted in by a folded assignment
            if isinstance(folded, ir.Const):
                return Val("const", folded.value)
        p = self.path(e)
        if p is not None:
            return Val("path", p)
        if isinstance(e, ir.Var) and not self.doc and e.name not in self.aliases or isinstance(e, ir.TaskResult):
            raise _NeedsDoc
        if isinstance(e, ir.Subscript):
            return self.subscript(e)
        if isinstance(e, ir.DictExpr):
            return self.dict_expr(e)
        if isinstance(e, ir.ListExpr):
            return Val("intr", "States.Array(" + ", ".join(self.arg(i) for i in e.items) + ")")
        if isinstance(e, ir.BinOp):
            return self.binop(e)
        if isinstance(e, ir.FString):
            return self.fstring(list(e.parts))
        if isinstance(e, ir.Builtin):
            method = getattr(self, "b_" + e.name, None)
            if method is None:
                raise NotExpressible(_builtin_name(e.name) + " in a JSONPath definition")
            return method(*e.args)
        if isinstance(e, ir.Input):
            raise NotExpressible("a workflow parameter's default value here")
        # a test used as a value is stored by a Choice before the state that reads it
        # (jsonpath_states.ValuesByChoice); left only where Python may not evaluate it
        where = ("inside an elif test or on the right of and/or in an if/while test (Python may not evaluate "
                 "it there; assign it to a variable before the if)")
        if isinstance(e, ir.UnaryOp):
            raise NotExpressible("`-x`" if e.op == "-" else f"`{e.op}` used as a value {where}")
        if isinstance(e, (ir.Compare, ir.BoolOp)):
            raise NotExpressible(f"a comparison or and/or used as a value {where}")
        if isinstance(e, ir.IfExp):
            raise NotExpressible(f"a conditional expression `a if c else b` {where}")
        raise NotExpressible(f"the expression {type(e).__name__}")

    def arg(self, e: ir.Expr) -> str:
        """``e`` as an intrinsic function argument."""
        parts = concat_parts(e, self.types)
        if parts is not None and len(parts) > 1:
            raise NotExpressible("`+` of lists inside another expression (the path that concatenates them "
                                 "cannot be an intrinsic function's argument)")
        v = self.val(e)
        if v.kind in ("path", "intr"):
            return v.value
        if v.kind == "const":
            return const_arg(v.value)
        if isinstance(e, ir.DictExpr):  # a payload template cannot be an argument: the same dict as JSON text
            return self.dict_intr(e)
        raise NotExpressible("a dict built inside an expression")

    def subscript(self, e: ir.Subscript) -> Val:
        ot, kt = self.types.of(e.obj), self.types.of(e.key)
        if ot == "str":
            raise NotExpressible("indexing a str")
        if isinstance(e.key, ir.Const) and isinstance(e.key.value, int) and not isinstance(e.key.value, bool) \
                and e.key.value < 0:
            if ot != "list":
                raise NotExpressible("a negative index of a value not known to be a list (Python also indexes a str "
                                     "from its end)")
            return Val("intr", negative_item(self.arg(e.obj), e.key.value))
        if ot in ("list", "any") and (kt == "int" or (isinstance(e.key, ir.Const) and isinstance(e.key.value, int)
                                                      and not isinstance(e.key.value, bool))):
            if ot == "any" or kt != "int" and not isinstance(e.key, ir.Const):
                raise NotExpressible("indexing a value of unknown type with a variable")
            return Val("intr", f"States.ArrayGetItem({self.arg(e.obj)}, {self.arg(e.key)})")
        raise NotExpressible("a dict lookup with a computed key (or of a computed dict)")

    def dict_expr(self, e: ir.DictExpr) -> Val:
        if any(k is None or not (isinstance(k, ir.Const) and isinstance(k.value, str)) for k, _ in e.entries):
            return Val("intr", self.dict_intr(e))
        tmpl: dict[str, Any] = {}
        for k, v in e.entries:
            set_field(tmpl, k.value, self.val(v))  # type: ignore[union-attr]
        return Val("tmpl", tmpl)

    def dict_intr(self, e: ir.DictExpr) -> str:
        """A dict display as an intrinsic value: its ``**`` spreads and runs of ``key: value``
        entries (each a dict made as JSON text) merged in order with ``States.JsonMerge``,
        later keys winning as in Python. ``States.JsonMerge`` fails on anything but a dict,
        as Python's ``{**x}`` raises TypeError; a lone spread is merged with ``{}`` for that."""
        parts: list[str] = []
        run: list[tuple[ir.Expr, ir.Expr]] = []
        for k, v in list(e.entries) + [(None, None)]:  # (a last spread of nothing ends the last run)
            if k is not None:
                run.append((k, v))  # type: ignore[arg-type]
                continue
            if run:
                parts.append(self.keyed_dict(run))
                run = []
            if v is not None:
                parts.append(self.arg(v))
        if not parts:
            return const_arg({})
        out = parts[0]
        if len(parts) == 1 and e.entries[0][0] is None and self.types.of(e.entries[0][1]) != "dict":
            out = f"States.JsonMerge({out}, {const_arg({})}, false)"
        for part in parts[1:]:
            out = f"States.JsonMerge({out}, {part}, false)"
        return out

    def keyed_dict(self, entries: list[tuple[ir.Expr, ir.Expr]]) -> str:
        """``{k1: v1, k2: v2}`` (str keys) as an intrinsic value: a constant, or JSON text
        made by ``States.Format`` where the keys are distinct constants, else one such dict
        per entry merged in order (two computed keys may be equal)."""
        for k, _ in entries:
            if self.types.of(k) != "str":
                raise NotExpressible("a dict with a key not known to be a str")
        if all(isinstance(k, ir.Const) and isinstance(v, ir.Const) for k, v in entries):
            try:
                return const_arg({k.value: v.value for k, v in entries})  # type: ignore[union-attr]
            except NotExpressible:
                pass
        if _distinct_keys(ir.DictExpr(tuple(entries))):
            return f"States.StringToJson({self.json_text(ir.DictExpr(tuple(entries)))})"
        out = ""
        for entry in entries:
            one = f"States.StringToJson({self.json_text(ir.DictExpr((entry,)))})"
            out = one if not out else f"States.JsonMerge({out}, {one}, false)"
        return out

    def binop(self, e: ir.BinOp) -> Val:
        lt, rt = self.types.of(e.left), self.types.of(e.right)
        if e.op == "+":
            if lt == rt == "int":
                return Val("intr", f"States.MathAdd({self.arg(e.left)}, {self.arg(e.right)})")
            if lt == rt == "str":
                return self.fstring([ir.Builtin("str", (e.left,)), ir.Builtin("str", (e.right,))])
            if lt == rt == "list":
                return self.concat(e)
            if "list" in (lt, rt):
                raise NotExpressible(f"`+` of a list and a value of type {rt if lt == 'list' else lt} (Python "
                                     "concatenates lists only, no Choice rule tells a list)")
            if {lt, rt} == {"str", "any"} and self.guards is not None:
                return self.guarded_concat(e.left, e.right, e.left if lt == "any" else e.right)
            raise NotExpressible(f"`+` of {lt} and {rt} values (States.MathAdd adds ints only, rounding "
                                 "anything else; States.Format joins strs only)")
        if e.op == "-" and lt == "int" and isinstance(e.right, ir.Const) and isinstance(e.right.value, int) \
                and not isinstance(e.right.value, bool):
            return Val("intr", f"States.MathAdd({self.arg(e.left)}, {-e.right.value})")
        names = {"-": "`-`", "*": "`*`", "/": "`/`", "//": "`//`", "%": "Python's `%`", "**": "`**`"}
        raise NotExpressible(f"{names.get(e.op, e.op)} (no intrinsic function computes it)")

    def concat(self, e: ir.Expr) -> Val:
        """Lists joined by ``+``: one ``States.Array`` of the operands, stored in a field by the
        Pass before the state, read back with ``[*][*]`` (one level flattened: ``[[1, [2]], [3]]``
        gives ``[1, [2], 3]``, nulls and dicts kept)."""
        parts = concat_parts(e, self.types) or []
        if not parts:
            return Val("const", [])
        if len(parts) > 1 and not any(isinstance(p, ir.ListExpr) for p in parts):
            raise NotExpressible("`+` of lists that may both be empty (the path `[*][*]` that concatenates "
                                 "them selects nothing then, which fails the state)")
        # an operand only annotated as a list (a workflow parameter) may hold anything at run
        # time, where `[*]` would take a dict's values or skip a str: States.ArrayLength fails
        # the run on anything but a list, as Python's `+` raises TypeError
        unsure = [p for p in parts if not isinstance(p, ir.ListExpr)
                  and not (self.stages is not None and self.stages.sure(p))]
        if len(parts) == 1 and not unsure:  # `[] + xs`, `[a] + [b]`
            return self.val(parts[0])
        if self.stages is None:
            raise NotExpressible("`+` of lists here (only a Pass, a Task's parameters or a returned value "
                                 "can read the path that concatenates them)")
        for p in unsure:
            self.stages.check(f"States.ArrayLength({self.arg(p)})")
        if len(parts) == 1:
            return self.val(parts[0])
        array = "States.Array(" + ", ".join(self.arg(p) for p in parts) + ")"
        return Val("path", self.stages(array) + "[*][*]")

    def guarded_concat(self, left: ir.Expr, right: ir.Expr, unknown: ir.Expr) -> Val:
        """``str + value of unknown type``: ``States.Format`` joins them exactly when the
        value is a str; the state is preceded by a Choice that fails the run with Python's
        TypeError otherwise (``self.guards`` receives the path it tests)."""
        p = self.path(unknown)
        if p is None or self.result is not None and p.startswith(self.result):
            raise NotExpressible("`+` of a str and a computed value of unknown type (a Choice can only "
                                 "check the type of a field)")
        text, args = [], []
        for side in (left, right):
            if isinstance(side, ir.Const) and isinstance(side.value, str):
                text.append(intrinsic_string(side.value)[1:-1])
            else:
                text.append("{}")
                args.append(self.arg(side))
        self.guards.append(p)  # type: ignore[union-attr]
        return Val("intr", f"States.Format('{''.join(text)}', {', '.join(args)})")

    def fstring(self, parts: list[Any]) -> Val:
        template, args = [], []
        for p in parts:
            if isinstance(p, str):
                template.append(p)
                continue
            inner = p.args[0] if isinstance(p, ir.Builtin) and p.name == "str" else p
            if isinstance(inner, ir.Const):
                try:
                    template.append(_pystr(inner.value))
                except _NoFold:
                    raise NotExpressible("formatting a list or dict constant") from None
                continue
            t = self.types.of(inner)
            if t == "none":
                template.append("None")
                continue
            if t == "bool":
                template.append(None)
                args.append(bool_text(self.arg(inner)))
                continue
            if t not in ("str", "int"):
                raise NotExpressible(f"formatting a {t if t != 'any' else 'value of unknown type'} into a str "
                                     "(States.Format prints true/null/floats unlike Python)")
            template.append(None)
            args.append(self.arg(inner))
        if not args:
            return Val("const", "".join(t for t in template if t is not None))
        text = "".join("{}" if t is None else intrinsic_string(t)[1:-1] for t in template)
        if text == "{}" and args[0].startswith(BOOL_TEXT_HEAD):  # `str(flag)`: the text itself
            return Val("intr", args[0])
        if text == "{}" and len(args) == 1 and parts and not isinstance(parts[0], str) \
                and self.types.of(parts[0].args[0] if isinstance(parts[0], ir.Builtin) else parts[0]) == "str":
            return self.val(parts[0].args[0] if isinstance(parts[0], ir.Builtin) else parts[0])
        return Val("intr", f"States.Format('{text}', {', '.join(args)})")

    # -------------------------------------------------------------- builtins
    def b_str(self, x: ir.Expr) -> Val:
        return self.fstring([ir.Builtin("str", (x,))])

    def b_at(self, seq: ir.Expr, i: ir.Expr) -> Val:
        return Val("intr", f"States.ArrayGetItem({self.arg(seq)}, {self.arg(i)})")

    def b_setitem(self, d: ir.Expr, k: ir.Expr, v: ir.Expr) -> Val:
        """``d[k] = v`` with a str key: ``d`` merged with the one-entry dict ``{k: v}`` (made as
        JSON text, see ``json_text``). A new key comes last in Python and anywhere in JSON:
        dicts compare equal. ``States.JsonMerge`` fails on anything but a dict, where Python's
        ``d[k] = v`` with a str key raises TypeError too (a list, a str, None ...)."""
        if self.types.of(k) != "str":
            if self.types.of(d) == "list":
                raise NotExpressible("`d[k] = v` on a list (no intrinsic function replaces a list item)")
            raise NotExpressible("`d[k] = v` with a key not known to be a str (the dict is merged with one "
                                 "written as JSON text, where only a str can be a key)")
        return Val("intr", f"States.JsonMerge({self.arg(d)}, {self.keyed_dict([(k, v)])}, false)")

    def json_text(self, e: ir.Expr) -> str:
        """The compact JSON text of ``e``'s value, as an intrinsic value: a constant's written
        at compile time (a literal, or ``States.Base64Decode`` where it holds a character
        reserved in intrinsic string literals: JSON text is ASCII, non-ASCII ``\\u``-escaped);
        a dict display with distinct constant str keys made by ``States.Format`` from its
        entries' texts; anything else by ``States.JsonToString`` (which escapes quotes,
        backslashes and control characters in strs as JSON does). ``{`` and ``}`` are
        reserved in intrinsic string literals, and moto does not unescape them (see
        ``intrinsic_string``): they are ``States.Base64Decode`` of constants too."""
        if isinstance(e, ir.Const):
            text = json.dumps(e.value, separators=(",", ":"))
            if not any(c in text for c in "'\\{}"):
                return "'" + text + "'"
            return f"States.Base64Decode('{base64.b64encode(text.encode()).decode()}')"
        if isinstance(e, ir.DictExpr) and _distinct_keys(e):
            args = [B64_OPEN]
            for k, v in e.entries:
                args += [self.json_text(k), self.json_text(v)]  # type: ignore[arg-type]
            template = "{}" + ",".join("{}:{}" for _ in e.entries) + "{}"
            return f"States.Format('{template}', {', '.join(args + [B64_CLOSE])})"
        return f"States.JsonToString({self.arg(e)})"

    def b_len(self, x: ir.Expr) -> Val:
        t = self.types.of(x)
        if t in ("list", "any"):
            return Val("intr", f"States.ArrayLength({self.arg(x)})")
        raise NotExpressible(f"len() of a {t} (States.ArrayLength counts arrays only)")

    def b_json_loads(self, x: ir.Expr) -> Val:
        return Val("intr", f"States.StringToJson({self.arg(x)})")

    def b_json_dumps(self, x: ir.Expr, sort: ir.Expr) -> Val:
        raise NotExpressible("json.dumps() of a computed value (States.JsonToString drops Python's spaces)")

    def b_pf_with_default(self, defaults: ir.Expr, d: ir.Expr) -> Val:
        """``d`` over ``{k: default}``: its field k is ``d.get(k, default)`` (a key present
        with null keeps the null, as in Python)."""
        return Val("intr", f"States.JsonMerge({self.arg(defaults)}, {self.arg(d)}, false)")

    def b_concat_lists(self, *parts: ir.Expr) -> Val:
        """``[*a, *b]`` of lists: as ``a + b``."""
        if concat_parts(ir.Builtin("concat_lists", parts), self.types) is None:
            raise NotExpressible("`[*a, *b]` of values not known to be lists")
        return self.concat(ir.Builtin("concat_lists", parts))

    def b_uuid(self) -> Val:
        return Val("intr", "States.UUID()")

    def b_hash(self, x: ir.Expr, alg: ir.Expr) -> Val:
        if self.types.of(x) != "str":
            raise NotExpressible("pf.hash() of a value not known to be a str")
        return Val("intr", f"States.Hash({self.arg(x)}, {self.arg(alg)})")

    def b_randint(self, a: ir.Expr, b: ir.Expr) -> Val:
        if self.types.of(a) != "int" or self.types.of(b) != "int":
            raise NotExpressible("random.randint() of values not known to be ints")
        # both ends included, as randint's (moto's interpreter and pyflow's runner agree; the
        # runner fails the run for start > end, where Python raises ValueError)
        return Val("intr", f"States.MathRandom({self.arg(a)}, {self.arg(b)})")

    def b_range(self, start: ir.Expr, stop: ir.Expr, step: ir.Expr) -> Val:
        if not (isinstance(step, ir.Const) and isinstance(step.value, int) and step.value != 0) or \
                self.types.of(start) != "int" or self.types.of(stop) != "int":
            raise NotExpressible("range() with a computed step or non-int bounds")
        # States.ArrayRange includes its end: range(a, b, s) ends at b - 1 (s > 0) or b + 1 (s < 0)
        end = ir.BinOp("+", stop, ir.Const(-1 if step.value > 0 else 1))
        end_arg = const_arg(stop.value + (-1 if step.value > 0 else 1)) if isinstance(stop, ir.Const) \
            else f"States.MathAdd({self.arg(stop)}, {-1 if step.value > 0 else 1})"
        del end
        return Val("intr", f"States.ArrayRange({self.arg(start)}, {end_arg}, {step.value})")

    def b_pf_json(self, x: ir.Expr) -> Val:
        """Materialized for a truthiness test: the compact JSON text of any value."""
        return Val("intr", f"States.JsonToString({self.arg(x)})")

    def b_pf_contains(self, xs: ir.Expr, x: ir.Expr) -> Val:
        """Materialized for ``x in xs`` (a str in a list): exact for strings."""
        return Val("intr", f"States.ArrayContains({self.arg(xs)}, {self.arg(x)})")

    def b_timestamp(self, x: ir.Expr) -> Val:
        return self.val(x)


class _NeedsDoc(NotExpressible):
    def __init__(self) -> None:
        super().__init__("a value from the state document where only the task result is visible")


def _builtin_name(name: str) -> str:
    if name.startswith("m_"):
        return f"str.{name[2:]}() of a computed value"
    return {"json_dumps": "json.dumps()", "json_loads": "json.loads()", "concat_lists": "`[*a, *b]`",
            "setitem": "`d[k] = v`", "check_unpack": "tuple unpacking", "isinstance": "isinstance() as a value",
            "fnmatch": "fnmatch() as a value"}.get(name, f"{name}()")


def concat_parts(e: ir.Expr, types: Types) -> list[ir.Expr] | None:
    """The operands of ``a + b + ...`` (or ``[*a, *b]``) when all are lists, else None;
    list displays and constants next to each other merged into one display, empty ones
    dropped (``[] + xs`` is ``xs``)."""
    def is_list(x: ir.Expr) -> bool:
        return types.of(x) == "list"

    if not (isinstance(e, ir.BinOp) and e.op == "+" and is_list(e.left) and is_list(e.right)
            or isinstance(e, ir.Builtin) and e.name == "concat_lists" and all(is_list(a) for a in e.args)):
        return None
    flat: list[ir.Expr] = []

    def walk(x: ir.Expr) -> None:
        if isinstance(x, ir.BinOp) and x.op == "+" and is_list(x.left) and is_list(x.right):
            walk(x.left)
            walk(x.right)
        elif isinstance(x, ir.Builtin) and x.name == "concat_lists" and all(is_list(a) for a in x.args):
            for a in x.args:
                walk(a)
        else:
            flat.append(x)

    walk(e)
    out: list[ir.Expr] = []
    for x in flat:
        items = _display_items(x)
        if items is None:
            out.append(x)
        elif items:
            before = _display_items(out[-1]) if out else None
            if before is not None:
                out[-1] = ir.ListExpr(tuple(before) + tuple(items))
            else:
                out.append(ir.ListExpr(tuple(items)))
    return out


def _display_items(x: ir.Expr) -> tuple[ir.Expr, ...] | None:
    if isinstance(x, ir.ListExpr):
        return tuple(x.items)
    if isinstance(x, ir.Const) and isinstance(x.value, list):
        return tuple(ir.Const(v) for v in x.value)
    return None


def has_concat(e: ir.Expr, types: Types) -> bool:
    """Does ``e`` join lists with ``+`` (a value only a state with a Pass before it can read,
    ``[] + xs`` included: the Pass checks that ``xs`` is a list)?"""
    for x in ir.walk(e):
        parts = concat_parts(x, types)
        if parts is not None and (len(parts) > 1 or parts and not isinstance(parts[0], ir.ListExpr)):
            return True
    return False


def nested_concat(e: ir.Expr, types: Types) -> bool:
    """Is a list concatenation used inside another expression (an intrinsic function's
    argument), not as a whole value or a dict entry's value? Only those can be read as a path."""
    def visit(x: ir.Expr, top: bool) -> bool:
        parts = concat_parts(x, types)
        if parts is not None:
            return len(parts) > 1 and not top or any(visit(p, len(parts) == 1 and top) for p in parts)
        if isinstance(x, ir.DictExpr) and all(k is not None for k, _ in x.entries):
            return any(visit(v, True) for _, v in x.entries)
        return any(visit(c, False) for c in ir.children(x))

    return visit(e, True)


def pick_entry(e: ir.Expr) -> ir.Expr | None:
    """``{"k": v, ...}["k"]`` -> ``v`` (a raised error's fields, substituted into a handler)."""
    if isinstance(e, ir.Subscript) and isinstance(e.obj, ir.Const) and isinstance(e.obj.value, dict) \
            and isinstance(e.key, ir.Const) and isinstance(e.key.value, str) and e.key.value in e.obj.value:
        return ir.Const(e.obj.value[e.key.value])
    if isinstance(e, ir.Subscript) and isinstance(e.obj, ir.DictExpr) and isinstance(e.key, ir.Const) \
            and all(k is not None for k, _ in e.obj.entries):
        found = [v for k, v in e.obj.entries if isinstance(k, ir.Const) and k.value == e.key.value]
        if found and all(isinstance(k, ir.Const) for k, _ in e.obj.entries):
            return found[-1]
    return None


def _distinct_keys(e: ir.DictExpr) -> bool:
    """Are the keys of a dict display (no ``**``) sure to be distinct: one key, or constants?"""
    if any(k is None for k, _ in e.entries):
        return False
    if len(e.entries) == 1:
        return True
    keys = [k.value for k, _ in e.entries if isinstance(k, ir.Const) and isinstance(k.value, str)]
    return len(keys) == len(e.entries) == len(set(keys))


def negative_item(xs: str, k: int) -> str:
    """``xs[k]`` for a constant ``k < 0``: the item at ``len(xs) + k``, failing the run where
    that is negative (Python's IndexError). ``States.ArrayGetItem`` alone does not fail there
    on moto (it indexes from the end, as Python does, but only as far as ``-len(xs)``): the
    first chunk of ``States.ArrayPartition(xs, len(xs) + k + 1)`` is ``xs[:len(xs) + k + 1]``,
    and a chunk size below 1 fails the run on every engine; its last item is the one."""
    n = f"States.ArrayLength({xs})"
    size = n if k == -1 else f"States.MathAdd({n}, {k + 1})"
    return f"States.ArrayGetItem(States.ArrayGetItem(States.ArrayPartition({xs}, {size}), 0), States.MathAdd({n}, {k}))"


# ``str(flag)`` of a bool: Python writes True/False, States.Format and States.JsonToString
# true/false. The JSON text split at "u" has two pieces for "true" and one for "false"
# (the same for "True"/"False"): the count, less one, picks the word from an array.
BOOL_TEXT_HEAD = "States.ArrayGetItem(States.Array('False', 'True'), "


def bool_text(b: str) -> str:
    pieces = f"States.ArrayLength(States.StringSplit(States.JsonToString({b}), 'u'))"
    return BOOL_TEXT_HEAD + f"States.MathAdd({pieces}, -1))"


# "{" and "}" (reserved in intrinsic string literals) as intrinsic values
B64_OPEN = "States.Base64Decode('ew==')"
B64_CLOSE = "States.Base64Decode('fQ==')"


def const_arg(value: Any) -> str:
    """A JSON constant as an intrinsic argument."""
    if isinstance(value, str):
        return intrinsic_string(value)
    if value is None:
        # moto's intrinsic parser rejects a bare `null` argument and drops it (measured:
        # States.Array(null) gives []); the parsed JSON text is null on every engine
        return "States.StringToJson('null')"
    if isinstance(value, (bool, int, float)):
        return json.dumps(value)
    return f"States.StringToJson({intrinsic_string(json.dumps(value, separators=(',', ':')), braces=True)})"


def set_field(tmpl: dict[str, Any], key: str, v: Val) -> None:
    """One field of a payload template (``key.$`` for paths and intrinsics)."""
    if v.kind == "const":
        if key.endswith(".$"):
            raise NotExpressible(f"the dict key {key!r}")
        tmpl[key] = v.value
    elif v.kind == "tmpl":
        tmpl[key] = v.value
    else:
        tmpl[key + ".$"] = v.value
