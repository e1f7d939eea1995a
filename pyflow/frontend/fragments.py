"""``@fragment`` inlining (a mixin of ``FunctionLowerer``): a call of a fragment is
lowered in place, its parameters and locals renamed into a scope of their own, its
``return`` a jump to the statement after the call.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from pyflow import ir
from pyflow.frontend.aliasing import _assigned_names
from pyflow.frontend.common import _LazySpan
from pyflow.frontend.modules import FunctionInfo

if TYPE_CHECKING:  # pragma: no cover
    from pyflow.frontend.common import Frontier
    from pyflow.frontend.lower import FunctionLowerer


class FragmentLowering:
    """Mixin: see the module docstring."""

    def fragment_for(self, func: cst.BaseExpression) -> FunctionInfo | None:
        if isinstance(func, cst.Attribute):
            info = self.module_function(func)
            return info if info is not None and info.kind == "fragment" else None
        if not isinstance(func, cst.Name) or func.value in self.locals:
            return None
        info = self.mod.functions.get(func.value)
        if info is None and func.value in self.mod.imports:
            resolved = self.loader.resolve_import(self.mod, self.mod.imports[func.value], _LazySpan(self.mod, func))
            if resolved is not None:
                info = resolved[0].functions.get(resolved[1])
        return info if info is not None and info.kind == "fragment" else None

    # -------------------------------------------------------------- fragments, workflows, activities
    def fragment_call(self: "FunctionLowerer", call: cst.Call, info: FunctionInfo, target: str | None,
                      frontier: "Frontier") -> "Frontier":
        """Inline a @fragment: its states named after the call site, its locals renamed."""
        line = self.span(call).line
        if info.name in self.fragment_stack:
            self.error("PF118", f"fragment {info.name!r} calls itself", call,
                       help="fragments are inlined at each call site; recursion has no end")
            raise self.Unsupported
        p = info.node.params
        params = list(p.params) + list(p.kwonly_params)
        names = [x.name.value for x in params]
        defaults = {x.name.value: x.default for x in params if x.default is not None}
        values: dict[str, ir.Expr] = {}
        positional = [a for a in call.args if a.keyword is None]
        if len(positional) > len(names):
            self.error("PF105", f"{info.name}() takes {len(names)} arguments but {len(positional)} were given", call)
            raise self.Unsupported
        for a, n in zip(positional, names):
            values[n] = self.expr(a.value)
        for a in call.args:
            if a.keyword is not None:
                if a.keyword.value not in names:
                    self.error("PF105", f"{info.name}() has no parameter {a.keyword.value!r}", a)
                    raise self.Unsupported
                values[a.keyword.value] = self.expr(a.value)
        frontier = self.flush(frontier)
        self.fragment_counter += 1
        tag = f"{info.name}{self.fragment_counter}"
        saved = (self.mod, dict(self.renames), self.prefix, self.return_mode, self.fragment_exits, self.loops)
        local_names = set(names) | set(_assigned_names(info.node.body))
        bound: list[tuple[str, ir.Expr]] = []
        for n in names:
            if n in values:
                bound.append((n, values[n]))
            elif n in defaults:
                self.mod = info.module
                bound.append((n, self.expr(defaults[n])))
                self.mod = saved[0]
            else:
                self.error("PF105", f"{info.name}() is missing {n!r}", call)
                raise self.Unsupported
        self.mod = info.module
        for n in local_names:
            self.renames[n] = f"{tag}_{n}"
            self.locals.add(n)
        for n, value in bound:
            frontier = self.emit(frontier, ir.Assign(self.renames[n], value, span=self.span(call)))
        self.prefix = f"{saved[2]}{info.name}{line}-"
        self.return_mode = "fragment"
        self.fragment_exits = []
        self.loops = []
        self.fragment_stack.append(info.name)
        self.function_bodies.append(info.node.body)
        try:
            out = self.block(self._body(info.node.body), frontier)
        finally:
            self.fragment_stack.pop()
            self.function_bodies.pop()
        exits = self.fragment_exits + ([(out, ir.Const(None))] if out else [])
        self.mod, self.renames, self.prefix, self.return_mode, self.fragment_exits, self.loops = saved
        join: "Frontier" = []
        for f, value in exits:
            join += self.emit(f, ir.Assign(target, value, span=self.span(call))) if target else f
        return join

    def fragment_return(self: "FunctionLowerer", value: ir.Expr, frontier: "Frontier") -> "Frontier":
        self.fragment_exits.append((self.flush(frontier), value))
        return []
