"""Step Functions' execution-history limit, checked statically (PF120).

A Standard execution fails once its history holds 25,000 events. When a loop's
trip count is known at compile time (``for x in range(20000)``, ``for x in [...]``,
``i = 0`` ... ``while i < 20000: ... i += 1``), the worst case of a run is known
too: ``check_history_bound`` computes it as the longest path through the graph
(loops weighted by their trip count, nested loops multiplied) and reports PF120
when it exceeds the limit. Loops whose bound is not static count one iteration:
the check never rejects a program it cannot prove too long.

Call it on the optimised graph (after ``passes.run_all``), before the backend::

    from pyflow.passes.limits import check_history_bound
    check_history_bound(lowered.graph, lowered.entry, reporter)
"""
from __future__ import annotations

import math
from typing import Any

import networkx as nx

from pyflow import ir

MAX_HISTORY_EVENTS = 25_000
EXECUTION_EVENTS = 2  # ExecutionStarted, ExecutionSucceeded/Failed
STATE_EVENTS = 2  # <Type>StateEntered, <Type>StateExited
TASK_EVENTS = 5  # TaskStateEntered, TaskScheduled, TaskStarted, TaskSucceeded, TaskStateExited
MAP_ITERATION_EVENTS = 2  # MapIterationStarted, MapIterationSucceeded


def check_history_bound(graph: nx.MultiDiGraph, entry: int, reporter: Any,
                        limit: int = MAX_HISTORY_EVENTS) -> int:
    """Report PF120 if a run's statically known worst case exceeds ``limit`` events; return the bound."""
    bound = _Bound(graph)
    total = EXECUTION_EVENTS + bound.region(set(graph.nodes), entry)
    if total > limit:
        culprit = max(bound.loops, key=lambda loop: loop[1], default=None)
        if culprit is not None:
            head, cost, trips = culprit
            span = getattr(graph.nodes[head]["op"], "span", None)
            reporter.error(
                "PF120",
                f"this loop runs {trips:,} times: a run may record {total:,} history events; "
                f"Step Functions fails an execution at {limit:,}",
                span,
                help="loop over batches in a nested @workflow (each execution has its own history), "
                     "or move the loop into a @task",
            )
        else:
            span = getattr(graph.nodes[entry]["op"], "span", None)
            reporter.error("PF120", f"a run may record {total:,} history events; Step Functions fails an "
                           f"execution at {limit:,}", span,
                           help="split the workflow into nested workflows")
    return total


class _Bound:
    def __init__(self, g: nx.MultiDiGraph) -> None:
        self.g = g
        self.loops: list[tuple[int, int, int]] = []  # (head, cost, trips) of each statically bounded loop
        self.defs: dict[str, list[ir.Expr]] = {}
        for n in g.nodes:
            o = g.nodes[n]["op"]
            if isinstance(o, ir.Assign):
                self.defs.setdefault(o.target, []).append(o.value)
            elif getattr(o, "target", None):
                self.defs.setdefault(o.target, []).append(ir.Var("?"))  # a task's result: unknown
        for _, _, data in g.edges(data=True):
            for target, value in data.get("assigns") or []:
                self.defs.setdefault(target, []).append(value)

    # ------------------------------------------------------------------ weights
    def weight(self, n: int) -> int:
        o = self.g.nodes[n]["op"]
        if isinstance(o, (ir.Entry, ir.Nop)):
            return 0
        if isinstance(o, ir.TaskCall):
            return TASK_EVENTS
        if isinstance(o, ir.Parallel):
            return STATE_EVENTS + sum(self.sub(b) for b in o.branches)
        if isinstance(o, ir.MapState):
            n_items = self.length(o.items)
            cost = STATE_EVENTS + (n_items or 1) * (MAP_ITERATION_EVENTS + self.sub(o.body))
            if n_items is not None:
                self.loops.append((n, cost, n_items))  # a `for` loop lowered to a Map is still a loop
            return cost
        return STATE_EVENTS

    def sub(self, machine: ir.SubMachine) -> int:
        inner = _Bound(machine.graph)
        cost = inner.region(set(machine.graph.nodes), machine.entry)
        self.loops.extend(inner.loops)
        return cost

    # ------------------------------------------------------------------ trip counts
    def length(self, e: ir.Expr) -> int | None:
        """The length of a list expression, where it is static."""
        if isinstance(e, ir.Const) and isinstance(e.value, list):
            return len(e.value)
        if isinstance(e, ir.ListExpr) and not any(isinstance(i, ir.Builtin) and i.name == "spread" for i in e.items):
            return len(e.items)
        if isinstance(e, ir.Builtin) and e.name == "range" and all(isinstance(a, ir.Const) for a in e.args):
            try:
                return len(range(*(int(a.value) for a in e.args)))  # type: ignore[union-attr]
            except (TypeError, ValueError):
                return None
        if isinstance(e, ir.Var):
            values = self.defs.get(e.name, [])
            if len(values) == 1 and not (isinstance(values[0], ir.Var) and values[0].name == e.name):
                return self.length(values[0])
        return None

    def trips(self, head: int) -> int | None:
        o = self.g.nodes[head]["op"]
        tests = getattr(o, "tests", None) or ([o.test] if isinstance(o, ir.Branch) else [])
        if len(tests) != 1 or not isinstance(tests[0], ir.Compare):
            return None
        t = tests[0]
        if t.op == "<" and isinstance(t.left, ir.Var) and isinstance(t.right, ir.Builtin) and t.right.name == "len" \
                and len(t.right.args) == 1:
            return self.length(t.right.args[0])  # for x in <static list>
        if t.op in ("<", "<=") and isinstance(t.left, ir.Var) and isinstance(t.right, ir.Const) \
                and isinstance(t.right.value, int) and not isinstance(t.right.value, bool):
            return self.counted(t.left.name, t.right.value + (1 if t.op == "<=" else 0))
        return None

    def counted(self, name: str, stop: int) -> int | None:
        """``i = c`` ... ``while i < stop: ... i += s`` (every assignment of i of these forms, s > 0)."""
        starts, steps = [], []
        for value in self.defs.get(name, []):
            if isinstance(value, ir.Const) and isinstance(value.value, int) and not isinstance(value.value, bool):
                starts.append(value.value)
            elif isinstance(value, ir.BinOp) and value.op == "+" and isinstance(value.left, ir.Var) \
                    and value.left.name == name and isinstance(value.right, ir.Const) \
                    and isinstance(value.right.value, int) and value.right.value > 0:
                steps.append(value.right.value)
            else:
                return None
        if not starts or not steps:
            return None
        return max(0, math.ceil((stop - min(starts)) / min(steps)))

    # ------------------------------------------------------------------ longest path
    def region(self, nodes: set[int], start: int) -> int:
        """The most events a pass from ``start`` through ``nodes`` records (edges back to start dropped)."""
        sub = nx.DiGraph()
        sub.add_nodes_from(nodes)
        for u, v in self.g.edges(nodes):
            if v in nodes and v != start:
                sub.add_edge(u, v)
        comps = list(nx.strongly_connected_components(sub))
        cond = nx.condensation(sub, comps)
        mapping = cond.graph["mapping"]
        cost: dict[int, int] = {}
        for i, comp in enumerate(comps):
            (first,) = comp if len(comp) == 1 else (next(iter(comp)),)
            if len(comp) == 1 and not sub.has_edge(first, first):
                cost[i] = self.weight(first)
                continue
            heads = [n for n in comp if n == start or any(p not in comp for p in sub.predecessors(n))]
            head = min(heads) if heads else min(comp)
            once = self.region(set(comp), head)
            trips = self.trips(head)
            if trips is None:
                cost[i] = once
            else:
                cost[i] = trips * once + self.weight(head)
                self.loops.append((head, cost[i], trips))
        best: dict[int, int] = {}
        for c in reversed(list(nx.topological_sort(cond))):
            best[c] = cost[c] + max((best[s] for s in cond.successors(c)), default=0)
        return best[mapping[start]]
