"""Lowering of the constructs that nest a state machine (a mixin of
``FunctionLowerer``): ``sub_machine`` builds one, ``with pf.parallel():``/``pf.branch``
becomes a Parallel state, and maps (comprehensions, ``pf.map``, ``for x in pf.map(...)``)
a Map state. A plain ``for`` loop lowered as a Map is ``loops``.
"""
from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any, Callable

import libcst as cst

from pyflow import ir
from pyflow.frontend.aliasing import _assigned_names, _loaded_names, _mention_counts, _read_names
from pyflow.frontend.modules import _option_expr, literal, retry_problems

if TYPE_CHECKING:  # pragma: no cover
    from pyflow.frontend.common import Frontier
    from pyflow.frontend.lower import FunctionLowerer


class ParallelLowering:
    """Mixin: see the module docstring."""

    # -------------------------------------------------------------- sub-machines
    def sub_machine(self: "FunctionLowerer", build: Callable[["Frontier"], "Frontier"], params: list[str],
                    body: cst.CSTNode | None, suffix: str, returns: bool = False,
                    param_values: list[ir.Expr] | None = None, exclude: frozenset[str] = frozenset(),
                    private: frozenset[str] = frozenset()) -> ir.SubMachine:
        """Lower a block into a separate graph (a Parallel branch or Map body). ``exclude``:
        names the block mentions that the machine neither reads nor assigns (a loop's
        accumulator, which the Map's result replaces)."""
        assigned = _assigned_names(body) if body is not None else Counter()
        for name in exclude:
            assigned.pop(name, None)
        assigned.update({p: 1 for p in params})
        self.scope_counter += 1
        saved = (self.loops, self.tries.handlers, self.return_mode, dict(self.renames), self.tries.finally_stack, self.caught)
        self.loops, self.tries.handlers, self.tries.finally_stack, self.caught = [], [], [], []
        self.return_mode = "map" if returns else "branch"
        renamed: dict[str, str] = {}
        for name in assigned:
            if self.assign_counts.get(name, 0) > assigned[name] or name in self.param_names or name in saved[3]:
                inner = f"{name}_{suffix}{self.scope_counter}"
                renamed[name] = inner
                self.renames[name] = inner
            else:
                self.renames.pop(name, None)
            self.locals.add(name)
        entry = self.new(ir.Entry())
        frontier: "Frontier" = [(entry, "next")]
        # a renamed name the block reads starts from its outer value
        reads = (_loaded_names(body) if body is not None else set()) - exclude
        for name, inner in sorted(renamed.items()):
            if name in reads and name not in params:
                outer = saved[3].get(name, name)
                frontier = self.emit(frontier, ir.Assign(inner, ir.Var(outer)))
        for i, p in enumerate(params):
            value = (param_values or [])[i] if param_values else ir.Builtin("item", ())
            frontier = self.emit(frontier, ir.Assign(self.renames.get(p, p), value))
        try:
            frontier = build(frontier)
        except BaseException:  # Unsupported from the block: the caller goes on, so restore its state
            self.loops, self.tries.handlers, self.return_mode, self.renames, self.tries.finally_stack, self.caught = saved
            raise
        exports = [] if returns else [(name, self.renames.get(name, name)) for name in sorted(assigned)
                                       if name not in params and name not in private]
        if frontier:
            value: ir.Expr = ir.Const(None) if returns else ir.DictExpr(tuple(
                (ir.Const(outer), ir.Var(inner)) for outer, inner in exports))
            ret = self.new(ir.Return(value))
            self.connect(frontier, ret)
        self.attach_catches(since=entry)
        self.loops, self.tries.handlers, self.return_mode, self.renames, self.tries.finally_stack, self.caught = saved
        from pyflow.cfg import reachable

        nodes = reachable(self.graph, entry)
        graph = self.graph.subgraph(nodes).copy()
        self.graph.remove_nodes_from(nodes)
        sub = ir.SubMachine(graph, entry, [self.renames.get(p, renamed.get(p, p)) for p in params], exports)
        return sub

    # -------------------------------------------------------------- parallel
    def with_stmt(self: "FunctionLowerer", stmt: cst.With, frontier: "Frontier") -> "Frontier":
        if len(stmt.items) != 1 or not isinstance(stmt.items[0].item, cst.Call) \
                or self.mod.pyflow_name(stmt.items[0].item.func) != "parallel":
            self.error("PF116", "a workflow's only `with` block is `with pf.parallel():`", stmt,
                       help="put each branch in `with pf.branch():` inside `with pf.parallel():`")
            return frontier
        call = stmt.items[0].item
        retry = None
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value == "retry":
                retry = _option_expr(self.mod, arg.value)
                for problem in retry_problems(retry):
                    self.error("PF112", problem, arg.value)
            else:
                self.error("PF111", "pf.parallel() takes only retry=", arg)
        branches: list[cst.With] = []
        for inner in self._body(stmt.body):
            if isinstance(inner, cst.With) and len(inner.items) == 1 and isinstance(inner.items[0].item, cst.Call) \
                    and self.mod.pyflow_name(inner.items[0].item.func) == "branch":
                branches.append(inner)
            elif isinstance(inner, cst.SimpleStatementLine) and all(isinstance(s, cst.Pass) for s in inner.body):
                continue
            else:
                self.error("PF116", "only `with pf.branch():` blocks may appear directly inside `with pf.parallel():`",
                           inner, help="move this statement into a branch, or before/after the parallel block")
        if not branches:
            self.error("PF116", "`with pf.parallel():` needs at least one `with pf.branch():` block", stmt)
            return frontier
        written = [_assigned_names(b.body) for b in branches]
        read = [_read_names(b.body) for b in branches]
        for i, names in enumerate(written):
            for j, other in enumerate(written):
                if j <= i:
                    continue
                for name in sorted(set(names) & set(other)):
                    self.error("PF115", f"branches {i + 1} and {j + 1} both assign {name!r}", branches[j],
                               help="branches run at the same time: give each result its own name")
            for j, reads in enumerate(read):
                if j != i:
                    for name in sorted(set(names) & reads):
                        self.error("PF115", f"branch {j + 1} reads {name!r}, which branch {i + 1} assigns", branches[j],
                                   help="branches run at the same time: read it after the parallel block")
        subs = []
        body = self.function_bodies[-1] if self.function_bodies else None
        everywhere = _mention_counts(body) if body is not None else None
        for b in branches:
            stmts = self._body(b.body)
            # A name only the branch mentions (a loop variable, a temporary) is not exported:
            # it may be unassigned when the branch ends, and nothing after the block reads it.
            internal: frozenset[str] = frozenset()
            if everywhere is not None:
                inside = _mention_counts(b.body)
                internal = frozenset(n for n in written[branches.index(b)] if everywhere[n] <= inside[n])
            subs.append(self.sub_machine(lambda f, stmts=stmts: self.block(stmts, f), [], b.body, "b",
                                         private=internal))
        par = self.new(ir.Parallel(subs, retry=retry, span=self.span(stmt)))
        self.connect(frontier, par)
        out: "Frontier" = [(par, "next")]
        for i, sub in enumerate(subs):
            for outer, _ in sub.exports:
                out = self.emit(out, ir.Assign(self.renames.get(outer, outer),
                                               ir.Builtin("branch_result", (ir.Const(i), ir.Const(outer))),
                                               span=self.span(stmt)))
        return out

    # -------------------------------------------------------------- maps
    def comprehension(self: "FunctionLowerer", node: cst.ListComp) -> ir.Expr:
        if node.for_in.inner_for_in is not None:
            self.error("PF101", "nested comprehensions are not supported", node, help="use a for loop")
            raise self.Unsupported
        comp = node.for_in
        if not isinstance(comp.target, cst.Name):
            self.error("PF113", "a comprehension's target must be a name", comp.target)
            raise self.Unsupported
        items = self.iterable(comp.iter)  # `range(n)` too, as a for loop takes it
        var = comp.target.value
        conds = list(comp.ifs)
        element = node.elt

        def build(f: "Frontier") -> "Frontier":
            if conds:
                test: ir.Expr = self.expr(conds[0].test)
                for extra in conds[1:]:
                    test = ir.BoolOp("and", (test, self.expr(extra.test)))
                f = self.flush(f)
                branch = self.new(ir.Branch(test, "if"))
                self.connect(f, branch)
                value = self.expr(element)
                keep = self.flush([(branch, "T")])
                ret = self.new(ir.Return(ir.DictExpr(((ir.Const("keep"), ir.Const(True)), (ir.Const("value"), value)))))
                self.connect(keep, ret)
                drop = self.new(ir.Return(ir.DictExpr(((ir.Const("keep"), ir.Const(False)),))))
                self.connect([(branch, "F")], drop)
                return []
            value = self.expr(element)
            f = self.flush(f)
            ret = self.new(ir.Return(value))
            self.connect(f, ret)
            return []

        pending, self.pending = self.pending, []
        body = self.sub_machine(build, [var], node, "m", returns=True)
        self.pending = pending
        tmp = self.temp("map")
        self.pending.append(ir.MapState(items, body, target=tmp, filtered=bool(conds), span=self.span(node)))
        return ir.Var(tmp)

    def map_call(self: "FunctionLowerer", node: cst.Call) -> ir.Expr:
        args = [a for a in node.args if a.keyword is None]
        options = {a.keyword.value: a.value for a in node.args if a.keyword is not None}
        if len(args) != 2:
            self.error("PF111", "pf.map(f, items) takes a function and a list", node,
                       help="or iterate: `for x in pf.map(items):`")
            raise self.Unsupported
        fn_node, items_node = args[0].value, args[1].value
        max_conc, retry, mode, extra = self.map_options(options, node)
        items, reader = self.map_items(items_node, mode)
        if reader is not None:
            extra["item_reader"] = reader
        param = self.temp("item")

        def build(f: "Frontier") -> "Frontier":
            if isinstance(fn_node, cst.Lambda):
                params = fn_node.params.params
                if len(params) != 1:
                    self.error("PF111", "the lambda of pf.map takes one parameter", fn_node)
                    raise self.Unsupported
                inner = params[0].name.value
                self.locals.add(inner)
                f = self.emit(f, ir.Assign(self.renames.get(inner, inner), ir.Var(param)))
                value = self.expr(fn_node.body)
            else:
                call = cst.Call(func=fn_node, args=[cst.Arg(value=cst.Name(param))])
                self.locals.add(param)
                value = self.expr(call)
            f = self.flush(f)
            ret = self.new(ir.Return(value))
            self.connect(f, ret)
            return []

        pending, self.pending = self.pending, []
        self.locals.add(param)
        body = self.sub_machine(build, [param], fn_node if isinstance(fn_node, cst.Lambda) else None, "m",
                                returns=True)
        self.pending = pending
        tmp = self.temp("map")
        self.pending.append(ir.MapState(items, body, target=tmp, max_concurrency=max_conc, retry=retry,
                                        options=extra, span=self.span(node)))
        return ir.Var(tmp)

    def map_options(self: "FunctionLowerer", options: dict[str, cst.BaseExpression], node: cst.CSTNode,
                    statement: bool = False) -> tuple:
        """(max_concurrency, retry, mode, extra): extra holds the Distributed Map options."""
        max_conc = retry = None
        mode = "inline"
        extra: dict[str, Any] = {}
        ints = {"batch_size": "batch_size", "tolerated_failure_count": "tolerated_failure_count"}
        for key, value in options.items():
            if key == "max_concurrency":
                try:
                    max_conc = int(literal(value))
                except (ValueError, SyntaxError, TypeError):
                    self.error("PF111", "max_concurrency must be a whole-number literal", value)
            elif key == "retry":
                retry = _option_expr(self.mod, value)
                for problem in retry_problems(retry):
                    self.error("PF112", problem, value)
            elif key == "mode":
                try:
                    mode = str(literal(value))
                except (ValueError, SyntaxError):
                    mode = "?"
                if mode not in ("inline", "distributed"):
                    self.error("PF111", "mode must be \"inline\" or \"distributed\"", value)
            elif key in ints or key == "tolerated_failure_percentage":
                try:
                    number = literal(value)
                    if not isinstance(number, (int, float)) or isinstance(number, bool) or number < 0:
                        raise ValueError
                    extra[key] = number
                except (ValueError, SyntaxError, TypeError):
                    self.error("PF111", f"{key} must be a non-negative number literal", value)
            elif key == "result_writer":
                if not (isinstance(value, cst.Call) and self.mod.pyflow_name(value.func) == "s3_results"):
                    self.error("PF111", "result_writer= takes pf.s3_results(bucket=..., prefix=...)", value)
                elif not statement:
                    self.error("PF111", "result_writer= replaces the Map's result by a manifest: use it only in "
                               "`for x in pf.map(...):`, whose results are discarded", value,
                               help="or drop result_writer= to get the list of results back")
                else:
                    extra["result_writer"] = self.literal_kwargs(value, ("bucket", "prefix"))
            else:
                self.error("PF111", f"pf.map() has no option {key!r}", value,
                           help="options: max_concurrency, retry, mode, batch_size, tolerated_failure_count, "
                                "tolerated_failure_percentage, result_writer")
        distributed_only = set(extra) - {"tolerated_failure_count", "tolerated_failure_percentage"}
        if mode != "distributed" and distributed_only:
            self.error("PF111", f"{', '.join(sorted(distributed_only))} need mode=\"distributed\"", node)
        extra["mode"] = mode
        return max_conc, retry, mode, extra

    def literal_kwargs(self: "FunctionLowerer", call: cst.Call, allowed: tuple[str, ...]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for arg in call.args:
            if arg.keyword is None or arg.keyword.value not in allowed:
                self.error("PF111", f"use keyword arguments: {', '.join(allowed)}", arg)
                continue
            try:
                out[arg.keyword.value] = literal(arg.value)
            except (ValueError, SyntaxError):
                self.error("PF111", f"{arg.keyword.value}= must be a literal", arg.value)
        return out

    def map_items(self: "FunctionLowerer", node: cst.BaseExpression, mode: str) -> tuple[ir.Expr, dict[str, Any] | None]:
        """The Map's items: an expression, or ``pf.s3_items(...)`` read by a Distributed Map."""
        if isinstance(node, cst.Call) and self.mod.pyflow_name(node.func) == "s3_items":
            reader = self.literal_kwargs(node, ("bucket", "prefix", "key", "format"))
            fmt = reader.get("format", "objects" if "key" not in reader else "json")
            if mode != "distributed":
                self.error("PF111", "pf.s3_items() is read by a Distributed Map: add mode=\"distributed\"", node)
            if "bucket" not in reader or fmt not in ("objects", "json", "csv") or (fmt != "objects") != ("key" in reader):
                self.error("PF111", "pf.s3_items(bucket=..., prefix=...) lists objects; "
                           "pf.s3_items(bucket=..., key=..., format=\"json\"|\"csv\") reads one file", node)
            reader["format"] = fmt
            return ir.Const(None), reader
        return self.expr(node), None

    def for_map(self: "FunctionLowerer", stmt: cst.For, frontier: "Frontier") -> "Frontier":
        call = stmt.iter
        assert isinstance(call, cst.Call)
        args = [a for a in call.args if a.keyword is None]
        options = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
        if len(args) != 1 or not isinstance(stmt.target, cst.Name):
            self.error("PF111", "write `for item in pf.map(items):`", stmt)
            return frontier
        max_conc, retry, mode, extra = self.map_options(options, call, statement=True)
        items, reader = self.map_items(args[0].value, mode)
        if reader is not None:
            extra["item_reader"] = reader
        frontier = self.flush(frontier)
        var = stmt.target.value
        self._check_map_body_private(stmt, var)
        stmts = self._body(stmt.body)
        body = self.sub_machine(lambda f: self.block(stmts, f), [var], stmt.body, "m", returns=True)
        node = self.new(ir.MapState(items, body, target=None, max_concurrency=max_conc, retry=retry,
                                    options=extra, span=self.span(stmt)))
        self.connect(frontier, node)
        return [(node, "next")]

    def _check_map_body_private(self: "FunctionLowerer", stmt: cst.For, var: str) -> None:
        """PF115 where a ``for x in pf.map(...)`` body assigns a name the code around it
        uses: natively the loop's assignments (``x`` included) outlive it, but the Map's
        iterations run concurrently and keep theirs, so the two runs would differ."""
        if not self.function_bodies:
            return
        everywhere = _mention_counts(self.function_bodies[-1])
        inside = _mention_counts(stmt.body)
        inside[var] += 1  # the loop's own target
        shared = sorted(n for n in set(_assigned_names(stmt.body)) | {var} if everywhere[n] > inside[n])
        for name in shared:
            self.error("PF115", f"the pf.map loop body assigns {name!r}, which the code around the loop uses",
                       stmt.target if name == var else stmt,
                       help="iterations run at the same time and keep their own variables: collect results "
                            "with `results = pf.map(f, items)` or `[f(x) for x in items]` instead")
