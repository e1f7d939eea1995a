"""Lowering of the constructs that nest state machines or route errors (issue 4):
try/except/else/finally, ``pf.parallel``/``pf.branch``, maps (comprehensions,
``pf.map``, ``for x in pf.map(...)``), ``@fragment`` inlining, nested ``@workflow``
calls, activities and callback (task-token) tasks.

It is a mixin of ``FunctionLowerer``: the same graph, counters and reporter.
A try body is lowered in place with its ops tagged by a *region*; catchable
states then get Catch edges to the handlers (``attach_catches``), and a ``raise``
whose handler is known at compile time jumps straight to it. A body holding a
state that cannot catch (Choice, Pass, Wait) but may fail is instead wrapped in a
one-branch Parallel, so Python's ``except`` still sees the error.
"""
from __future__ import annotations

import dataclasses

import builtins
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

import libcst as cst

from pyflow import ir
from pyflow.errors import DATA_ERRORS, ENGINE_DATA_ERRORS
from pyflow.cfg import out_edges
from pyflow.frontend.modules import FunctionInfo, _option_expr, error_ref, literal, retry_problems

if TYPE_CHECKING:  # pragma: no cover
    from pyflow.frontend.lower import FunctionLowerer, Frontier

CATCHABLE = (ir.TaskCall, ir.Parallel, ir.MapState)


@dataclass
class Clause:
    names: list[str]
    entry: int
    var: str | None


@dataclass
class TryContext:
    id: int
    parent: "TryContext | None"
    clauses: list[Clause] = field(default_factory=list)

    def chain(self) -> list[Clause]:
        """The handlers an error raised here meets, innermost first. Nothing after a
        catch-all can match (ASL also requires States.ALL to be the last catcher), and a
        repeated error name is already taken by the first clause that lists it."""
        out: list[Clause] = []
        seen: set[str] = set()
        ctx: TryContext | None = self
        while ctx is not None:
            for clause in ctx.clauses:
                names = [n for n in clause.names if n not in seen]
                if not names:
                    continue
                seen.update(names)
                out.append(clause if names == clause.names else Clause(names, clause.entry, clause.var))
                if "States.ALL" in names:
                    return out
            ctx = ctx.parent
        return out


def _catches_data_errors(ctx: TryContext) -> bool:
    """Whether a handler an error raised in ``ctx`` meets may catch an expression's data error:
    ``except Exception``, a bare ``except``, ``finally``, a data error class
    (``except KeyError``/``LookupError``/...), whose Catch lists the engine's error names, or
    ``except TaskFailed``: Step Functions does not match an expression's error with it, but
    moto's interpreter does (its own ``Exception``), so it keeps the guard, as before."""
    wide = {"States.ALL", "States.TaskFailed", *ENGINE_DATA_ERRORS}
    return any(n in wide for clause in ctx.chain() for n in clause.names)


def _error_field(e: ir.Expr, caught: set[str]) -> bool:
    """``err.error``/``err.cause`` of a caught error, or a ``+`` of such fields and str
    literals: always present, always str, so it cannot fail."""
    if isinstance(e, ir.Subscript):
        return isinstance(e.obj, ir.Var) and e.obj.name in caught and e.key in (ir.Const("Error"), ir.Const("Cause"))
    if isinstance(e, ir.BinOp) and e.op == "+":
        return all(_error_field(x, caught) or isinstance(x, ir.Const) and isinstance(x.value, str)
                   for x in (e.left, e.right))
    return False


def builtin_subclasses(name: str) -> list[str]:
    """``LookupError`` -> [LookupError, IndexError, KeyError]: Python's own hierarchy."""
    cls = getattr(builtins, name, None)
    if not (isinstance(cls, type) and issubclass(cls, BaseException)):
        return [name]
    out: list[str] = []
    stack = [cls]
    while stack:
        c = stack.pop()
        if c.__name__ not in out and getattr(builtins, c.__name__, None) is c:
            out.append(c.__name__)
        stack.extend(c.__subclasses__())
    return out


class StructuredLowering:
    """Mixin: see the module docstring."""

    # -------------------------------------------------------------- regions and catches
    def init_structured(self: "FunctionLowerer") -> None:
        self.handlers: list[TryContext] = []
        self.contexts: dict[int, TryContext] = {}
        self.region_counter = 0
        self.finally_stack: list[cst.Finally] = []
        self.finally_handlers: dict[int, int] = {}  # id(finally) -> the handlers around its try
        self.return_mode: str = "function"  # function / branch / map / fragment
        self.fragment_exits: list[tuple[Any, str | None]] = []
        self.renames: dict[str, str] = {}
        self.scope_counter = 0
        self.prefix = ""

    def current_region(self: "FunctionLowerer") -> int:
        return self.handlers[-1].id if self.handlers else 0

    def exception_names(self: "FunctionLowerer", node: cst.BaseExpression | None) -> list[str]:
        if node is None:
            return ["States.ALL"]
        elements = [e.value for e in node.elements] if isinstance(node, cst.Tuple) else [node]
        names: list[str] = []
        for el in elements:
            name = error_ref(self.mod, el)
            if name in ("Exception", "BaseException"):
                name = "States.ALL"
            if name == "States.ALL":
                return ["States.ALL"]
            if name in DATA_ERRORS or (getattr(builtins, name, None) is not None and name in builtin_subclasses(name)):
                for sub in builtin_subclasses(name):
                    names.append(sub)
                    if sub in DATA_ERRORS:
                        names.extend(ENGINE_DATA_ERRORS)
            else:
                names.append(name)
                names.extend(self.user_subclasses(name))
        seen: list[str] = []
        for n in names:
            if n not in seen:
                seen.append(n)
        return seen

    def user_subclasses(self: "FunctionLowerer", name: str) -> list[str]:
        out: list[str] = []
        changed = True
        while changed:
            changed = False
            for cname, cdef in self.mod.classes.items():
                if cname in out:
                    continue
                bases = {cst.Module([]).code_for_node(b.value).rsplit(".", 1)[-1] for b in cdef.bases}
                if name in bases or bases & set(out):
                    out.append(cname)
                    changed = True
        return out

    def attach_catches(self: "FunctionLowerer", since: int = 0) -> None:
        """Catch edges on every catchable state of a try body; raises routed at compile time.
        ``since``: only nodes created from that id on (a nested machine being extracted)."""
        for n in [n for n in self.graph.nodes if n >= since]:
            if n not in self.graph:
                continue
            o = self.graph.nodes[n]["op"]
            if not o.region or o.region not in self.contexts:
                continue
            chain = self.contexts[o.region].chain()
            if not chain:
                continue
            if isinstance(o, CATCHABLE) or (isinstance(o, ir.Custom) and o.state.get("Type") in ("Task", "Parallel", "Map")):
                for i, clause in enumerate(chain):
                    assigns = [(clause.var, ir.Builtin("error_output", ()))] if clause.var else []
                    self.graph.add_edge(n, clause.entry, key=f"c{i}", label=f"c{i}", assigns=assigns,
                                        errors=list(clause.names))
            elif isinstance(o, ir.Raise):
                self.route_raise(n, o, chain)

    def route_raise(self: "FunctionLowerer", n: int, o: ir.Raise, chain: list[Clause]) -> None:
        if o.dynamic is None:
            for clause in chain:
                if o.error in clause.names or "States.ALL" in clause.names:
                    value = ir.DictExpr(((ir.Const("Error"), ir.Const(o.error)), (ir.Const("Cause"), o.cause)))
                    self.graph.nodes[n]["op"] = (ir.Assign(clause.var, value, span=o.span, region=0)
                                                 if clause.var else ir.Nop(label="raise", span=o.span))
                    self.graph.add_edge(n, clause.entry, key="next", label="next", assigns=[])
                    return
            return
        tests: list[ir.Expr] = []
        for clause in chain:
            err = ir.Subscript(o.dynamic, ir.Const("Error"))
            tests.append(ir.Const(True) if "States.ALL" in clause.names
                         else ir.Compare("in", err, ir.ListExpr(tuple(ir.Const(x) for x in clause.names))))
        self.graph.nodes[n]["op"] = ir.Choice(tests=tests, kind="reraise", span=o.span)
        for i, clause in enumerate(chain):
            assigns = [(clause.var, o.dynamic)] if clause.var else []
            self.graph.add_edge(n, clause.entry, key=f"r{i}", label=f"r{i}", assigns=assigns)
        if not any("States.ALL" in c.names for c in chain):
            fail = self.new(ir.Raise("", ir.Const(""), dynamic=o.dynamic, span=o.span))
            self.graph.nodes[fail]["op"].region = 0
            self.graph.add_edge(n, fail, key="default", label="default", assigns=[])

    # -------------------------------------------------------------- try
    def try_stmt(self: "FunctionLowerer", stmt: cst.Try, frontier: "Frontier") -> "Frontier":
        before = set(self.graph.nodes)
        first_region = self.region_counter + 1
        out = self._try(stmt, frontier, wrapped=False)
        # the body's region and, with `finally`, the handlers' (whose errors `finally` sees)
        roots = {first_region, first_region + 1} if stmt.finalbody is not None else {first_region}
        moved = self._guard_risky(set(self.graph.nodes) - before, roots)
        # pending exits may start at a guarded node (the try's frontier, a `break` still
        # waiting for its loop's end, a fragment's return): they now leave from the rebuilt node
        for loop in self.loops:
            loop.breaks[:] = [(moved.get(n, n), label) for n, label in loop.breaks]
        self.fragment_exits[:] = [([(moved.get(n, n), label) for n, label in f], v) for f, v in self.fragment_exits]
        return [(moved.get(n, n), label) for n, label in out]

    def _guard_risky(self: "FunctionLowerer", nodes: set[int], roots: set[int]) -> dict[int, int]:
        """A state that cannot Catch (Pass, Choice, Wait, a return's Output) but whose
        expression may fail, inside a try body: its expression moves into a one-branch
        Parallel that can. Assignments made before it stay made, as in Python.

        An expression's failure is a data error (KeyError, TypeError, ...): where no handler
        around it catches one (``except Rejected``), it fails the run
        in Python and compiled alike, and needs no guard (with JSONPath, none could catch it)."""
        inside = {r for r, ctx in self.contexts.items() if any(self._within(ctx, root) for root in roots)}
        catching = {r for r in inside if _catches_data_errors(self.contexts[r])}
        caught = {c.var for ctx in self.contexts.values() for c in ctx.clauses if c.var}

        def may_fail(e: ir.Expr) -> bool:
            return ir.may_fail(e, safe=lambda x: _error_field(x, caught))

        moved: dict[int, int] = {}
        for n in sorted(nodes):
            if n not in self.graph:
                continue
            o = self.graph.nodes[n]["op"]
            if o.region not in inside:
                continue
            if not isinstance(o, ir.Wait) and o.region not in catching:
                continue
            if isinstance(o, ir.Assign) and may_fail(o.value):
                moved[n] = self._guard(n, o, [("value", o.value)], lambda v, o=o: ir.Assign(o.target, v["value"], span=o.span))
            elif isinstance(o, ir.Branch) and may_fail(o.test):
                moved[n] = self._guard(n, o, [("test", o.test)], lambda v, o=o: ir.Branch(v["test"], o.kind, span=o.span))
            elif isinstance(o, ir.Wait) and not all(isinstance(e, (ir.Const, type(None))) for e in (o.seconds, o.timestamp)):
                # only the Wait itself finds a computed value out of range (-1, 1.5, "soon")
                moved[n] = self._guard_state(n, o)
            elif isinstance(o, ir.Return) and may_fail(o.value):
                moved[n] = self._guard(n, o, [("value", o.value)], lambda v, o=o: ir.Return(v["value"], span=o.span))
        return moved

    def _guard_state(self: "FunctionLowerer", n: int, o: ir.Op) -> int:
        """The state itself moves into a one-branch Parallel whose Catch stands for its own."""
        graph = self.graph
        inner = dataclasses.replace(o, region=0, name_prefix=o.name_prefix)
        nodes = [self.new(ir.Entry()), self.new(inner), self.new(ir.Return(ir.Const(None), span=o.span))]
        for u, v in zip(nodes, nodes[1:]):
            graph.add_edge(u, v, key="next", label="next", assigns=[])
        sub = ir.SubMachine(graph.subgraph(nodes).copy(), nodes[0])
        graph.remove_nodes_from(nodes)
        for node_ in sub.graph.nodes:
            sub.graph.nodes[node_]["op"].region = 0
        graph.nodes[n]["op"] = ir.Parallel([sub], kind="guard", span=o.span, region=o.region, name_prefix=o.name_prefix)
        return n

    def _guard(self: "FunctionLowerer", n: int, o: ir.Op, parts: list[tuple[str, ir.Expr]],
               rebuild: Callable[[dict[str, ir.Expr]], ir.Op]) -> int:
        graph = self.graph
        entry = self.new(ir.Entry())
        ret = self.new(ir.Return(ir.DictExpr(tuple((ir.Const(k), e) for k, e in parts)), span=o.span))
        graph.add_edge(entry, ret, key="next", label="next", assigns=[])
        sub_nodes = {entry, ret}
        sub = ir.SubMachine(graph.subgraph(sub_nodes).copy(), entry)
        graph.remove_nodes_from(sub_nodes)
        for node_ in sub.graph.nodes:
            sub.graph.nodes[node_]["op"].region = 0
        temps = {k: self.temp(k) for k, _ in parts}
        par = ir.Parallel([sub], kind="guard", span=o.span, region=o.region, name_prefix=o.name_prefix)
        graph.nodes[n]["op"] = par
        successors = list(graph.out_edges(n, keys=True, data=True))
        graph.remove_edges_from([(u, v, k) for u, v, k, _ in successors])
        prev = n
        for k, t in temps.items():
            a = self.new(ir.Assign(t, ir.Builtin("branch_result", (ir.Const(0), ir.Const(k))), span=o.span,
                                   region=o.region, name_prefix=o.name_prefix))
            graph.add_edge(prev, a, key="next", label="next", assigns=[])
            prev = a
        rebuilt = rebuild({k: ir.Var(t) for k, t in temps.items()})
        rebuilt.region, rebuilt.name_prefix = o.region, o.name_prefix
        last = self.new(rebuilt)
        graph.add_edge(prev, last, key="next", label="next", assigns=[])
        for _, v, k, d in successors:
            graph.add_edge(last, v, key=k, **d)
        return last

    def _within(self: "FunctionLowerer", ctx: TryContext | None, region: int) -> bool:
        while ctx is not None:
            if ctx.id == region:
                return True
            ctx = ctx.parent
        return False

    def _wrappable(self: "FunctionLowerer", stmt: cst.Try) -> bool:
        """A body can move into a Parallel branch if nothing in it leaves it early."""
        found: list[bool] = []

        class Finder(cst.CSTVisitor):
            def visit_Return(self, node: cst.Return) -> None:  # noqa: N802
                found.append(True)

            def visit_Break(self, node: cst.Break) -> None:  # noqa: N802
                found.append(True)

            def visit_Continue(self, node: cst.Continue) -> None:  # noqa: N802
                found.append(True)

        stmt.body.visit(Finder())
        return not found

    def _open_context(self: "FunctionLowerer", stmt: cst.Try) -> TryContext:
        self.region_counter += 1
        parent = self.handlers[-1] if self.handlers else None
        ctx = TryContext(self.region_counter, parent)
        self.contexts[ctx.id] = ctx
        for h in stmt.handlers:
            names = self.exception_names(h.type)
            var = None
            if h.name is not None and isinstance(h.name.name, cst.Name):
                self.locals.add(h.name.name.value)
                var = self.check_target(h.name.name)
            entry = self.new(ir.Nop(label="except", span=self.span(h)))
            ctx.clauses.append(Clause(names, entry, var))
        return ctx

    def _try(self: "FunctionLowerer", stmt: cst.Try, frontier: "Frontier", wrapped: bool) -> "Frontier":
        ctx = self._open_context(stmt)
        final = stmt.finalbody
        fin_ctx: TryContext | None = None
        if final is not None:
            # errors escaping the body or a handler run `finally`, then propagate
            self.region_counter += 1
            fin_ctx = TryContext(self.region_counter, ctx.parent)
            self.contexts[fin_ctx.id] = fin_ctx
            err = self.temp("error")
            fin_entry = self.new(ir.Nop(label="finally", span=self.span(final)))
            fin_ctx.clauses.append(Clause(["States.ALL"], fin_entry, err))
            ctx.parent = fin_ctx
            self.finally_stack.append(final)
            self.finally_handlers[id(final)] = len(self.handlers)
        self.catching += 1  # the body's errors may be caught (pyflow.frontend.loops, condition 5)
        try:
            out = self._try_body(stmt, frontier, ctx, wrapped)
        finally:
            self.catching -= 1
        if fin_ctx:
            self.handlers.append(fin_ctx)
            self.catching += 1  # `finally` sees what else/except leave behind when they fail
        try:
            if stmt.orelse is not None:
                out = self.block(self._body(stmt.orelse.body), out)
            for clause, h in zip(ctx.clauses, stmt.handlers):
                self.caught.append(clause.var)
                out += self.block(self._body(h.body), [(clause.entry, "next")])
                self.caught.pop()
        finally:
            if fin_ctx:
                self.catching -= 1
        if fin_ctx:
            self.handlers.pop()
        if final is not None and fin_ctx is not None:
            self.finally_stack.pop()
            out = self.block(self._body(final.body), out)
            # the exceptional path: finally, then re-raise what was caught
            exc = self.block(self._body(final.body), [(fin_ctx.clauses[0].entry, "next")])
            if exc:
                node = self.new(ir.Raise("", ir.Const(""), dynamic=ir.Var(fin_ctx.clauses[0].var or ""),
                                         span=self.span(final)))
                self.connect(exc, node)
        return out

    def _try_body(self: "FunctionLowerer", stmt: cst.Try, frontier: "Frontier", ctx: TryContext,
                  wrapped: bool) -> "Frontier":
        """The try body: in place (its states tagged with the region) or in a one-branch Parallel."""
        if wrapped:
            body_stmts = self._body(stmt.body)
            sub = self.sub_machine(lambda f: self.block(body_stmts, f), params=[], body=stmt.body, suffix="t")
            self.handlers.append(ctx)
            par = self.new(ir.Parallel([sub], kind="try", span=self.span(stmt)))
            self.connect(frontier, par)
            out: "Frontier" = [(par, "next")]
            for outer, _ in sub.exports:
                out = self.emit(out, ir.Assign(self.renames.get(outer, outer),
                                               ir.Builtin("branch_result", (ir.Const(0), ir.Const(outer))),
                                               span=self.span(stmt)))
            self.handlers.pop()
        else:
            self.handlers.append(ctx)
            out = self.block(self._body(stmt.body), frontier)
            self.handlers.pop()
        return out

    def bare_raise(self: "FunctionLowerer", small: cst.Raise, frontier: "Frontier") -> "Frontier":
        var = next((v for v in reversed(self.caught) if v), None)
        if var is None:
            self.error("PF117", "a bare `raise` must be inside `except ... as name:`", small,
                       help="write `except SomeError as err:` so pyflow can re-raise what was caught")
            return frontier
        node = self.new(ir.Raise("", ir.Const(""), dynamic=ir.Var(var), span=self.span(small)))
        self.connect(frontier, node)
        return []

    def run_finally_before_exit(self: "FunctionLowerer", frontier: "Frontier", depth: int = 0) -> "Frontier":
        """``return`` (``break``/``continue``: the blocks inside the loop, from ``depth``)
        inside try/finally: the finally bodies run first, innermost first, each where its
        try statement stands, so its own errors meet only the handlers around that statement."""
        stack, handlers = list(self.finally_stack), list(self.handlers)
        for i in reversed(range(depth, len(stack))):
            self.finally_stack = stack[:i]
            self.handlers = handlers[: self.finally_handlers[id(stack[i])]]
            frontier = self.block(self._body(stack[i].body), frontier)
        self.finally_stack, self.handlers = stack, handlers
        return frontier

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
        saved = (self.loops, self.handlers, self.return_mode, dict(self.renames), self.finally_stack, self.caught)
        self.loops, self.handlers, self.finally_stack, self.caught = [], [], [], []
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
            self.loops, self.handlers, self.return_mode, self.renames, self.finally_stack, self.caught = saved
            raise
        exports = [] if returns else [(name, self.renames.get(name, name)) for name in sorted(assigned)
                                       if name not in params and name not in private]
        if frontier:
            value: ir.Expr = ir.Const(None) if returns else ir.DictExpr(tuple(
                (ir.Const(outer), ir.Var(inner)) for outer, inner in exports))
            ret = self.new(ir.Return(value))
            self.connect(frontier, ret)
        self.attach_catches(since=entry)
        self.loops, self.handlers, self.return_mode, self.renames, self.finally_stack, self.caught = saved
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


def _assigned_names(body: cst.CSTNode | None) -> Counter:
    """How often each name is bound by a statement in ``body`` (assignments, loop
    targets, ``except ... as``), walking statements only: fast on large workflows."""
    counts: Counter = Counter()
    if body is None:
        return counts

    def target(t: cst.BaseExpression) -> None:
        if isinstance(t, cst.Name):
            counts[t.value] += 1
        elif isinstance(t, (cst.Tuple, cst.List)):
            for el in t.elements:
                target(el.value)

    stack: list[cst.CSTNode] = [body]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.SimpleStatementLine):
            for small in node.body:
                if isinstance(small, cst.Assign):
                    for t in small.targets:
                        target(t.target)
                elif isinstance(small, cst.AnnAssign):
                    if small.value is not None:
                        target(small.target)
                elif isinstance(small, cst.AugAssign):
                    target(small.target)
            continue
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)) and node is not body:
            continue
        if isinstance(node, cst.For):
            target(node.target)
        elif isinstance(node, cst.ExceptHandler) and node.name is not None:
            target(node.name.name)
        elif isinstance(node, cst.SimpleStatementSuite):
            stack.append(cst.SimpleStatementLine(body=node.body))
            continue
        for child in node.children:
            if isinstance(child, (cst.BaseStatement, cst.BaseSuite, cst.Else, cst.Finally, cst.ExceptHandler,
                                  cst.If)):
                stack.append(child)
    return counts


def _comprehension_targets(node: cst.CSTNode) -> set[str]:
    names: set[str] = set()
    comp = getattr(node, "for_in", None)
    while comp is not None:
        stack = [comp.target]
        while stack:
            t = stack.pop()
            if isinstance(t, cst.Name):
                names.add(t.value)
            elif isinstance(t, (cst.Tuple, cst.List)):
                stack.extend(el.value for el in t.elements)
        comp = comp.inner_for_in
    return names


def _mention_counts(body: cst.CSTNode) -> Counter:
    """How often each name of the function's scope appears in ``body``, read or
    written: a comprehension's or lambda's own variables are their scope's, not counted."""
    counts: Counter = Counter()
    scopes: list[set[str]] = []

    class V(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:  # noqa: N802
            if not any(node.value in scope for scope in scopes):
                counts[node.value] += 1

        def on_visit(self, node: cst.CSTNode) -> bool:
            if isinstance(node, (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)):
                scopes.append(_comprehension_targets(node))
            elif isinstance(node, cst.Lambda):
                scopes.append({p.name.value for p in node.params.params})
            return super().on_visit(node)

        def on_leave(self, original_node: cst.CSTNode) -> None:
            if isinstance(original_node, (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp, cst.Lambda)):
                scopes.pop()
            super().on_leave(original_node)

    body.visit(V())
    return counts


def _loaded_names(body: cst.CSTNode) -> set[str]:
    """Every name the block mentions (a superset of what it reads)."""
    names: set[str] = set()

    class V(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:  # noqa: N802
            names.add(node.value)

    body.visit(V())
    return names


def _read_names(body: cst.CSTNode) -> set[str]:
    names: set[str] = set()

    class V(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:  # noqa: N802
            names.add(node.value)

    body.visit(V())
    return names - set(_assigned_names(body))
