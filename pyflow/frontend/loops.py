"""A sequential ``for`` loop lowered to an inline ``Map`` run one item at a time.

In general ``for x in xs:`` is a ``Choice`` loop over an index (``FunctionLowerer.for_stmt``),
because an iteration may change any outer variable for the next one. Two common shapes
need none of that, and as a ``Map`` with ``MaxConcurrency: 1`` they cost one state
transition less per item (no Choice) and no index variables:

- the accumulator: ``acc = []`` (or any list display or comprehension) earlier in the
  same block, then ``for x in xs: ... acc = acc + [E]`` (or ``acc += [E]``): each iteration
  returns ``E``, the Map's result is the list of them, and ``acc`` is that list (after a
  non-empty start, ``acc = acc + <result>``);
- a loop run for its side effects: it writes nothing that outlives its iteration.

``MaxConcurrency: 1`` runs the iterations one after the other, in the list's order, so
tasks see the calls Python makes, in Python's order. The lowering is chosen only where no
one can tell the difference, i.e. when all of these hold:

1. the target is a name, the loop is not ``for x in pf.map(...)``, and ``xs`` and the
   statements between ``acc = [...]`` and the loop do not mention ``acc`` (nor ``break``
   or ``continue`` out of them, which could skip the loop with ``acc`` observed later);
2. the body leaves only by its end: no ``return``, ``raise``, ``pf.fail``, ``break`` or
   ``continue`` of this loop, no ``try``/``with``/``match``/definitions/walrus/custom
   states (anything unusual keeps the general loop, whose lowering reports what is wrong);
3. ``acc`` appears in the body only in its one append statement, at the body's top level
   (so it runs exactly once per item);
4. nothing is carried from one iteration to the next: every variable the body assigns is
   read in the body only after the same iteration assigned it (a must-be-assigned
   analysis over the body's statements);
5. no error raised in the loop can be caught in this workflow (the loop is in no ``try``
   body, and in no ``except``/``else`` of a ``try`` with ``finally``, at any nesting): a
   handler would see ``acc`` half built in Python and untouched compiled;
6. after the loop, nothing reads the loop variable or a variable the body assigned (Python
   leaves them bound to the last iteration's values). This is checked on the finished
   graph (``cfg.live_out``); a loop that fails it is lowered again as the general loop
   (``FunctionLowerer.lower`` retries with it excluded).

A non-list ``xs`` fails the Map (``Items`` must be an array), as the general loop fails
reading an item of it; both report the engine's data error.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from pyflow import ir
from pyflow.cfg import live_out, op

if TYPE_CHECKING:  # pragma: no cover
    from pyflow.frontend.common import Frontier
    from pyflow.frontend.lower import FunctionLowerer
    from pyflow.frontend.modules import SourceModule


@dataclass(frozen=True)
class MapLoop:
    """How one ``for`` statement becomes a Map (see the module docstring)."""

    acc: str | None  # the accumulator's Python name; None: a loop run for its side effects
    append: cst.BaseSmallStatement | None  # `acc = acc + [E]` / `acc += [E]` in the body
    element: cst.BaseExpression | None  # E
    init_empty: bool  # `acc = []` right before: not lowered, the Map's result is acc
    writes: frozenset[str]  # Python names the body binds, and the loop variable (acc excluded)


@dataclass(frozen=True)
class MapLoopCheck:
    """A loop lowered to a Map, to be confirmed once the graph is complete (condition 6)."""

    node: int  # the MapState node
    dead: frozenset[str]  # variables (as lowered) that must not be live after it
    loop: int  # id() of the For statement, excluded when lowering again


# ---------------------------------------------------------------- reading the source
def _statements(body: cst.BaseSuite) -> list[cst.BaseStatement]:
    if isinstance(body, cst.IndentedBlock):
        return list(body.body)
    assert isinstance(body, cst.SimpleStatementSuite)
    return [cst.SimpleStatementLine(body=body.body)]


class _Names(cst.CSTVisitor):
    def __init__(self) -> None:
        self.found: set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:  # noqa: N802
        self.found.add(node.value)

    def visit_Attribute(self, node: cst.Attribute) -> bool:  # noqa: N802
        node.value.visit(self)
        return False  # `.attr` is not a variable

    def visit_Arg(self, node: cst.Arg) -> bool:  # noqa: N802
        node.value.visit(self)
        return False  # nor is `keyword=`


def _names(node: cst.CSTNode) -> set[str]:
    """The names an expression or statement mentions as variables: a superset of what it
    reads (and of what it binds)."""
    visitor = _Names()
    node.visit(visitor)
    return visitor.found


def _bound_by_target(target: cst.BaseExpression) -> tuple[set[str], set[str]]:
    """(names bound, names read) by an assignment target: ``d[k] = v`` binds ``d``
    (pyflow lowers it to ``d = setitem(d, k, v)``) and reads ``d`` and ``k``."""
    if isinstance(target, cst.Name):
        return {target.value}, set()
    if isinstance(target, (cst.Tuple, cst.List)):
        bound: set[str] = set()
        read: set[str] = set()
        for el in target.elements:
            b, r = _bound_by_target(el.value)
            bound |= b
            read |= r
        return bound, read
    root: cst.BaseExpression = target
    while isinstance(root, (cst.Subscript, cst.Attribute)):
        root = root.value
    read = _names(target)
    return ({root.value} if isinstance(root, cst.Name) else set()), read


def _small_effects(small: cst.BaseSmallStatement) -> tuple[set[str], set[str]] | None:
    """(names read, names bound) by a simple statement; None for one the transform does
    not take (return, raise, break, del, import, global, ...)."""
    if isinstance(small, cst.Pass):
        return set(), set()
    if isinstance(small, cst.Expr):
        return _names(small.value), set()
    if isinstance(small, cst.Assign):
        read, bound = _names(small.value), set()
        for t in small.targets:
            b, r = _bound_by_target(t.target)
            bound |= b
            read |= r
        return read, bound
    if isinstance(small, cst.AnnAssign):
        if small.value is None:
            return set(), set()
        bound, read = _bound_by_target(small.target)
        return read | _names(small.value), bound
    if isinstance(small, cst.AugAssign):
        bound, read = _bound_by_target(small.target)
        return read | bound | _names(small.value), bound
    return None


def _append_of(small: cst.BaseSmallStatement) -> tuple[str, cst.BaseExpression] | None:
    """``acc = acc + [E]`` or ``acc += [E]`` -> (acc, E)."""
    if isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.targets[0].target, cst.Name):
        name = small.targets[0].target.value
        value = small.value
        if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Add) \
                and isinstance(value.left, cst.Name) and value.left.value == name:
            element = _single_item(value.right)
            return (name, element) if element is not None else None
    if isinstance(small, cst.AugAssign) and isinstance(small.target, cst.Name) \
            and isinstance(small.operator, cst.AddAssign):
        element = _single_item(small.value)
        return (small.target.value, element) if element is not None else None
    return None


def _single_item(node: cst.BaseExpression) -> cst.BaseExpression | None:
    if isinstance(node, cst.List) and len(node.elements) == 1 and isinstance(node.elements[0], cst.Element):
        return node.elements[0].value
    return None


LEAVING_SMALL = (cst.Return, cst.Raise, cst.Global, cst.Nonlocal, cst.Del, cst.Import, cst.ImportFrom, cst.Assert)
UNUSUAL_COMPOUND = (cst.Try, cst.TryStar, cst.With, cst.Match, cst.FunctionDef, cst.ClassDef)


def _scan(body: list[cst.BaseStatement], mod: "SourceModule") -> set[str] | None:
    """Conditions 2 and 4's inputs in one walk over the statements (not the expressions:
    pyflow rejects ``yield``, ``await`` and ``:=`` in a workflow anyway): every name the
    body binds (``d[k] = ...`` binds ``d``), or None if the body may leave otherwise than
    by its end (``return``, ``raise``, ``pf.fail``, this loop's ``break``/``continue``) or
    holds a construct whose lowering nests or routes errors (``try``, ``with``, ``match``,
    custom states, definitions)."""
    bound: set[str] = set()
    stack: list[tuple[cst.CSTNode, int]] = [(stmt, 0) for stmt in body]  # (statement, loops around it)
    while stack:
        node, depth = stack.pop()
        if isinstance(node, cst.SimpleStatementLine):
            for small in node.body:
                if isinstance(small, LEAVING_SMALL) or (isinstance(small, (cst.Break, cst.Continue)) and not depth):
                    return None
                value = getattr(small, "value", None)
                if isinstance(value, cst.Call) and mod.pyflow_name(value.func) in ("fail", "custom_state"):
                    return None
                targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else \
                    [small.target] if isinstance(small, (cst.AnnAssign, cst.AugAssign)) else []
                for target in targets:
                    bound |= _bound_by_target(target)[0]
            continue
        if isinstance(node, UNUSUAL_COMPOUND):
            return None
        inner = depth
        if isinstance(node, (cst.For, cst.While)):
            inner = depth + 1
            if isinstance(node, cst.For):
                bound |= _bound_by_target(node.target)[0]
        if isinstance(node, (cst.For, cst.While, cst.If, cst.Else)):
            stack.extend((s, inner) for s in _statements(node.body))
            orelse = getattr(node, "orelse", None)
            if orelse is not None:
                # a loop's `else` runs after it: its break/continue are the enclosing loop's
                stack.append((orelse, depth))
            continue
        return None  # a statement kind the analysis does not know
    return bound


def _flow(stmts: list[cst.BaseStatement], defined: frozenset[str], tracked: frozenset[str],
          skip: cst.BaseSmallStatement | None) -> frozenset[str] | None:
    """Condition 4: the names of ``tracked`` surely assigned after ``stmts`` run from a
    point where ``defined`` are; None if one may be read before this iteration assigned it
    (a value carried from the previous iteration, or from before the loop)."""
    for stmt in stmts:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                effects = (_names(small), set()) if small is skip else _small_effects(small)
                if effects is None:
                    return None
                read, bound = effects
                if (read & tracked) - defined:
                    return None
                defined = defined | bound
        elif isinstance(stmt, cst.If):
            out = _flow_if(stmt, defined, tracked, skip)
            if out is None:
                return None
            defined = out
        elif isinstance(stmt, (cst.While, cst.For)):
            head = stmt.test if isinstance(stmt, cst.While) else stmt.iter
            if (_names(head) & tracked) - defined:
                return None
            inner = defined
            if isinstance(stmt, cst.For):
                bound, read = _bound_by_target(stmt.target)
                if (read & tracked) - defined:
                    return None
                inner = defined | bound
            # a later pass of a nested loop starts with at least what the first one had
            if _flow(_statements(stmt.body), inner, tracked, skip) is None:
                return None
            if stmt.orelse is not None and _flow(_statements(stmt.orelse.body), defined, tracked, skip) is None:
                return None
            # it may run no pass at all (and `break` may skip the rest): nothing surely assigned
        else:
            return None
    return defined


def _flow_if(stmt: cst.If, defined: frozenset[str], tracked: frozenset[str],
             skip: cst.BaseSmallStatement | None) -> frozenset[str] | None:
    if (_names(stmt.test) & tracked) - defined:
        return None
    then = _flow(_statements(stmt.body), defined, tracked, skip)
    if then is None:
        return None
    if stmt.orelse is None:
        other: frozenset[str] | None = defined
    elif isinstance(stmt.orelse, cst.If):
        other = _flow_if(stmt.orelse, defined, tracked, skip)
    else:
        other = _flow(_statements(stmt.orelse.body), defined, tracked, skip)
    return None if other is None else then & other


def _mentioned_besides(body: list[cst.BaseStatement], name: str, small: cst.BaseSmallStatement | None) -> bool:
    """Whether ``name`` appears in the body anywhere but in ``small``'s ``name = name + [...]``
    (its element included: ``acc = acc + [len(acc)]`` reads the list being built)."""
    for line in body:
        parts: list[cst.CSTNode] = [s for s in line.body if s is not small] \
            if isinstance(line, cst.SimpleStatementLine) else [line]
        if any(name in _names(part) for part in parts):
            return True
    element = _append_of(small) if small is not None else None
    return element is not None and name in _names(element[1])


def plan_loop(stmt: cst.For, mod: "SourceModule") -> MapLoop | None:
    """Conditions 1-4 for one ``for`` statement, without its surroundings (the
    accumulator's start is found by ``plan_block``)."""
    if stmt.asynchronous is not None or not isinstance(stmt.target, cst.Name):
        return None
    if isinstance(stmt.iter, cst.Call) and mod.pyflow_name(stmt.iter.func) == "map":
        return None
    body = _statements(stmt.body)
    bound = _scan(body, mod)
    if bound is None:
        return None
    appends = [(small, found) for line in body if isinstance(line, cst.SimpleStatementLine)
               for small in line.body for found in [_append_of(small)] if found is not None]
    var = stmt.target.value
    acc: str | None = None
    append: cst.BaseSmallStatement | None = None
    element: cst.BaseExpression | None = None
    if appends:
        if len(appends) != 1:
            return None
        append, (acc, element) = appends[0]
        if acc == var:
            return None
    writes = (bound | {var}) - ({acc} if acc else set())
    if _flow(body, frozenset({var}), frozenset(writes), append) is None:
        return None  # the cheap, usual reason first: a value carried across iterations
    if acc is not None and (acc in _names(stmt.iter) or _mentioned_besides(body, acc, append)):
        return None
    return MapLoop(acc, append, element, False, frozenset(writes))


def _init_of(stmt: cst.BaseStatement, acc: str) -> cst.BaseExpression | None:
    """``acc = [...]``, ``acc: list = [...]`` or ``acc = [... for ...]`` alone on its line -> the list."""
    if not (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1):
        return None
    small = stmt.body[0]
    if isinstance(small, cst.Assign) and len(small.targets) == 1:
        target: cst.BaseExpression = small.targets[0].target
    elif isinstance(small, cst.AnnAssign) and small.value is not None:
        target = small.target
    else:
        return None
    value = small.value
    if isinstance(target, cst.Name) and target.value == acc and isinstance(value, (cst.List, cst.ListComp)):
        return value
    return None


class _Jumps(cst.CSTVisitor):
    def __init__(self) -> None:
        self.found = False

    def visit_Break(self, node: cst.Break) -> None:  # noqa: N802
        self.found = True

    def visit_Continue(self, node: cst.Continue) -> None:  # noqa: N802
        self.found = True


def plan_block(stmts: list[cst.BaseStatement], mod: "SourceModule",
               excluded: frozenset[int]) -> tuple[dict[int, MapLoop], set[int]]:
    """The loops of one block that become Maps ({id(for statement): plan}) and the
    indices of the ``acc = []`` statements they absorb."""
    plans: dict[int, MapLoop] = {}
    skipped: set[int] = set()
    for j, stmt in enumerate(stmts):
        if not isinstance(stmt, cst.For) or id(stmt) in excluded:
            continue
        plan = plan_loop(stmt, mod)
        if plan is None:
            continue
        if plan.acc is None:
            plans[id(stmt)] = plan
            continue
        for i in range(j - 1, -1, -1):
            if plan.acc not in _names(stmts[i]):
                jumps = _Jumps()
                stmts[i].visit(jumps)
                if jumps.found:
                    break
                continue
            init = _init_of(stmts[i], plan.acc)
            if init is not None:
                empty = isinstance(init, cst.List) and not init.elements
                plans[id(stmt)] = MapLoop(plan.acc, plan.append, plan.element, empty, plan.writes)
                if empty:
                    skipped.add(i)
            break
    return plans, skipped


# ---------------------------------------------------------------- lowering
class MapLoopLowering:
    """Mixin of ``FunctionLowerer``: plans a block's loops and lowers the chosen ones."""

    def init_map_loops(self: "FunctionLowerer", excluded: frozenset[int]) -> None:
        self.map_loop_excluded = excluded
        self.map_loop_plans: dict[int, MapLoop] = {}
        self.map_loop_checks: list[MapLoopCheck] = []
        self.catching = 0  # enclosing constructs that can catch an error raised here (condition 5)

    def plan_map_loops(self: "FunctionLowerer", stmts: list[cst.BaseStatement]) -> set[int]:
        """Plan the block's loops (consumed by ``for_stmt``); the statement indices to skip."""
        if self.catching or not any(isinstance(s, cst.For) for s in stmts):
            return set()
        plans, skipped = plan_block(stmts, self.mod, self.map_loop_excluded)
        self.map_loop_plans.update(plans)
        return skipped

    def for_as_map(self: "FunctionLowerer", stmt: cst.For, plan: MapLoop, frontier: "Frontier") -> "Frontier":
        assert isinstance(stmt.target, cst.Name)
        items = self.iterable(stmt.iter)
        frontier = self.flush(frontier)
        dead = frozenset(self.renames.get(n, n) for n in plan.writes)
        acc = self.renames.get(plan.acc, plan.acc) if plan.acc else None
        stmts = self._body(stmt.body)
        body = self.sub_machine(lambda f: self._map_iteration(stmts, plan, f), [stmt.target.value], stmt.body, "m",
                                returns=True, exclude=frozenset({plan.acc} if plan.acc else ()))
        target = None if acc is None else acc if plan.init_empty else self.temp("map")
        node = self.new(ir.MapState(items, body, target=target, max_concurrency=1, span=self.span(stmt)))
        self.connect(frontier, node)
        out: "Frontier" = [(node, "next")]
        if acc is not None and target != acc:
            assert target is not None and plan.append is not None
            out = self.emit(out, ir.Assign(acc, ir.BinOp("+", ir.Var(acc), ir.Var(target)),
                                           span=self.span(plan.append)))
        self.map_loop_checks.append(MapLoopCheck(node, dead, id(stmt)))
        if stmt.orelse is not None:
            out = self.block(self._body(stmt.orelse.body), out)
        return out

    def _map_iteration(self: "FunctionLowerer", stmts: list[cst.BaseStatement], plan: MapLoop,
                       frontier: "Frontier") -> "Frontier":
        """One item's states: the body, returning the appended element (if any)."""
        if plan.append is None:
            return self.block(stmts, frontier)
        result: ir.Expr | None = None
        absorbed = self.plan_map_loops(stmts)
        for i, stmt in enumerate(stmts):
            if i in absorbed:
                continue
            holds = isinstance(stmt, cst.SimpleStatementLine) and any(s is plan.append for s in stmt.body)
            if not holds or not frontier:
                frontier = self.block_statement(stmt, frontier)
                continue
            assert isinstance(stmt, cst.SimpleStatementLine)
            frontier, result = self._append_line(stmt, plan, frontier, last=i == len(stmts) - 1)
        if result is not None and frontier:
            self.connect(frontier, self.new(ir.Return(result, span=self.span(stmts[-1]))))
            return []
        return frontier

    def _append_line(self: "FunctionLowerer", line: cst.SimpleStatementLine, plan: MapLoop, frontier: "Frontier",
                     last: bool) -> tuple["Frontier", ir.Expr | None]:
        """The line holding ``acc = acc + [E]``: E is the iteration's value, returned at
        once when nothing follows, else kept in a temporary until the body's end."""
        saved = self.current_statement
        result: ir.Expr | None = None
        try:
            for k, small in enumerate(line.body):
                if not frontier:
                    break
                self.current_statement = small
                if small is not plan.append:
                    frontier = self.small(small, frontier)
                    continue
                assert plan.element is not None
                value = self.expr(plan.element)
                frontier = self.flush(frontier)
                if last and k == len(line.body) - 1:
                    self.connect(frontier, self.new(ir.Return(value, span=self.span(small))))
                    return [], None
                tmp = self.temp("item")
                frontier = self.emit(frontier, ir.Assign(tmp, value, span=self.span(small)))
                result = ir.Var(tmp)
        except self.Unsupported:
            self.pending.clear()
        finally:
            self.current_statement = saved
        return frontier, result

    def unsound_map_loops(self: "FunctionLowerer", graph: "nx.MultiDiGraph") -> set[int]:
        """Condition 6 on the finished graph (and the machines nested in it): the loops
        lowered to a Map whose variables are read after them."""
        if not self.map_loop_checks:
            return set()
        by_node = {c.node: c for c in self.map_loop_checks}
        failed: set[int] = set()
        stack = [graph]
        while stack:
            g = stack.pop()
            here = [n for n in g.nodes if n in by_node]
            if here:
                live = live_out(g, here)
                failed |= {by_node[n].loop for n in here if live[n] & by_node[n].dead}
            for n in g.nodes:
                o = op(g, n)
                subs = o.branches if isinstance(o, ir.Parallel) else [o.body] if isinstance(o, ir.MapState) else []
                stack.extend(sub.graph for sub in subs)
        return failed
