"""Simplifications on the CFG, run in a fixed order (``run_all``).

Each pass keeps the program's meaning; together they make the state machine as
small as a hand-written one: join points and loop heads vanish (jump threading),
consecutive tests become one ``Choice``, unreachable code goes, and assignments
ride on the states around them instead of becoming ``Pass`` states.
"""
from __future__ import annotations

import networkx as nx

from pyflow import ir
from pyflow.cfg import add_edge, map_exprs, op, op_exprs, out_edges, reachable, redirect


def run_all(g: nx.MultiDiGraph, entry: int, top: bool = True) -> None:
    """Simplify a machine, then each machine nested in it (Parallel branches, Map bodies)."""
    branches_to_choices(g)
    thread_nops(g, entry)
    prune(g, entry)
    merge_choices(g)
    if top:
        inline_params(g, entry)
    fold_assigns(g, entry)
    prune(g, entry)
    for n in g.nodes:
        o = op(g, n)
        for sub in (o.branches if isinstance(o, ir.Parallel) else [o.body] if isinstance(o, ir.MapState) else []):
            run_all(sub.graph, sub.entry, top=False)


def branches_to_choices(g: nx.MultiDiGraph) -> None:
    """Two-way ``Branch`` tests become one-rule ``Choice`` nodes (T -> r0, F -> default)."""
    for n in list(g.nodes):
        o = op(g, n)
        if isinstance(o, ir.Branch):
            g.nodes[n]["op"] = ir.Choice(tests=[o.test], kind=o.kind, span=o.span, sources=[o.source],
                                         region=o.region, name_prefix=o.name_prefix)
            for u, v, k, d in list(g.out_edges(n, keys=True, data=True)):
                g.remove_edge(u, v, k)
                label = "r0" if k == "T" else "default"
                add_edge(g, u, v, label, d.get("assigns"))


def thread_nops(g: nx.MultiDiGraph, entry: int) -> None:
    """Jump threading: every edge into a ``Nop`` goes straight to its successor.

    A ``Nop`` that only reaches itself (``while True: pass``) is kept: it becomes a
    ``Pass`` state looping on itself, exactly as Python would spin.
    """
    for n in list(g.nodes):
        o = op(g, n)
        if not isinstance(o, ir.Nop):
            continue
        succs = out_edges(g, n)
        if not succs:
            g.remove_node(n)
            continue
        (_, target, _, data), = succs
        if target == n:
            o.label = "spin"
            continue
        for u, _, k in list(g.in_edges(n, keys=True)):
            redirect(g, u, n, k, target, data.get("assigns"))
        g.remove_node(n)


def prune(g: nx.MultiDiGraph, entry: int) -> None:
    """Remove what the entry cannot reach (code after return, raise, break)."""
    keep = reachable(g, entry)
    g.remove_nodes_from([n for n in list(g.nodes) if n not in keep])


def merge_choices(g: nx.MultiDiGraph) -> None:
    """``if a: ...(leaves)  if b: ...`` -> one Choice with two rules.

    A Choice whose default leads, with no assignments on the way, to another Choice
    that nothing else enters takes over that Choice's rules, in order.
    """
    changed = True
    while changed:
        changed = False
        for n in list(g.nodes):
            if n not in g or not isinstance(op(g, n), ir.Choice):
                continue
            c1: ir.Choice = op(g, n)  # type: ignore[assignment]
            default = [(v, d) for _, v, k, d in out_edges(g, n) if k == "default"]
            if not default:
                continue
            m, data = default[0]
            if m == n or not isinstance(op(g, m), ir.Choice) or data.get("assigns") or g.in_degree(m) != 1:
                continue
            c2: ir.Choice = op(g, m)  # type: ignore[assignment]
            base = len(c1.tests)
            g.remove_edge(n, m, "default")
            for _, v, k, d in out_edges(g, m):
                label = "default" if k == "default" else f"r{base + int(k[1:])}"
                add_edge(g, n, v if v != m else n, label, d.get("assigns"))
            c1.tests.extend(c2.tests)
            c1.sources.extend(c2.sources)
            g.remove_node(m)
            changed = True


def fold_assigns(g: nx.MultiDiGraph, entry: int) -> None:
    """Move each ``Assign`` onto the edges that reach it, so it becomes part of the
    ``Assign`` field of the state before it instead of a ``Pass`` state.

    Not folded (kept as a state): an assignment that would duplicate an impure value
    (``pf.uuid()``) into a later expression, and one that loops onto itself.
    """
    for n in list(g.nodes):
        o = op(g, n)
        if not isinstance(o, ir.Assign):
            continue
        succs = out_edges(g, n)
        if len(succs) != 1:
            continue
        (_, target, _, out_data), = succs
        if target == n:
            continue
        ins = list(g.in_edges(n, keys=True, data=True))
        if any(u == n for u, _, _, _ in ins):
            continue
        risky = ir.may_fail(o.value) or any(ir.may_fail(e) for _, e in out_data.get("assigns", []))
        if risky and any(k.startswith("c") or op(g, u).region != o.region for u, _, k, _ in ins):
            continue  # an error here must reach this statement's own handlers, not another state's
        if not all(_can_fold(_own(g, u) + list(d.get("assigns", [])), o) for u, _, _, d in ins):
            continue
        if not _can_fold([(o.target, o.value)], None, out_data.get("assigns", [])):
            continue
        for u, _, k, d in ins:
            redirect(g, u, n, k, target, [(o.target, o.value)] + list(out_data.get("assigns", [])))
        g.remove_node(n)


def _own(g: nx.MultiDiGraph, u: int) -> list:
    """What a state assigns itself, before the assignments folded onto its exits."""
    o = op(g, u)
    if isinstance(o, ir.Assign):
        return [(o.target, o.value)]
    return []


# An assignment folded into the state before it has the earlier values of that state's
# ``Assign`` substituted into it. Past these sizes (IR nodes) it stays a state of its
# own: one transition instead of a definition that grows faster than the source
# (``x = x + x`` forty times over would double the expression forty times).
FOLD_MAX_NODES = 256    # the folded expression
FOLD_MAX_COPIED = 32    # the nodes that copying an earlier value more than once adds


def _grows(seq: list) -> bool:
    """Whether folding ``seq`` into one simultaneous assignment copies earlier values
    more than FOLD_MAX_COPIED extra nodes' worth into one expression, or builds an
    expression over FOLD_MAX_NODES."""
    sizes: dict[str, int] = {}
    for x, e in seq:
        reads: dict[str, int] = {}
        size = 0
        for node in ir.walk(e):
            if isinstance(node, ir.Var) and node.name in sizes:
                reads[node.name] = reads.get(node.name, 0) + 1
                size += sizes[node.name]
            else:
                size += 1
        copied = sum((k - 1) * sizes[name] for name, k in reads.items() if sizes[name] > 1)
        if copied > FOLD_MAX_COPIED or size > FOLD_MAX_NODES:
            return True
        sizes[x] = size
    return False


def _can_fold(before: list, new: ir.Assign | None, after: list | None = None) -> bool:
    impure = {x for x, e in before if not ir.is_pure(e)}
    if _grows(list(before) + ([(new.target, new.value)] if new is not None else list(after or []))):
        return False
    if new is not None:
        if impure & ir.free_vars(new.value):
            return False
        # one Assign holds one value per name: an earlier value that may fail (and that the
        # new one does not read) would never be evaluated, and Python's error would be lost
        if any(x == new.target and ir.may_fail(e, inputs=False) for x, e in before) \
                and new.target not in ir.free_vars(new.value):
            return False
        return True
    if after:
        assigned = {x for x, _ in before}
        for x, e in after:
            if impure & ir.free_vars(e):
                return False
            if x in assigned and any(y == x and ir.may_fail(v, inputs=False) for y, v in before) \
                    and x not in ir.free_vars(e):
                return False
            assigned.add(x)
    return True


def assigned_names(g: nx.MultiDiGraph) -> dict[str, int]:
    """How many places assign each name (Assign nodes, task targets, folded edges)."""
    counts: dict[str, int] = {}
    for n in g.nodes:
        o = op(g, n)
        target = getattr(o, "target", None)
        if isinstance(o, (ir.Assign, ir.TaskCall, ir.Custom)) and target:
            counts[target] = counts.get(target, 0) + 1
        for sub in (o.branches if isinstance(o, ir.Parallel) else [o.body] if isinstance(o, ir.MapState) else []):
            for name, count in assigned_names(sub.graph).items():
                counts[name] = counts.get(name, 0) + count
    for _, _, d in g.edges(data=True):
        for x, _ in d.get("assigns", []):
            counts[x] = counts.get(x, 0) + 1
    return counts


def inline_params(g: nx.MultiDiGraph, entry: int) -> None:
    """A parameter never reassigned is read from the execution input wherever it is
    used (``$states.context.Execution.Input``), so it needs no variable at all."""
    counts = assigned_names(g)
    binders: dict[str, int] = {}
    n = entry
    while True:
        edges = out_edges(g, n)
        if len(edges) != 1:
            break
        nxt = edges[0][1]
        o = op(g, nxt)
        if not (isinstance(o, ir.Assign) and isinstance(o.value, ir.Input)):
            break
        binders[o.target] = nxt
        n = nxt
    inline = {name: op(g, node).value for name, node in binders.items() if counts.get(name) == 1}
    if not inline:
        return
    for name in inline:
        node = binders[name]
        (_, succ, _, d), = out_edges(g, node)
        for u, _, k in list(g.in_edges(node, keys=True)):
            redirect(g, u, node, k, succ, d.get("assigns"))
        g.remove_node(node)
    map_exprs(g, lambda e: ir.substitute(e, inline))


def check_unread_inputs(g: nx.MultiDiGraph, entry: int, params: list[tuple[str, ir.Expr | None]]) -> None:
    """A parameter without a default that the workflow never reads from the input (unused,
    or reassigned before any read) is still required (DESIGN §2: the execution fails with
    ``pyflow.MissingInput``, as the native call does): the first state reads it anyway, for
    a value no state keeps (``pf_required``). Workflows that read all their parameters are
    unchanged."""
    required = [name for name, default in params if default is None]
    if not required:
        return
    known = _read_without_liveness(g, required)
    if None in known.values():
        read = _inputs_read(g)
        known = {x: x in read if r is None else r for x, r in known.items()}
    unread = [name for name in required if not known[name]]
    if not unread:
        return
    (_, first, key, data), = out_edges(g, entry)
    value = ir.ListExpr(tuple(ir.Input(name, None, True) for name in unread))
    g.edges[entry, first, key]["assigns"] = [("pf_required", value)] + list(data.get("assigns", []))


def _read_without_liveness(g: nx.MultiDiGraph, required: list[str]) -> dict[str, bool | None]:
    """Whether each of ``required`` is read, where that needs no liveness (``_inputs_read``,
    whose sets per node cost as much as the rest of a long compile): read from the input by
    an expression that is not its binder ``x = <input x>``, or assigned at most once (by its
    binder) and then read as a variable exactly when it is read at all. None for a parameter
    assigned again, which is left to ``_inputs_read``."""
    inputs: set[str] = set()
    free: set[str] = set()
    assigned: dict[str, int] = {}

    def collect(e: ir.Expr, binder: bool) -> None:
        for node in ir.walk(e):
            if isinstance(node, ir.Var):
                free.add(node.name)
            elif isinstance(node, ir.Input) and not binder:
                inputs.add(node.name)

    def visit(graph: nx.MultiDiGraph) -> None:
        for n in graph.nodes:
            o = op(graph, n)
            target = getattr(o, "target", None)
            if target:
                assigned[target] = assigned.get(target, 0) + 1
            binder = isinstance(o, ir.Assign) and isinstance(o.value, ir.Input) and o.value.name == o.target
            for e in op_exprs(o):
                collect(e, binder)
            for sub in (o.branches if isinstance(o, ir.Parallel) else [o.body] if isinstance(o, ir.MapState) else []):
                visit(sub.graph)
            for _, _, d in graph.out_edges(n, data=True):
                for x, e in d.get("assigns", []):
                    assigned[x] = assigned.get(x, 0) + 1
                    collect(e, isinstance(e, ir.Input) and e.name == x)

    visit(g)
    return {x: True if x in inputs else (x in free) if assigned.get(x, 0) <= 1 else None for x in required}


def _inputs_read(g: nx.MultiDiGraph) -> set[str]:
    """The parameters some expression reads from the input, nested machines included; a
    binder ``x = <input x>`` is a read only where ``x`` is live after it (a reassignment
    may replace it unread, and the backends then drop it)."""
    from pyflow.cfg import _live_in

    live_in = _live_in(g)

    def dead_binder(x: str, e: ir.Expr, live_after: set[str]) -> bool:
        return isinstance(e, ir.Input) and e.name == x and x not in live_after

    exprs: list[ir.Expr] = []
    for n in g.nodes:
        o = op(g, n)
        after: set[str] = set()
        for _, v, _, d in g.out_edges(n, keys=True, data=True):
            live = set(live_in[v])
            for y, e in reversed(d.get("assigns", [])):
                live.discard(y)
                live |= ir.free_vars(e)
            after |= live
        if not (isinstance(o, ir.Assign) and dead_binder(o.target, o.value, after)):
            exprs.extend(op_exprs(o))
        for sub in (o.branches if isinstance(o, ir.Parallel) else [o.body] if isinstance(o, ir.MapState) else []):
            exprs.append(ir.ListExpr(tuple(ir.Input(x, None, True) for x in _inputs_read(sub.graph))))
    for _, v, d in g.edges(data=True):
        live = set(live_in[v])  # walking back: what is live after each assignment
        for x, e in reversed(d.get("assigns", [])):
            if not dead_binder(x, e, live):
                exprs.append(e)
            live.discard(x)
            live |= ir.free_vars(e)
    return {n.name for e in exprs for n in ir.walk(e) if isinstance(n, ir.Input)}
