"""Lowering of try/except/else/finally (issue 4; a mixin of ``FunctionLowerer``).

A try body is lowered in place with its ops tagged by a *region*; catchable
states then get Catch edges to the handlers (``attach_catches``), and a ``raise``
whose handler is known at compile time jumps straight to it. A body holding a
state that cannot catch (Choice, Pass, Wait) but may fail is instead wrapped in a
one-branch Parallel, so Python's ``except`` still sees the error.
"""
from __future__ import annotations

import builtins
import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

import libcst as cst

from pyflow import ir
from pyflow.errors import DATA_ERRORS, ENGINE_DATA_ERRORS
from pyflow.frontend.modules import error_ref

if TYPE_CHECKING:  # pragma: no cover
    from pyflow.frontend.common import Frontier
    from pyflow.frontend.lower import FunctionLowerer

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


@dataclass
class TryState:
    """The try/except state of one ``FunctionLowerer`` (``self.tries``)."""
    handlers: list[TryContext] = field(default_factory=list)  # the try contexts open here, innermost last
    contexts: dict[int, TryContext] = field(default_factory=dict)  # region -> its try context
    region_counter: int = 0
    finally_stack: list[cst.Finally] = field(default_factory=list)
    finally_handlers: dict[int, int] = field(default_factory=dict)  # id(finally) -> the handlers around its try


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
        self.tries = TryState()
        self.return_mode: str = "function"  # function / branch / map / fragment
        self.fragment_exits: list[tuple[Any, str | None]] = []
        self.renames: dict[str, str] = {}
        self.scope_counter = 0
        self.prefix = ""

    def current_region(self: "FunctionLowerer") -> int:
        return self.tries.handlers[-1].id if self.tries.handlers else 0

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
            if not o.region or o.region not in self.tries.contexts:
                continue
            chain = self.tries.contexts[o.region].chain()
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
        first_region = self.tries.region_counter + 1
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
        inside = {r for r, ctx in self.tries.contexts.items() if any(self._within(ctx, root) for root in roots)}
        catching = {r for r in inside if _catches_data_errors(self.tries.contexts[r])}
        caught = {c.var for ctx in self.tries.contexts.values() for c in ctx.clauses if c.var}

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
        self.tries.region_counter += 1
        parent = self.tries.handlers[-1] if self.tries.handlers else None
        ctx = TryContext(self.tries.region_counter, parent)
        self.tries.contexts[ctx.id] = ctx
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
            self.tries.region_counter += 1
            fin_ctx = TryContext(self.tries.region_counter, ctx.parent)
            self.tries.contexts[fin_ctx.id] = fin_ctx
            err = self.temp("error")
            fin_entry = self.new(ir.Nop(label="finally", span=self.span(final)))
            fin_ctx.clauses.append(Clause(["States.ALL"], fin_entry, err))
            ctx.parent = fin_ctx
            self.tries.finally_stack.append(final)
            self.tries.finally_handlers[id(final)] = len(self.tries.handlers)
        self.catching += 1  # the body's errors may be caught (pyflow.frontend.loops, condition 5)
        try:
            out = self._try_body(stmt, frontier, ctx, wrapped)
        finally:
            self.catching -= 1
        if fin_ctx:
            self.tries.handlers.append(fin_ctx)
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
            self.tries.handlers.pop()
        if final is not None and fin_ctx is not None:
            self.tries.finally_stack.pop()
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
            self.tries.handlers.append(ctx)
            par = self.new(ir.Parallel([sub], kind="try", span=self.span(stmt)))
            self.connect(frontier, par)
            out: "Frontier" = [(par, "next")]
            for outer, _ in sub.exports:
                out = self.emit(out, ir.Assign(self.renames.get(outer, outer),
                                               ir.Builtin("branch_result", (ir.Const(0), ir.Const(outer))),
                                               span=self.span(stmt)))
            self.tries.handlers.pop()
        else:
            self.tries.handlers.append(ctx)
            out = self.block(self._body(stmt.body), frontier)
            self.tries.handlers.pop()
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
        stack, handlers = list(self.tries.finally_stack), list(self.tries.handlers)
        for i in reversed(range(depth, len(stack))):
            self.tries.finally_stack = stack[:i]
            self.tries.handlers = handlers[: self.tries.finally_handlers[id(stack[i])]]
            frontier = self.block(self._body(stack[i].body), frontier)
        self.tries.finally_stack, self.tries.handlers = stack, handlers
        return frontier
