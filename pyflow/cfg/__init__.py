"""The control-flow graph: a networkx ``MultiDiGraph`` (a ``DiGraph`` whose parallel
edges are keyed by their label) of ``pyflow.ir`` operations.

Edge attributes: ``label`` ("next", "T", "F", "r0".., "default") and ``assigns``,
the assignments folded onto that edge, in source order.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Iterable

import networkx as nx

from pyflow import ir


def op(g: nx.MultiDiGraph, n: int) -> ir.Op:
    return g.nodes[n]["op"]


def out_edges(g: nx.MultiDiGraph, n: int) -> list[tuple[int, int, str, dict]]:
    """Out-edges in a stable order: rules r0, r1, ... then T, F, default, next."""
    order = {"T": 0, "F": 1, "default": 10_000, "next": 20_000}
    edges = [(u, v, k, d) for u, v, k, d in g.out_edges(n, keys=True, data=True)]
    def rank(label: str) -> int:
        if label in order:
            return order[label]
        if label.startswith("r"):
            return int(label[1:])
        if label.startswith("c"):
            return 30_000 + int(label[1:])
        return 0

    return sorted(edges, key=lambda e: rank(e[2]))


def successor(g: nx.MultiDiGraph, n: int) -> int | None:
    edges = out_edges(g, n)
    return edges[0][1] if len(edges) == 1 else None


def redirect(g: nx.MultiDiGraph, u: int, old_v: int, key: str, new_v: int, extra_assigns: list | None = None) -> None:
    """Move edge (u, old_v, key) to point at new_v, appending assignments."""
    data = dict(g.edges[u, old_v, key])
    g.remove_edge(u, old_v, key)
    data["assigns"] = list(data.get("assigns", [])) + list(extra_assigns or [])
    g.add_edge(u, new_v, key=key, **data)


def add_edge(g: nx.MultiDiGraph, u: int, v: int, label: str, assigns: list | None = None) -> None:
    g.add_edge(u, v, key=label, label=label, assigns=list(assigns or []))


def reachable(g: nx.MultiDiGraph, entry: int) -> set[int]:
    return set(nx.descendants(g, entry)) | {entry}


def nodes_in_order(g: nx.MultiDiGraph, entry: int) -> Iterator[int]:
    """Depth-first from the entry following edges in their stable order: the
    state order of the output, so that it reads like the source."""
    seen: set[int] = set()
    stack = [entry]
    while stack:
        n = stack.pop()
        if n in seen:
            continue
        seen.add(n)
        yield n
        for _, v, _, _ in reversed(out_edges(g, n)):
            if v not in seen:
                stack.append(v)


def map_exprs(g: nx.MultiDiGraph, fn, deep: bool = True) -> None:
    """Apply ``fn`` to every expression of every operation and edge (and, if ``deep``,
    of the machines nested in Parallel and Map states)."""
    for n in g.nodes:
        o = op(g, n)
        if isinstance(o, ir.TaskCall):
            o.args = {k: fn(v) for k, v in o.args.items()}
        elif isinstance(o, ir.Assign):
            o.value = fn(o.value)
        elif isinstance(o, ir.Wait):
            o.seconds = fn(o.seconds) if o.seconds is not None else None
            o.timestamp = fn(o.timestamp) if o.timestamp is not None else None
        elif isinstance(o, ir.Choice):
            o.tests = [fn(t) for t in o.tests]
        elif isinstance(o, ir.Branch):
            o.test = fn(o.test)
        elif isinstance(o, ir.Raise):
            o.cause = fn(o.cause)
            if o.dynamic is not None:
                o.dynamic = fn(o.dynamic)
        elif isinstance(o, ir.Return):
            o.value = fn(o.value)
        elif isinstance(o, ir.MapState):
            o.items = fn(o.items)
        if deep:
            for sub in (o.branches if isinstance(o, ir.Parallel) else [o.body] if isinstance(o, ir.MapState) else []):
                map_exprs(sub.graph, fn)
    for _, _, d in g.edges(data=True):
        if d.get("assigns"):
            d["assigns"] = [(x, fn(e)) for x, e in d["assigns"]]


def assign_spans(g: nx.MultiDiGraph) -> list[tuple[str, ir.Expr, Any]]:
    """(target, value, span) of every ``Assign`` operation, nested machines included.

    Taken before the passes fold assignments onto edges (where they keep no span), so
    that a backend that cannot translate a folded value can still point at the
    statement that wrote it."""
    out: list[tuple[str, ir.Expr, Any]] = []
    for n in g.nodes:
        o = op(g, n)
        if isinstance(o, ir.Assign) and o.span is not None:
            out.append((o.target, o.value, o.span))
        for sub in (o.branches if isinstance(o, ir.Parallel) else [o.body] if isinstance(o, ir.MapState) else []):
            out.extend(assign_spans(sub.graph))
    return out


def op_exprs(o: ir.Op) -> list[ir.Expr]:
    """The expressions an operation itself evaluates (not those of nested machines)."""
    if isinstance(o, ir.TaskCall):
        return list(o.args.values())
    if isinstance(o, ir.Assign):
        return [o.value]
    if isinstance(o, ir.Wait):
        return [e for e in (o.seconds, o.timestamp) if e is not None]
    if isinstance(o, ir.Choice):
        return list(o.tests)
    if isinstance(o, ir.Branch):
        return [o.test]
    if isinstance(o, ir.Raise):
        return [o.cause] + ([o.dynamic] if o.dynamic is not None else [])
    if isinstance(o, ir.Return):
        return [o.value]
    if isinstance(o, ir.MapState):
        return [o.items]
    return []


def graph_assignments(g: nx.MultiDiGraph, result_type: "Callable[[ir.Op], str | None]"
                      ) -> list[tuple[str, ir.Expr, str | None]]:
    """Every (variable, value, type of the state's result) a machine assigns: what the
    backends' type inference runs on. A Catch edge's assignments see no result."""
    out: list[tuple[str, ir.Expr, str | None]] = []
    for n in g.nodes:
        o = op(g, n)
        result = result_type(o)
        target = getattr(o, "target", None)
        if isinstance(o, (ir.TaskCall, ir.MapState, ir.Custom)) and target:
            out.append((target, ir.TaskResult(), result))
        elif isinstance(o, ir.Assign):
            out.append((o.target, o.value, None))
        for _, _, k, d in g.out_edges(n, keys=True, data=True):
            for x, e in d.get("assigns", []):
                out.append((x, e, None if k.startswith("c") else result))
    return out


# ---------------------------------------------------------------- liveness
def machine_reads(sub: ir.SubMachine) -> set[str]:
    """The variables a nested machine reads from the machine around it: those live at its
    entry (its own locals, assigned before they are read, are not among them)."""
    return _live_in(sub.graph)[sub.entry]


def op_reads(o: ir.Op) -> set[str]:
    """The variables an operation may read, its nested machines' reads included."""
    out: set[str] = set()
    for e in op_exprs(o):
        out |= ir.free_vars(e)
    if isinstance(o, ir.Parallel):
        for b in o.branches:
            out |= machine_reads(b)
    elif isinstance(o, ir.MapState):
        out |= machine_reads(o.body)
    return out


def op_writes(o: ir.Op) -> set[str]:
    """The variable an operation itself assigns when it succeeds (none for the others)."""
    target = getattr(o, "target", None)
    if isinstance(o, (ir.TaskCall, ir.Assign, ir.MapState, ir.Custom)) and target:
        return {target}
    return set()


def live_out(g: nx.MultiDiGraph, wanted: list[int]) -> dict[int, set[str]]:
    """The variables live when each ``wanted`` node is left normally (read on some path
    from there before being assigned)."""
    live_in = _live_in(g)
    return {n: _outs(g, n, live_in)[0] for n in wanted}


def _edge_live(live_in: dict[int, set[str]], v: int, d: dict) -> set[str]:
    live = set(live_in[v])
    for x, e in reversed(d.get("assigns", [])):
        live.discard(x)
        live |= ir.free_vars(e)
    return live


def _outs(g: nx.MultiDiGraph, n: int, live_in: dict[int, set[str]]) -> tuple[set[str], set[str]]:
    """What is live leaving ``n`` normally, and along its Catch edges."""
    normal: set[str] = set()
    caught: set[str] = set()
    for _, v, k, d in g.out_edges(n, keys=True, data=True):
        (caught if k.startswith("c") else normal).update(_edge_live(live_in, v, d))
    return normal, caught


def _live_in(g: nx.MultiDiGraph) -> dict[int, set[str]]:
    """A backward may-analysis to a fixed point: edge assignments count, and an error
    leaves by a Catch edge before the node's own assignment."""
    nodes = list(g.nodes)
    reads = {n: op_reads(op(g, n)) for n in nodes}
    writes = {n: op_writes(op(g, n)) for n in nodes}
    live_in: dict[int, set[str]] = {n: set() for n in nodes}
    changed = True
    while changed:
        changed = False
        for n in reversed(nodes):
            normal, caught = _outs(g, n, live_in)
            new = reads[n] | (normal - writes[n]) | caught
            if new != live_in[n]:
                live_in[n] = new
                changed = True
    return live_in


# ---------------------------------------------------------------- definite assignment
def guard_unassigned_reads(g: nx.MultiDiGraph, entry: int, defined: frozenset[str] = frozenset(),
                           params: tuple[str, ...] = ()) -> None:
    """Wrap each read of a variable that may be unassigned where it is read (``if c: y = 1``
    then ``return [y]``; a loop variable read after a loop that may not have run) in the
    ``bound`` builtin, which fails the run where Python raises ``UnboundLocalError``.

    A forward must-analysis to a fixed point: a variable is assigned leaving a node if it was
    on entry, or the node writes it (not on a Catch edge: the state failed), or the edge's
    assignments do. A nested machine starts with what is assigned at its Parallel or Map
    state, and a Map iteration's parameters. Reads that are always preceded by an
    assignment are left alone, so most programs are unchanged."""
    # Sets of variables are ints used as bit sets (bit i: the variable names[i]): a long workflow
    # has thousands of variables and nodes, and a set per node grew as their product.
    nodes = list(g.nodes)
    bit: dict[str, int] = {}

    def mask(xs: Iterable[str]) -> int:
        m = 0
        for x in xs:
            m |= 1 << bit.setdefault(x, len(bit))
        return m

    start = mask(sorted(set(defined) | set(params)))
    incoming: dict[int, list[tuple[int, int]]] = {n: [] for n in nodes}  # (predecessor, what its edge adds)
    for u in nodes:
        writes = mask(sorted(op_writes(op(g, u))))
        for _, v, k, d in g.out_edges(u, keys=True, data=True):
            adds = (0 if str(k).startswith("c") else writes) | mask(x for x, _ in d.get("assigns", []))
            incoming[v].append((u, adds))
    everything = (1 << len(bit)) - 1
    assigned: dict[int, int] = {n: everything for n in nodes}
    assigned[entry] = start
    order = [n for n in nodes_in_order(g, entry) if n != entry]
    changed = True
    while changed:
        changed = False
        for n in order:
            new = everything if incoming[n] else 0
            for u, adds in incoming[n]:
                new &= assigned[u] | adds
            if new != assigned[n]:
                assigned[n] = new
                changed = True
    names = sorted(bit, key=bit.__getitem__)

    def known_at(n: int) -> frozenset[str]:
        m = assigned[n]
        return frozenset(x for i, x in enumerate(names) if m >> i & 1)

    def guard(e: ir.Expr, known: int) -> ir.Expr:
        loose = {x for x in ir.free_vars(e) if x not in bit or not known >> bit[x] & 1}
        if not loose:
            return e
        return ir.substitute(e, {x: ir.Builtin("bound", (ir.Var(x), ir.Const(x))) for x in loose})

    for n in nodes:
        if n not in assigned or (n != entry and not g.in_degree(n)):
            continue
        known = assigned[n]
        o = op(g, n)
        if isinstance(o, ir.TaskCall):
            o.args = {k: guard(v, known) for k, v in o.args.items()}
        elif isinstance(o, ir.Assign):
            o.value = guard(o.value, known)
        elif isinstance(o, ir.Wait):
            o.seconds = guard(o.seconds, known) if o.seconds is not None else None
            o.timestamp = guard(o.timestamp, known) if o.timestamp is not None else None
        elif isinstance(o, ir.Choice):
            o.tests = [guard(t, known) for t in o.tests]
        elif isinstance(o, ir.Branch):
            o.test = guard(o.test, known)
        elif isinstance(o, ir.Raise):
            o.cause = guard(o.cause, known)
            if o.dynamic is not None:
                o.dynamic = guard(o.dynamic, known)
        elif isinstance(o, ir.Return):
            o.value = guard(o.value, known)
        elif isinstance(o, ir.MapState):
            o.items = guard(o.items, known)
            guard_unassigned_reads(o.body.graph, o.body.entry, known_at(n), tuple(o.body.params))
        elif isinstance(o, ir.Parallel):
            for b in o.branches:
                guard_unassigned_reads(b.graph, b.entry, known_at(n), tuple(b.params))
        for _, _, k, d in g.out_edges(n, keys=True, data=True):
            if not d.get("assigns"):
                continue
            seen = known | (0 if str(k).startswith("c") else mask(op_writes(o)))
            out = []
            for x, e in d["assigns"]:
                out.append((x, guard(e, seen)))
                seen |= mask((x,))
            d["assigns"] = out
