"""Lowering of calls (a mixin of ``FunctionLowerer``): resolving a called name to a
task, a nested workflow or an activity and its signature, binding a task call's
arguments, and the pyflow and Python builtins callable in an expression. boto3
service calls are ``services``; fragments are ``fragments``.
"""
from __future__ import annotations

import libcst as cst

from pyflow import ir
from pyflow.frontend.common import TaskSignature, Unsupported, _LazySpan, annotation_type
from pyflow.frontend.expressions import STRING_METHODS, _is_dotted, _root_name
from pyflow.frontend.modules import FunctionInfo, literal
from pyflow.frontend.subset import check_options

PY_BUILTINS = {"len", "str", "int", "float", "bool", "isinstance", "abs", "min", "max", "list", "sorted", "sum", "round"}


# modules whose attributes are never tasks: not looked for among the workflow's source files
NOT_TASK_MODULES = frozenset({"pyflow", "json", "time", "base64", "random", "math", "fnmatch", "boto3", "typing",
                              "datetime", "os", "sys", "re", "collections", "dataclasses"})


QUALIFIED_BUILTINS = {
    "json.dumps": "json_dumps", "json.loads": "json_loads", "fnmatch.fnmatch": "fnmatch",
    "fnmatch.fnmatchcase": "fnmatch", "random.randint": "randint", "math.floor": "floor", "math.ceil": "ceil",
    "base64.b64encode": "b64encode", "base64.b64decode": "b64decode",
}



class CallLowering:
    """Mixin: see the module docstring."""

    # ------------------------------------------------------------ tasks
    def module_function(self, func: cst.Attribute) -> FunctionInfo | None:
        """``helper_tasks.inc`` after ``import helper_tasks`` (or ``import helper_tasks as ht``):
        the function the imported module defines or re-exports, if that module is a source file."""
        root = _root_name(func)
        if root is None or root in self.locals or root not in self.mod.imports \
                or self.mod.imports[root].split(".")[0] in NOT_TASK_MODULES:
            return None
        if not isinstance(func.value, (cst.Name, cst.Attribute)):
            return None
        qualified = next(iter(self.mod.qualified(func)), None)
        if qualified is None:
            return None
        reported = len(self.reporter.items)
        resolved = self.loader.resolve_import(self.mod, qualified, _LazySpan(self.mod, func))
        if len(self.reporter.items) != reported:
            raise Unsupported  # the imported module is unreadable or cyclic: already reported
        if resolved is None:
            return None
        module, name = resolved
        info = self.loader.resolve_function(module, name, _LazySpan(self.mod, func))
        if len(self.reporter.items) != reported:
            raise Unsupported
        return info

    def task_for(self, func: cst.BaseExpression) -> TaskSignature | None:
        if isinstance(func, cst.Attribute):
            info = self.module_function(func)
            if info is None or info.kind not in ("task", "workflow"):
                return None
            return self.workflow_signature(info) if info.kind == "workflow" else self.task_signature(info)
        if not isinstance(func, cst.Name) or func.value in self.locals:
            return None
        name = func.value
        info = self.mod.functions.get(name)
        if info is None and name in self.mod.imports:
            reported = len(self.reporter.items)
            info = self.loader.resolve_function(self.mod, name, _LazySpan(self.mod, func))
            if len(self.reporter.items) != reported:
                raise Unsupported  # the imported module is unreadable or cyclic: already reported
        if info is None and name in self.mod.activities:
            return self.activity_signature(name)
        if info is not None and info.kind == "workflow":
            return self.workflow_signature(info)
        if info is None or info.kind != "task":
            if info is not None and info.kind == "fragment":
                self.error("PF119", f"call the fragment {info.name!r} in its own statement (x = {info.name}(...))", func,
                           help="a fragment holds several states; it cannot run in the middle of an expression")
                raise Unsupported
            return None
        return self.task_signature(info)

    def task_signature(self, info: FunctionInfo) -> TaskSignature:
        sub = str(info.options.get("name") or info.name)
        if sub in self.tasks:
            return self.tasks[sub]
        params: list[tuple[str, bool]] = []
        p = info.node.params
        if isinstance(p.star_arg, cst.Param) or p.star_kwarg is not None or p.posonly_params:
            self.error("PF108", f"task {info.name!r} must take plain named parameters (no *args/**kwargs)",
                       info.node.params, help="the task's payload is a JSON object with one field per parameter")
        for param in list(p.params) + list(p.kwonly_params):
            params.append((param.name.value, param.default is not None))
        check_options(info, self.reporter)
        sig = TaskSignature(sub, info.name, params, info.module, info.node, info.options,
                            annotation_type(info.node.returns),
                            keyword_only=frozenset(x.name.value for x in p.kwonly_params))
        self.tasks[sub] = sig
        return sig

    def workflow_signature(self, info: FunctionInfo) -> TaskSignature:
        sub = str(info.options.get("name") or info.name)
        if sub in self.tasks:
            return self.tasks[sub]
        p = info.node.params
        params = [(x.name.value, x.default is not None) for x in list(p.params) + list(p.kwonly_params)]
        sig = TaskSignature(sub, info.name, params, info.module, info.node, info.options,
                            annotation_type(info.node.returns), kind="workflow",
                            keyword_only=frozenset(x.name.value for x in p.kwonly_params))
        self.tasks[sub] = sig
        return sig

    def activity_signature(self, local: str) -> TaskSignature:
        name = self.mod.activities[local]
        import re as _re

        sub = _re.sub(r"[^A-Za-z0-9_]", "_", name)
        if sub not in self.tasks:
            self.tasks[sub] = TaskSignature(sub, local, [("input", False)], self.mod, None, {"activity": name}, "any",
                                            kind="activity")
        return self.tasks[sub]

    def task_call(self, call: cst.Call, task: TaskSignature, target: str | None) -> ir.TaskCall:
        if task.kind == "activity":
            if len(call.args) == 1 and call.args[0].keyword is None:
                value = self.expr(call.args[0].value)
            else:
                value = ir.DictExpr(tuple((ir.Const(a.keyword.value), self.expr(a.value)) for a in call.args
                                          if a.keyword is not None))
            return ir.TaskCall(target, task.name, {"input": value}, kind="activity", span=self.span(call))
        args: dict[str, ir.Expr] = {}
        names = [n for n, _ in task.params]
        positional = [a for a in call.args if a.keyword is None]
        for a in call.args:
            if a.star:
                self.error("PF105", "*args/**kwargs cannot be passed to a task", a,
                           help="pass each parameter by name")
                raise Unsupported
        by_position = [n for n in names if n not in task.keyword_only]
        shown = by_position + (["*"] if len(by_position) < len(names) else []) + names[len(by_position):]
        if len(positional) > len(by_position):
            self.error("PF105", f"{task.function}() takes {len(by_position)} positional "
                       f"argument{'' if len(by_position) == 1 else 's'} but {len(positional)} "
                       f"{'was' if len(positional) == 1 else 'were'} given", call,
                       help=f"the signature is {task.function}({', '.join(shown)})")
            raise Unsupported
        for a, name in zip(positional, by_position):
            args[name] = self.expr(a.value)
        for a in call.args:
            if a.keyword is not None:
                key = a.keyword.value
                if key not in names:
                    self.error("PF105", f"{task.function}() has no parameter {key!r}", a,
                               help=f"the signature is {task.function}({', '.join(shown)})")
                    raise Unsupported
                if key in args:
                    self.error("PF105", f"{task.function}() got multiple values for {key!r}", a)
                    raise Unsupported
                args[key] = self.expr(a.value)
        missing = [n for n, has_default in task.params if not has_default and n not in args]
        if missing:
            self.error("PF105", f"{task.function}() is missing {', '.join(repr(m) for m in missing)}", call,
                       help=f"the signature is {task.function}({', '.join(shown)})")
            raise Unsupported
        kind = task.kind
        if kind == "lambda" and any(isinstance(n, ir.Context) and n.path == ("Task", "Token")
                                    for v in args.values() for n in ir.walk(v)):
            kind = "callback"
        return ir.TaskCall(target, task.name, args, kind=kind, span=self.span(call))

    def call(self, node: cst.Call) -> ir.Expr:
        func = node.func
        task = self.task_for(func)
        if task is not None:
            if self.in_condition:
                pass
            op = self.task_call(node, task, None)
            tmp = self.temp(task.function + "_")
            op.target = tmp
            self.pending.append(op)
            return ir.Var(tmp)
        # libcst names `str(x).strip` "builtins.str": only a dotted name is looked up by qualified name
        dotted = _is_dotted(func)
        name = self.mod.pyflow_name(func) if dotted else None
        if name is not None:
            return self.pyflow_call(name, node)
        for q in self.mod.qualified(func) if dotted else ():
            if q in QUALIFIED_BUILTINS:
                return self.builtin(QUALIFIED_BUILTINS[q], node)
            if q.startswith("builtins.") and q[9:] in PY_BUILTINS:
                return self.builtin(q[9:], node)
        if isinstance(func, cst.Name) and func.value in PY_BUILTINS and func.value not in self.locals:
            return self.builtin(func.value, node)
        if isinstance(func, cst.Attribute) and func.attr.value in STRING_METHODS and not (
                dotted and _root_name(func) in self.mod.imports and _root_name(func) not in self.locals):
            return self.method(func, node)
        if self.client_of(func) is not None:
            op = self.service_call(node)
            op.target = self.temp(op.task + "_")
            self.pending.append(op)
            return ir.Var(op.target)
        if isinstance(func, cst.Attribute) and func.attr.value in ("encode", "decode") \
                and isinstance(func.value, cst.Call) and any(
                    q in ("base64.b64encode", "base64.b64decode") for q in self.mod.qualified(func.value.func)):
            self._expr(func.value)  # `base64.b64encode(s.encode()).decode()`: say why base64 is refused (PF111)
        shown = cst.Module([]).code_for_node(func)
        self.error("PF104", f"`{shown}` is not a task; a workflow can only call @task, @fragment and @workflow "
                   "functions and pyflow builtins", node, help="move this call into a @task function")
        raise Unsupported

    def pyflow_call(self, name: str, node: cst.Call) -> ir.Expr:
        args = [a for a in node.args]
        if name == "uuid":
            return ir.Builtin("uuid", ())
        if name == "hash":
            vals = [self._expr(a.value) for a in args]
            if len(vals) == 1:
                vals.append(ir.Const("SHA-256"))
            if len(vals) != 2 or not isinstance(vals[1], ir.Const) or vals[1].value not in (
                    "MD5", "SHA-1", "SHA-256", "SHA-384", "SHA-512"):
                self.error("PF111", "pf.hash(value, algorithm) needs a literal algorithm: MD5, SHA-1, SHA-256, "
                           "SHA-384 or SHA-512", node)
                raise Unsupported
            return ir.Builtin("hash", tuple(vals))
        if name == "is_timestamp":
            if len(args) != 1:
                self.error("PF111", "pf.is_timestamp() takes one value", node)
                raise Unsupported
            return ir.Builtin("is_timestamp", (self._expr(args[0].value),))
        if name == "timestamp":
            if len(args) != 1:
                self.error("PF111", "pf.timestamp() takes one ISO-8601 string", node)
                raise Unsupported
            return ir.Builtin("timestamp", (self._expr(args[0].value),))
        if name == "task_token":
            return ir.Context(("Task", "Token"))
        if name in ("wait", "fail", "custom_state"):
            self.error("PF111", f"pf.{name}() is a statement; it has no value", node,
                       help=f"call pf.{name}(...) on its own line")
            raise Unsupported
        if name == "map":
            return self.map_call(node)
        if name in ("sync", "options"):
            op = self.sync_or_options(node, name)
            op.target = self.temp(op.task + "_")
            self.pending.append(op)
            return ir.Var(op.target)
        if name in ("parallel", "branch"):
            self.error("PF116", f"pf.{name}() is used as `with pf.{name}():`", node)
            raise Unsupported
        self.error("PF104", f"pf.{name} is not a pyflow builtin that can be called in a workflow", node)
        raise Unsupported

    def builtin(self, name: str, node: cst.Call) -> ir.Expr:
        if any(a.keyword is not None or a.star for a in node.args) and name not in ("json_dumps", "sorted", "round"):
            self.error("PF111", f"{name}() takes positional arguments only here", node)
            raise Unsupported
        if name == "list" and len(node.args) == 1 and isinstance(node.args[0].value, cst.Call) \
                and isinstance(node.args[0].value.func, cst.Name) and node.args[0].value.func.value == "range":
            return self.range_call(node.args[0].value)
        if name == "isinstance":
            if len(node.args) != 2:
                self.error("PF111", "isinstance() takes two arguments", node)
                raise Unsupported
            value = self._expr(node.args[0].value)
            types_node = node.args[1].value
            elements = [e.value for e in types_node.elements] if isinstance(types_node, cst.Tuple) else [types_node]
            kinds = []
            for el in elements:
                kind = el.value if isinstance(el, cst.Name) else None
                if kind not in ("str", "int", "float", "bool", "dict", "list", "type(None)"):
                    self.error("PF111", "isinstance() works with str, int, float, bool, dict and list", el)
                    raise Unsupported
                kinds.append(kind)
            return ir.Builtin("isinstance", (value, ir.Const(kinds)))
        if name == "json_dumps":
            args = [a for a in node.args if a.keyword is None]
            kwargs = {a.keyword.value: a.value for a in node.args if a.keyword is not None}
            if len(args) != 1 or set(kwargs) - {"sort_keys"}:
                self.error("PF111", "json.dumps(value) is supported with no options other than sort_keys", node)
                raise Unsupported
            sort = False
            if "sort_keys" in kwargs:
                try:
                    sort = bool(literal(kwargs["sort_keys"]))
                except (ValueError, SyntaxError):
                    self.error("PF111", "sort_keys must be a literal", kwargs["sort_keys"])
                    raise Unsupported from None
            return ir.Builtin("json_dumps", (self._expr(args[0].value), ir.Const(sort)))
        if name in ("sorted", "round", "sum", "list"):
            if name == "list" and len(node.args) == 1:
                return ir.Builtin("list", (self._expr(node.args[0].value),))
            self.error("PF104", f"{name}() is not supported in a workflow", node, help="compute it in a @task")
            raise Unsupported
        arity = {"len": (1, 1), "str": (1, 1), "int": (1, 1), "float": (1, 1), "bool": (1, 1), "abs": (1, 1),
                 "min": (2, 9), "max": (2, 9), "json_loads": (1, 1), "fnmatch": (2, 2), "randint": (2, 2),
                 "floor": (1, 1), "ceil": (1, 1), "b64encode": (1, 1), "b64decode": (1, 1)}[name]
        if not arity[0] <= len(node.args) <= arity[1]:
            self.error("PF111", f"{name}() takes {arity[0]} argument{'s' if arity[0] != 1 else ''} here", node)
            raise Unsupported
        if name in ("b64encode", "b64decode"):
            self.error("PF111", f"base64.{name}() works on bytes, which workflow values are not; "
                       "JSONata's $base64encode/$base64decode read text as Latin-1, not UTF-8", node,
                       help="encode or decode in a @task: `return base64.b64encode(s.encode()).decode()`")
            raise Unsupported
        value = ir.Builtin(name, tuple(self._expr(a.value) for a in node.args))
        if name in ("str", "fnmatch"):  # builtins a backend may reject (PF101 points at the call)
            self.note_span(value, node)
        return value
