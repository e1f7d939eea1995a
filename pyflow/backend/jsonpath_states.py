"""Lower the simplified CFG to JSONPath-mode ASL: no Variables, locals in the state document.

State-document layout: at every join point (loop heads, the states after an
``if``) the document is ``{"<local>": value, ...}`` holding exactly the locals that
are live there (``$.attempt``); parameters that are never reassigned are read from
``$$.Execution.Input`` (or ``$`` in the first state) and not copied around.

How each state keeps the document (JSONPath has no ``Assign``):

- a Task sends ``Parameters`` built from the document and stores its result with
  ``ResultPath: "$.x"`` (other locals untouched), ``ResultPath: null`` (result
  unused), or — when every live local is a function of the result alone or a
  constant — a ``ResultSelector`` that becomes the whole new document;
- a Pass (an assignment that could not be folded) rebuilds the document with
  ``Parameters`` listing every live local;
- assignments that ride on an edge into a state entered from one place only are
  not materialized at all: they are substituted into that state's expressions
  (a *pending* environment), like the JSONata target's folded ``Assign``;
- only where that fails (a join, a Choice, a Task whose result must be combined with
  other locals) a ``Pass`` is inserted: these are the extra states the JSONata
  target does not need.

A ``return`` is folded into every state before it that can make the output itself
(``ResultSelector``/``OutputPath``/``Parameters``/``Result``; a Parallel's ResultSelector
reads branch outputs as ``$[i]``, which is why a branch exporting one variable outputs it
bare), and a way into it from a Choice gets a Pass of its own; the return state is emitted
only if some state still goes to it. A Choice entered from one place takes pending values
too when its rules can read them as paths or constants. The execution's output is exactly
the returned value. Python expressions without a faithful JSONPath translation raise
PF130 (see ``jsonpath_expr``); ``str + unknown`` is translated behind a Choice rule that
fails with TypeError (``guards``).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import networkx as nx

from pyflow import ir
from pyflow.backend.jsonpath_choice import Conditions, as_rule, compares_timestamps
from pyflow.backend.jsonpath_expr import (IDENT, SUGGEST, NotExpressible, PathEmitter, Val, _rebuild, const_arg, fold,
                                          has_concat, nested_concat, set_field)
from pyflow.backend.names import clean, state_base_name, unique_names
from pyflow.backend.types import Types, infer_var_types
from pyflow.cfg import graph_assignments, map_exprs, nodes_in_order, op, op_exprs, out_edges
from pyflow.diagnostics import CompileError, Diagnostic, Span

PENDING_OPS = (ir.TaskCall, ir.Wait, ir.Raise, ir.Return, ir.Assign, ir.MapState, ir.Choice, ir.Parallel)
TEMP = "pf_"
GUARD = ("catching a data error (KeyError, IndexError, ...) of an expression: JSONPath fails a missing field or "
         "index with States.Runtime, which no Catch catches")


class Stage:
    """The intrinsic values a state reads through a path, stored first by a Pass before it
    (``ResultPath: "$.pf_sN"``, the document otherwise kept): lists joined by ``+`` are
    ``States.Array(a, b)`` there, read back as ``$.pf_sN.c1[*][*]``."""

    def __init__(self, lowering: "JsonPathLowering") -> None:
        self.lowering = lowering
        self.group: str | None = None
        self.fields: dict[str, str] = {}
        self.checks: list[str] = []

    def __call__(self, value: str) -> str:
        if self.group is None:
            self.group = self.lowering.fresh("s")
        name = next((k for k, v in self.fields.items() if v == value), None)
        if name is None:
            name = f"c{len(self.fields) + 1}"
            self.fields[name] = value
        return f"$.{self.group}.{name}"

    def check(self, value: str) -> None:
        """A call made only to fail the run where Python raises (States.ArrayLength of an
        operand that may not be a list)."""
        if value not in self.checks:
            if self.group is None:
                self.group = self.lowering.fresh("s")
            self.checks.append(value)

    def sure(self, e: ir.Expr) -> bool:
        return self.lowering.sure_list(e)

    def __bool__(self) -> bool:
        return bool(self.fields or self.checks)

    def state(self, nxt: "Ref") -> dict[str, Any]:
        params = {f"{k}.$": v for k, v in self.fields.items()}
        params.update({f"list{i}.$": v for i, v in enumerate(self.checks, 1)})
        return {"Type": "Pass", "Parameters": params, "ResultPath": f"$.{self.group}", "Next": nxt}


@dataclass(frozen=True)
class Ref:
    """A reference to a state by internal id, resolved to its name at the end."""

    id: str


simul = ir.simultaneous


def lower_jsonpath(lowered: Any, options: dict[str, Any]) -> dict[str, Any]:
    from pyflow.asl import definition

    start, states = JsonPathLowering(lowered).lower()
    return definition("JSONPath", start, states, options)


class JsonPathLowering:
    def __init__(self, lowered: Any) -> None:
        self.g: nx.MultiDiGraph = lowered.graph
        self.entry: int = lowered.entry
        self.tasks = dict(lowered.tasks)
        for name in getattr(lowered, "services", ()):
            # boto3 service calls: no Lambda signature; the result is the API response
            from types import SimpleNamespace

            self.tasks[name] = SimpleNamespace(returns="dict", options={}, kind="service")
        self.input_types: dict[str, str] = dict(lowered.var_types)
        self.diags: list[Diagnostic] = []
        self.counter = [0]
        self.top = True
        self.outer: set[str] = set()
        self.parent_types: dict[str, str] = {}
        self.error_vars: set[str] = set()
        self.taken: set[str] = set()
        self.assign_spans: list[tuple[str, ir.Expr, Span]] = list(getattr(lowered, "assign_spans", []))

    def nested(self, sub: ir.SubMachine, outer: set[str]) -> "JsonPathLowering":
        """A lowering for a Parallel branch or a Map body: its document starts as the
        outer document (a branch) or the ItemSelector's object (a Map iteration)."""
        inner = object.__new__(JsonPathLowering)
        inner.g, inner.entry, inner.tasks = sub.graph, sub.entry, self.tasks
        inner.input_types, inner.diags, inner.counter = self.input_types, self.diags, self.counter
        inner.top, inner.outer = False, set(outer)
        inner.parent_types = {**self.parent_types, **self.var_types}
        inner.error_vars = self.error_vars
        inner.taken = self.taken
        inner.assign_spans = self.assign_spans
        inner.bare = None
        inner.defaults = {}
        inner.parent_sure = set(getattr(self, "sure", set()))
        return inner

    @property
    def temp_counter(self) -> int:
        return self.counter[0]

    # ================================================================== diagnostics
    def fail(self, what: str, span: Span | None) -> None:
        msg = f"{what} cannot be expressed faithfully in JSONPath"
        if not any(d.message == msg and d.span == span for d in self.diags):
            self.diags.append(Diagnostic("PF130", msg, span, help=SUGGEST))

    def blame(self, n: int, what: str) -> Span | None:
        """Where to point a PF130 met while emitting ``n``: the assignment statement whose
        value cannot be translated, if the failing value was folded onto ``n``'s exits (or
        is pending at ``n``); else ``n``'s own statement."""
        names = set(self.pending.get(n, {})) if hasattr(self, "pending") else set()
        for _, _, _, d in out_edges(self.g, n):
            names |= {x for x, _ in d.get("assigns", [])}
        em = PathEmitter(self.types(), result="$." + TEMP + "result")
        failing: list[tuple[str, Span]] = []  # (what, where) of each candidate that fails alone
        for target, value, span in self.assign_spans:
            if target not in names:
                continue
            try:
                em.val(fold(value))
            except NotExpressible as exc:
                failing.append((exc.what, span))
        same = [span for w, span in failing if w == what]
        # alone, a value may fail for another reason (its variables' types are not those of
        # the values substituted into it): the first failing one is still the culprit
        return (same or [span for _, span in failing] or [op(self.g, n).span])[0]

    def fresh(self, hint: str) -> str:
        self.counter[0] += 1
        return f"{TEMP}{hint}{self.counter[0]}"

    # ================================================================== preparation
    def check_ops(self) -> None:
        for g in self.graphs():
            for n in g.nodes:
                o = op(g, n)
                if isinstance(o, ir.TaskCall) and o.kind == "activity" and set(o.args) != {"input"}:
                    self.fail("an activity call without exactly one input", o.span)

    def graphs(self) -> list[nx.MultiDiGraph]:
        """This machine's graph and every nested one (Parallel branches, Map bodies)."""
        out, stack = [], [self.g]
        while stack:
            g = stack.pop()
            out.append(g)
            for n in g.nodes:
                o = op(g, n)
                if isinstance(o, ir.Parallel):
                    stack.extend(b.graph for b in o.branches)
                elif isinstance(o, ir.MapState):
                    stack.append(o.body.graph)
        return out

    def map_exprs(self, fn, deep: bool = False) -> None:
        map_exprs(self.g, fn, deep=deep)

    def prepare(self) -> None:
        if not self.top:
            self.var_types = {**self.parent_types, **infer_var_types(self._assignments(), self.input_types)}
            self.note_errors()
            return
        self.map_exprs(fold, deep=True)
        # parameters with defaults: one Pass merges the defaults under the input; they are then locals
        self.defaults: dict[str, Any] = {}
        default_types: dict[str, str] = {}

        def find(e: ir.Expr) -> ir.Expr:
            for node in ir.walk(e):
                if isinstance(node, ir.Input) and node.default is not None:
                    if not isinstance(node.default, ir.Const):
                        raise NotExpressible("a computed parameter default")
                    self.defaults[node.name] = node.default.value
                    default_types[node.name] = Types({}, "any", self.input_types).of(node)
            return e

        def replace(e: ir.Expr) -> ir.Expr:
            env = {n.name: ir.Var(n.name) for n in ir.walk(e) if isinstance(n, ir.Input) and n.default is not None}
            return _replace_inputs(e, env) if env else e

        try:
            self.map_exprs(find, deep=True)
        except NotExpressible as exc:
            self.fail(exc.what, None)
        self.map_exprs(replace, deep=True)
        for g in self.graphs():
            ValuesByChoice(g, self.fresh, self.fail).run()
        self.var_types = infer_var_types(self._assignments(), self.input_types)
        self.var_types.update(default_types)
        self.note_errors()

    def find_sure_lists(self) -> None:
        """The variables that hold a list whatever the input: every value assigned to them is
        a list display, lists joined by `+`, a task's result annotated `list` (typeguard checks
        it), a Map's result, ... (a workflow parameter annotated `list` is not checked)."""
        assigns = self._assignments()
        sure = set(getattr(self, "parent_sure", set())) | {x for x, _, _ in assigns}
        changed = True
        while changed:
            changed = False
            for x, e, rtype in assigns:
                if x in sure and not self.sure_list(e, rtype, sure):
                    sure.discard(x)
                    changed = True
        self.sure = sure

    def sure_list(self, e: ir.Expr, rtype: str | None = None, sure: set[str] | None = None) -> bool:
        sure = self.sure if sure is None else sure
        if isinstance(e, ir.ListExpr) or isinstance(e, ir.Const) and isinstance(e.value, list):
            return True
        if isinstance(e, ir.Var):
            return e.name in sure
        if isinstance(e, ir.TaskResult):
            return rtype == "list"
        if isinstance(e, ir.BinOp) and e.op == "+":
            return self.sure_list(e.left, rtype, sure) and self.sure_list(e.right, rtype, sure)
        if isinstance(e, ir.Builtin) and e.name == "concat_lists":
            return all(self.sure_list(a, rtype, sure) for a in e.args)
        return isinstance(e, ir.Builtin) and e.name in ("range", "keep_filter")

    def check_for_sequences(self) -> None:
        """A ``for`` loop that stays a Choice loop walks its sequence with States.ArrayLength
        and States.ArrayGetItem: only a list. Python also iterates a str (its characters) and
        a dict (its keys), where those intrinsics fail the run."""
        types = self.types()
        tests = {x: op(self.g, n).span for n in self.g.nodes if isinstance(op(self.g, n), ir.Choice)
                 for t in op(self.g, n).tests for x in ir.free_vars(t)}  # where each loop is
        for n in self.g.nodes:
            o = op(self.g, n)
            seq = [(o.target, o.value, o.span)] if isinstance(o, ir.Assign) else []
            for _, _, d in self.g.out_edges(n, data=True):
                seq += [(x, e, o.span) for x, e in d.get("assigns", [])]
            for x, e, span in seq:
                if re.fullmatch(TEMP + r"seq\d+", x) and types.of(e) != "list":
                    t = types.of(e)
                    self.fail(f"a for loop over a {t if t != 'any' else 'value of unknown type'} (it walks a list "
                              "with States.ArrayLength and States.ArrayGetItem, which fail on the str or dict "
                              "Python iterates)", tests.get(x, span))

    def note_errors(self) -> None:
        """Variables bound by ``except ... as err`` hold ``{"Error": str, "Cause": str}``
        (as do those a ``raise`` caught in the same function assigns)."""
        for n in self.g.nodes:
            o = op(self.g, n)
            seq = [(o.target, o.value)] if isinstance(o, ir.Assign) else []
            for _, _, k, d in self.g.out_edges(n, keys=True, data=True):
                seq += list(d.get("assigns", []))
            for x, e in seq:
                if isinstance(e, ir.Builtin) and e.name == "error_output":
                    self.error_vars.add(x)
                    self.var_types[x] = "dict"
                elif self.is_error_object(e):
                    self.error_vars.add(x)

    def is_error_object(self, e: ir.Expr) -> bool:
        if isinstance(e, ir.Const):
            return isinstance(e.value, dict) and list(e.value) == ["Error", "Cause"] and all(
                isinstance(v, str) for v in e.value.values())
        return isinstance(e, ir.DictExpr) and [k.value for k, _ in e.entries if isinstance(k, ir.Const)] \
            == ["Error", "Cause"] and all(self.types().of(v) == "str" for _, v in e.entries)

    def _assignments(self) -> list[tuple[str, ir.Expr, str | None]]:
        def result_type(o: ir.Op) -> str | None:
            if isinstance(o, ir.MapState):
                return "list"
            if isinstance(o, ir.TaskCall) and o.task in self.tasks:
                return self.tasks[o.task].returns
            return None

        out = graph_assignments(self.g, result_type)
        # a value computed inside a try (a guard Parallel, so that its data errors are caught)
        # comes back as a branch result: typed as the expression the branch returns
        returned: dict[int, ir.Expr] = {}
        for n in self.g.nodes:
            o = op(self.g, n)
            if not (isinstance(o, ir.Parallel) and o.kind == "guard"):
                continue
            values = [_returned(b) for b in o.branches]
            for _, _, d in self.g.out_edges(n, data=True):
                for _, e in d.get("assigns", []):
                    if isinstance(e, ir.Builtin) and e.name == "branch_result":
                        i, key = e.args[0].value, e.args[1].value  # type: ignore[union-attr]
                        found = values[i].get(key) if i < len(values) else None
                        if found is not None:
                            returned[id(e)] = found
        return [(x, returned.get(id(e), e), t) for x, e, t in out]

    def types(self, result: str = "any") -> Types:
        return JTypes(self.var_types, result, self.input_types, self.error_vars)

    # ------------------------------------------------------------------ choice rules and wait paths
    def prepare_tests(self) -> None:
        """Translate every Choice test to a rule; operands that are not paths become fields
        computed before the Choice (or right where their one source variable is set)."""
        self.rules: dict[int, list[Any]] = {}
        placements: list[tuple[int, str, ir.Expr]] = []
        # fields of the first Choice, read from the execution input as its document: stored
        # under one field by a Pass with a ResultPath (the document stays, the rules read it)
        self.doc_temps: dict[int, tuple[str, list[tuple[str, ir.Expr]]]] = {}
        plain_choices: set[int] = set()
        for n in list(self.g.nodes):
            o = op(self.g, n)
            base = "$" if self.is_plain_first(n) else "$$.Execution.Input"
            em = PathEmitter(self.types(), input_base=base)
            if base == "$" and isinstance(o, ir.Choice):
                plain_choices.add(n)

            def mat(e: ir.Expr, t: str, n: int = n) -> str:
                for m, name, x in placements:
                    # (the first Choice, reading the input as its document, computes its own
                    # before it: a field placed on its ways out comes too late for it)
                    if x == e and (m == n or not ir.free_vars(e) and "." not in name and n not in plain_choices):
                        return "$." + name
                if n in plain_choices and ir.free_vars(e) <= set(self.defaults) and ir.is_pure(e):
                    group, fields = self.doc_temps.setdefault(n, (self.fresh("t"), []))
                    name = f"{group}.v{len(fields) + 1}"
                    fields.append((name, e))
                else:
                    name = self.fresh("t")
                self.var_types[name] = t if t != "any" else "any"
                if isinstance(e, ir.Builtin) and e.name == "pf_json":
                    self.var_types[name] = "str"
                placements.append((n, name, e))
                return "$." + name

            if isinstance(o, ir.Choice):
                conds = Conditions(em, mat)
                rules = []
                for test in o.tests:
                    try:
                        rules.append(conds.test(test))
                    except NotExpressible as exc:
                        self.fail(exc.what, o.span)
                        rules.append((False, False))
                self.rules[n] = rules
            elif isinstance(o, ir.MapState):
                try:
                    if em.path(o.items) is None:
                        if not has_concat(o.items, em.types) or nested_concat(o.items, em.types):
                            em.val(o.items)  # (lists joined by `+` are stored by the Pass that sets the field)
                        o.items = ir.Var(mat(o.items, "list")[2:])
                except NotExpressible as exc:
                    self.fail(exc.what, o.span)
            elif isinstance(o, ir.Wait):
                for attr in ("seconds", "timestamp"):
                    e = getattr(o, attr)
                    if e is None:
                        continue
                    if isinstance(e, ir.Const):
                        if attr == "seconds" and not (isinstance(e.value, int) and not isinstance(e.value, bool)
                                                      and e.value >= 0):
                            self.fail("a wait of a non-integer number of seconds", o.span)
                        continue
                    if attr == "seconds" and self.types().of(e) not in ("int", "any"):
                        self.fail("a wait of a non-integer number of seconds", o.span)
                        continue
                    if em.path(e) is None:
                        try:
                            em.val(e)
                        except NotExpressible as exc:
                            self.fail(exc.what, o.span)
                            continue
                        name = mat(e, "int" if attr == "seconds" else "str")
                        setattr(o, attr, ir.Var(name[2:]))
        sites = self.def_sites()
        for n, name, e in placements:
            fv = ir.free_vars(e)
            if "." in name:  # stored by the Pass before the first Choice (doc_temps)
                continue
            at_input = not fv or len(fv) == 1 and sites.get(next(iter(fv))) == [("input", None)]
            if at_input and ir.is_pure(e) and plain_choices:
                # the first state is a Choice that reads the input (merged with the defaults) as
                # its document: computed on its way out instead (an entry Pass would replace the
                # document its rules read)
                first = next(iter(plain_choices))
                for _, _, d in self.g.out_edges(first, data=True):
                    d["assigns"] = [(name, e)] + list(d.get("assigns", []))
                continue
            if not fv and ir.is_pure(e):  # depends on the input only: computed once, at the start
                self.place_at_site(("input", None), "", name, e)
                continue
            if len(fv) == 1 and len(sites.get(next(iter(fv)), [])) == 1:
                self.place_at_site(sites[next(iter(fv))][0], next(iter(fv)), name, e)
                continue
            for u, _, k in list(self.g.in_edges(n, keys=True)):
                d = self.g.edges[u, n, k]
                d["assigns"] = list(d.get("assigns", [])) + [(name, e)]

    def def_sites(self) -> dict[str, list[tuple]]:
        sites: dict[str, list[tuple]] = {}
        for n in self.g.nodes:
            o = op(self.g, n)
            target = getattr(o, "target", None)
            if isinstance(o, (ir.TaskCall, ir.Assign, ir.Custom)) and target:
                sites.setdefault(target, []).append(("node", n))
            for u, v, k, d in self.g.out_edges(n, keys=True, data=True):
                for x, _ in d.get("assigns", []):
                    sites.setdefault(x, []).append(("edge", (u, v, k)))
        for name in self.defaults:
            sites.setdefault(name, []).append(("input", None))
        return sites

    def place_at_site(self, site: tuple, var: str, name: str, e: ir.Expr) -> None:
        kind, where = site
        if kind == "edge":
            u, v, k = where
            d = self.g.edges[u, v, k]
            seq = list(d.get("assigns", []))
            i = max(j for j, (x, _) in enumerate(seq) if x == var)
            seq.insert(i + 1, (name, e))
            d["assigns"] = seq
        elif kind == "node":
            for u, v, k in list(self.g.out_edges(where, keys=True)):
                d = self.g.edges[u, v, k]
                d["assigns"] = [(name, e)] + list(d.get("assigns", []))
        else:  # a parameter with a default: computed by the first state
            (_, first, k, _), = out_edges(self.g, self.entry)
            d = self.g.edges[self.entry, first, k]
            d["assigns"] = list(d.get("assigns", [])) + [(name, e)]

    @staticmethod
    def computes_unread_first(o: ir.Op, env: dict[str, ir.Expr]) -> bool:
        """A Fail (or the final state) evaluates only what it reads: a pending value that
        may fail and is not read there must be computed first (by a Pass), as Python would."""
        if not isinstance(o, (ir.Raise, ir.Return)):
            return False
        read = ir.free_vars(o.cause if isinstance(o, ir.Raise) else o.value)
        return any(ir.may_fail(e) and x not in read for x, e in env.items() if e != ir.Var(x))

    def is_plain_first(self, n: int) -> bool:
        """Is ``n`` entered with the execution input (merged with defaults) as its document?"""
        if not self.top or n in getattr(self, "pre_pass", {}):
            return False  # (behind a Pass of split_lookups, the document is that Pass's output)
        (_, first, _, d), = out_edges(self.g, self.entry)
        if n != first or self.g.in_degree(n) != 1:
            return False
        o = op(self.g, n)
        if not d.get("assigns"):
            return True
        if not isinstance(o, (ir.TaskCall, ir.Raise, ir.Return, ir.Assign)):
            return False
        # The entry's values stay pending into ``n`` (its document is the input) exactly when
        # edge_to's accepts_pending takes them; otherwise a Start Pass computes them and its
        # output is the document. Both ask refuses_pending, so that they cannot disagree (they
        # did: ``a = len(xs); a = 0`` kept as a state by fold_assigns got a Start Pass, yet
        # read the other inputs from ``$``, which no longer held them: issues 19 and 21).
        env = {x: e for x, e in simul(list(d["assigns"]), {}).items() if e != ir.Var(x)}
        return not self.refuses_pending(o, env)

    # ------------------------------------------------------------------ liveness / definite assignment
    def uses(self, n: int) -> set[str]:
        o = op(self.g, n)
        if isinstance(o, (ir.Parallel, ir.MapState)):
            items = ir.free_vars(o.items) if isinstance(o, ir.MapState) else set()
            return set(self.sub_reads.get(n, set())) | items
        out: set[str] = set()
        for e in op_exprs(o):
            out |= ir.free_vars(e)
        if isinstance(o, ir.Choice):
            out |= self.rule_fields(n)
        return out

    def rule_fields(self, n: int) -> set[str]:
        """Materialized fields a Choice's rules read."""
        text = json.dumps([as_rule(r) for pair in self.rules.get(n, []) for r in pair])
        return {name for name in self.var_types if name.startswith(TEMP) and f'"$.{name}"' in text}

    def defs(self, n: int) -> set[str]:
        o = op(self.g, n)
        target = getattr(o, "target", None)
        if isinstance(o, (ir.TaskCall, ir.Assign, ir.Custom, ir.MapState)) and target:
            return {target}
        if isinstance(o, ir.Parallel):
            field = self.results.get(n, "")
            return {x for x in self.var_types if x.startswith(field + ".")}
        return set()

    def liveness(self) -> None:
        nodes = list(self.g.nodes)
        self.live: dict[int, set[str]] = {n: set() for n in nodes}
        uses = {n: self.uses(n) for n in nodes}
        defs = {n: self.defs(n) for n in nodes}
        changed = True
        while changed:
            changed = False
            for n in reversed(nodes):
                out: set[str] = set()
                for _, v, k, d in out_edges(self.g, n):
                    live = set(self.live[v])
                    for x, e in reversed(d.get("assigns", [])):
                        live.discard(x)
                        live |= ir.free_vars(e)
                    out |= live if k.startswith("c") else live - defs[n]
                new = uses[n] | out
                if new != self.live[n]:
                    self.live[n] = new
                    changed = True
        # definitely assigned at each node's entry
        everything = set(self.var_types) | set(self.defaults) | self.outer  # a Map's item too
        self.assigned: dict[int, set[str]] = {n: set(everything) for n in nodes}
        self.assigned[self.entry] = set(self.defaults) | self.outer | (set() if self.top else self.live[self.entry])
        changed = True
        order = list(nodes_in_order(self.g, self.entry))
        while changed:
            changed = False
            for n in order:
                if n == self.entry:
                    continue
                ins = [self.edge_assigned(u, d) for u, _, d in self.g.in_edges(n, data=True)]
                new = set.intersection(*ins) if ins else set()
                if new != self.assigned[n]:
                    self.assigned[n] = new
                    changed = True

    def edge_assigned(self, u: int, d: dict) -> set[str]:
        own = set() if str(d.get("label", "")).startswith("c") else self.defs(u)
        return self.assigned[u] | own | {x for x, _ in d.get("assigns", [])}

    # ================================================================== lowering
    def lower(self) -> tuple[str, dict[str, dict[str, Any]]]:
        self.check_ops()
        if self.diags:
            raise CompileError(self.diags)
        self.wanted_all: list[tuple[str, str, int]] = []
        try:
            self.analyze()
            self.emit()
        except NotExpressible as exc:
            # a construct met while carrying values between states, outside any one state:
            # still a diagnostic (at the workflow), never an internal error
            entry_span = next((op(self.g, n).span for n in self.g.nodes if isinstance(op(self.g, n), ir.Entry)), None)
            self.fail(exc.what, entry_span)
        if self.diags:
            raise CompileError(self.diags)
        names = unique_names(self.wanted_all, self.taken)
        return names[self.start_gid], {names[gid]: _resolve(st, names) for gid, st in self.final.items()}

    def analyze(self) -> None:
        self.prepare()
        self.find_sure_lists()
        self.check_for_sequences()
        self.prepare_subs()
        self.prepare_tests()
        self.liveness()

    def emit(self) -> None:
        g = self.g
        self.key = f"L{self.counter[0]}_"
        self.counter[0] += 1
        self.states: dict[str, dict[str, Any]] = {}
        self.order: list[str] = []
        self.wanted: list[tuple[str, str, int]] = []
        self.pending: dict[int, dict[str, ir.Expr]] = {}
        self.folded: set[int] = set()
        self.pre_pass: dict[int, dict[str, Any]] = {}
        self.pre_stage: dict[int, Stage] = {}
        self.exact: dict[int, list[str]] = {}  # node -> the fields its document holds, when known exactly
        (_, first, k0, entry_data) = out_edges(g, self.entry)[0]
        start: Ref
        if self.defaults:
            merged = const_arg(self.defaults)
            self.add("defaults", "Defaults", 0, {
                "Type": "Pass", "Comment": "parameters with defaults: the input's fields override them",
                "Parameters": {"input.$": f"States.JsonMerge({merged}, $, false)"},
                "OutputPath": "$.input", "Next": None})
            start = Ref("defaults")
        entry_env = simul(list(entry_data.get("assigns", [])), {})
        start_ref = self.edge_to(("entry", self.entry), first, entry_env, self.entry, entry_data)
        if first in self.doc_temps:
            group, fields = self.doc_temps[first]
            em = PathEmitter(self.types(), input_base="$")
            params: dict[str, Any] = {}
            for name, e in fields:
                set_field(params, name[len(group) + 1:], em.val(e))
            self.add("doc_temps", "Prepare_" + self.base_name(first), self.line(first), {
                "Type": "Pass", "Parameters": params, "ResultPath": "$." + group, "Next": start_ref})
            start_ref = Ref("doc_temps")
        if self.defaults:
            self.states["defaults"]["Next"] = start_ref
        else:
            start = start_ref
        order = [n for n in nodes_in_order(g, self.entry) if n != self.entry]
        # a `return` is emitted last, and only if some state still goes to it: every state
        # before it that can produce the returned value itself ends the execution instead
        returns = [n for n in order if isinstance(op(g, n), ir.Return)]
        groups: dict[int, list[str]] = {self.entry: list(self.order)}
        for n in [n for n in order if n not in returns] + returns:
            if n in self.folded or n in returns and f"n{n}" not in self.referenced(start):
                continue
            mark = len(self.order)
            try:
                self.state(n)
                if n in self.pre_pass:
                    self.place_pre_pass(n)
                if n in self.pre_stage:
                    self.stage_before(f"n{n}", self.pre_stage[n], "Concat_" + self.base_name(n), self.line(n))
            except NotExpressible as exc:
                self.fail(exc.what, self.blame(n, exc.what))
                # a placeholder (the definition is not returned) that still goes on to every
                # successor, so that their own problems are reported too
                self.add(f"n{n}", "Error", 0, {"Type": "Succeed",
                                                "Next": [Ref(f"n{v}") for _, v, _, _ in out_edges(g, n)]})
            groups[n] = self.order[mark:]
        # the states in source order, whatever order they were made in
        self.order = [sid for n in [self.entry] + order for sid in groups.get(n, [])]
        self.start_gid = self.key + start.id
        self.final = {self.key + sid: _rekey(self.states[sid], self.key) for sid in self.order}
        self.wanted_all.extend((self.key + sid, base, line) for sid, base, line in self.wanted)

    def referenced(self, start: Ref) -> set[str]:
        """The ids of this machine's states that the start or some state goes to."""
        out = {start.id}

        def visit(x: Any) -> None:
            if isinstance(x, Ref):
                out.add(x.id)
            elif isinstance(x, dict):
                for v in x.values():
                    visit(v)
            elif isinstance(x, list):
                for v in x:
                    visit(v)

        visit(self.states)
        return out

    def sub_machine(self, inner: "JsonPathLowering", extra: dict[str, Any] | None = None) -> "Machine":
        inner.wanted_all = self.wanted_all
        inner.emit()
        return Machine(inner, extra or {})

    # ------------------------------------------------------------------ nested machines
    def prepare_subs(self) -> None:
        """Analyze each Parallel branch and Map body: what it reads from outside, and
        how its results come back (``branch_result`` -> fields of the stored result)."""
        self.subs: dict[int, list[JsonPathLowering]] = {}
        self.sub_reads: dict[int, set[str]] = {}
        self.results: dict[int, str] = {}
        for n in list(self.g.nodes):
            o = op(self.g, n)
            if isinstance(o, ir.Parallel) and o.kind == "guard" and self.guard_may_fail(o):
                self.fail(GUARD, o.span)
                continue
            if isinstance(o, ir.Parallel) and o.kind == "guard":
                for b in o.branches:
                    _test_by_choice(b)
            if isinstance(o, ir.Parallel):
                inners = []
                for b in o.branches:
                    inner = self.nested(b, set())
                    inner.analyze()
                    inner.bare = inner.unwrap_single_export()
                    inners.append(inner)
                self.subs[n] = inners
                self.sub_reads[n] = set().union(*(i.live[i.entry] for i in inners)) if inners else set()
                field = self.fresh("par")
                self.results[n] = field
                for _, _, k, d in out_edges(self.g, n):
                    if k.startswith("c"):
                        continue
                    d["assigns"] = [(x, self.branch_results(e, field, inners)) for x, e in d.get("assigns", [])]
            elif isinstance(o, ir.MapState):
                body = o.body
                param = body.params[0] if body.params else self.fresh("item")
                item = ir.Var(param)
                for _, _, d in body.graph.edges(data=True):
                    d["assigns"] = [(x, _replace_builtin(e, "item", item)) for x, e in d.get("assigns", [])
                                    if not (x == param and e == ir.Builtin("item", ()))]
                inner = self.nested(body, {param})
                inner.var_types_seed = {}
                inner.analyze()
                self.subs[n] = [inner]
                self.sub_reads[n] = inner.live[inner.entry] - {param}
                self.map_param = getattr(self, "map_param", {})
                self.map_param[n] = param

    def guard_may_fail(self, o: ir.Parallel) -> bool:
        for b in o.branches:
            for n in b.graph.nodes:
                r = op(b.graph, n)
                if isinstance(r, ir.Return):
                    for x in ir.walk(r.value):
                        if isinstance(x, ir.Subscript) or isinstance(x, ir.Builtin) and x.name in (
                                ir.MAY_FAIL_BUILTINS - {"len", "str"}):
                            return True
        return False

    def unwrap_single_export(self) -> tuple[str, str] | None:
        """A branch that exports one variable outputs its value itself, not ``{"x": x}``:
        the Parallel's ResultSelector can then read it as ``$[i]`` (moto reads ``$[i].x``
        there as a one-element list). Returns (the exported name, its type), or None."""
        returns = [n for n in self.g.nodes if isinstance(op(self.g, n), ir.Return)]
        keys = set()
        for n in returns:
            value = op(self.g, n).value
            if not (isinstance(value, ir.DictExpr) and len(value.entries) == 1
                    and isinstance(value.entries[0][0], ir.Const)):
                return None
            keys.add(value.entries[0][0].value)
        if len(keys) != 1:
            return None
        key = str(next(iter(keys)))
        t = self.export_type(key)
        for n in returns:
            o = op(self.g, n)
            o.value = o.value.entries[0][1]
        return key, t

    def branch_results(self, e: ir.Expr, field: str, inners: list["JsonPathLowering"]) -> ir.Expr:
        def visit(x: ir.Expr) -> ir.Expr:
            if isinstance(x, ir.Builtin) and x.name == "branch_result":
                i, key = x.args[0].value, x.args[1].value  # type: ignore[union-attr]
                bare = inners[i].bare
                if bare is not None and bare[0] == key:
                    name = f"{field}.b{i}"
                    self.var_types[name] = bare[1]
                    return ir.Var(name)
                if not IDENT.match(str(key)):
                    raise NotExpressible(f"a branch result named {key!r}")
                name = f"{field}.b{i}.{key}"
                self.var_types[name] = inners[i].export_type(key)
                return ir.Var(name)
            kids = [visit(k) for k in ir.children(x)]
            from pyflow.backend.jsonpath_expr import _rebuild

            return _rebuild(x, kids) if kids else x

        return visit(e)

    def export_type(self, key: str) -> str:
        t = None
        for n in self.g.nodes:
            o = op(self.g, n)
            if isinstance(o, ir.Return) and isinstance(o.value, ir.DictExpr):
                for k, v in o.value.entries:
                    if isinstance(k, ir.Const) and k.value == key:
                        vt = self.types().of(v)
                        t = vt if t in (None, vt) else "any"
        return t or "any"

    def add(self, sid: str, base: str, line: int, st: dict[str, Any]) -> str:
        """Record a state (``sid`` is local to this machine; names are made unique machine-wide)."""
        if sid not in self.states:
            self.order.append(sid)
            self.wanted.append((sid, clean(base), line))
        self.states[sid] = st
        return sid

    def base_name(self, n: int) -> str:
        return state_base_name(op(self.g, n))

    def line(self, n: int) -> int:
        o = op(self.g, n)
        return o.span.line if o.span else 0

    def emitter(self, n: int, result: str | None = None, result_type: str = "any", doc: bool = True) -> PathEmitter:
        base = "$" if self.is_plain_first(n) and not self.defaults else "$$.Execution.Input"
        if self.is_plain_first(n) and self.defaults:
            base = "$"
        return PathEmitter(self.types(result_type), result=result, input_base=base, doc=doc)

    # ------------------------------------------------------------------ edges
    def accepts_pending(self, v: int, env: dict[str, ir.Expr]) -> bool:
        o = op(self.g, v)
        if self.g.in_degree(v) != 1 or not isinstance(o, PENDING_OPS):
            return False
        if self.refuses_pending(o, env):
            return False
        if isinstance(o, ir.Choice):
            return self.pending_rules(v, o, env) is not None and not self.spreads(v, env)
        if isinstance(o, ir.Parallel):
            try:
                self.branch_input(v, env)
            except NotExpressible:
                return False
        if isinstance(o, ir.MapState):
            items = ir.substitute(o.items, env)
            if self.emitter(v).path(items) is None:
                return False
            types = self.types()
            if any(has_concat(env[x], types) for x in self.sub_reads.get(v, set()) if x in env):
                return False  # the ItemSelector cannot read lists joined by `+`: a Pass stores them first
        if isinstance(o, ir.Wait):
            em = self.emitter(v)
            for e in (o.seconds, o.timestamp):
                if e is not None:
                    s = ir.substitute(e, env)
                    if not isinstance(s, ir.Const) and em.path(s) is None:
                        return False
        return True

    def refuses_pending(self, o: ir.Op, env: dict[str, ir.Expr]) -> bool:
        """Whether state ``o`` cannot take the values ``env`` still pending, whatever its kind
        (a Pass must store them first). Shared by accepts_pending and is_plain_first."""
        if self.concat_inside(o, env):
            return True  # lists joined by `+` inside an expression it computes: a Pass stores them first
        if self.computes_unread_first(o, env):
            return True
        target = getattr(o, "target", None) if isinstance(o, (ir.Assign, ir.TaskCall, ir.MapState)) else None
        if target is not None and ir.may_fail(env.get(target, ir.Var(target)), inputs=False) and not (
                isinstance(o, ir.Assign) and target in ir.free_vars(o.value)):
            return True  # the state's own value would replace a pending one that may fail
        return False

    def concat_inside(self, o: ir.Op, env: dict[str, ir.Expr]) -> bool:
        """Would ``env`` put lists joined by ``+`` inside an expression of ``o`` (where no
        path can read them), when they could be stored in the document first?"""
        if not env or isinstance(o, ir.Choice):
            return False
        types = self.types()
        if not any(has_concat(e, types) for e in env.values()):
            return False
        return any(nested_concat(ir.substitute(e, env), types) and not nested_concat(e, types) for e in op_exprs(o))

    def pending_rules(self, n: int, o: ir.Choice, env: dict[str, ir.Expr]) -> list[Any] | None:
        """The Choice's rules with pending values substituted in (a constant folded away, a
        workflow input read as ``$$.Execution.Input.x``), if every test is still a rule over
        paths; then the values need no Pass before the Choice and flow on along its exits."""
        if self.rule_fields(n):
            return None  # a test reads a field computed for it before the Choice

        def refuse(e: ir.Expr, t: str) -> str:
            raise NotExpressible("a computed Choice operand")

        conds = Conditions(self.emitter(n), refuse)
        try:
            return [conds.test(fold(ir.substitute(t, env))) for t in o.tests]
        except NotExpressible:
            return None

    def spreads(self, n: int, env: dict[str, ir.Expr]) -> bool:
        """Would values pending at Choice ``n`` need a Pass on some exit that needs none
        without them? Then one Pass before the Choice is cheaper."""
        rules = self.pending_rules(n, op(self.g, n), env) or []
        for _, v, _, d in out_edges(self.g, n):
            seq = list(d.get("assigns", []))
            with_env = self.exit_env(n, v, d, env, rules)
            without = {x: e for x, e in simul(seq, {}).items() if e != ir.Var(x)}
            if self.needed(v, with_env)[1] and not self.accepts_pending(v, with_env) and not (
                    self.needed(v, without)[1] and not self.accepts_pending(v, without)):
                return True
        return False

    def exit_env(self, n: int, v: int, d: dict, P: dict[str, ir.Expr], rules: list[Any]) -> dict[str, ir.Expr]:
        """The values pending on the way from Choice ``n`` to ``v``. A value the first rule
        compares (always evaluated: a missing field fails the Choice, as Python failed on
        it) is settled there and dropped once it is dead."""
        env = {x: e for x, e in simul(list(d.get("assigns", [])), P).items() if e != ir.Var(x)}
        first = _first_compared(_first_evaluated(rules[0])) if rules else None
        em = self.emitter(n)
        for x, e in P.items():
            if env.get(x) == e and x not in self.live[v] and first is not None and em.path(e) == first:
                del env[x]
        return env

    def needed(self, v: int, env: dict[str, ir.Expr]) -> tuple[dict[str, ir.Expr], dict[str, ir.Expr]]:
        """(every live local at ``v`` -> its value, the changed ones and dead ones that may fail)."""
        live = sorted(self.live[v], key=self.var_key)
        need = {x: env.get(x, ir.Var(x)) for x in live}
        changed = {x: e for x, e in need.items() if e != ir.Var(x)}
        for x, e in env.items():
            if x not in need and ir.may_fail(e) and e != ir.Var(x):
                changed[x] = e
                need[x] = e
        return need, changed

    def var_key(self, x: str) -> tuple[int, str]:
        return (1 if x.startswith(TEMP) else 0, x)

    def edge_to(self, src: tuple, v: int, env: dict[str, ir.Expr], u: int, d: dict,
                guards: list[str] | None = None) -> Ref:
        """Make the document right for ``v`` after a state that changes nothing itself
        (Wait, Choice rule, entry): push the environment on, or insert a Pass. A Choice
        passes ``guards`` to take the type checks the Pass needs into its own rules."""
        env = {x: e for x, e in env.items() if e != ir.Var(x)}
        need, changed = self.needed(v, env)
        if not changed:
            return Ref(f"n{v}")
        if self.accepts_pending(v, env):
            self.pending[v] = dict(env)
            return Ref(f"n{v}")
        if isinstance(op(self.g, v), ir.Return) and self.return_reads_settled(op(self.g, v), env) \
                and not self.concat_inside(op(self.g, v), env):
            try:
                return self.return_copy(src, v, env, u, guards)
            except NotExpressible:
                pass  # (a field of a computed dict: `json.loads(s)["k"]` is read once a Pass stored the dict)
        return self.materialize(src, v, need, u, d, guards=guards)

    def guarded(self, sid: str, checks: list[str], outer: list[str] | None) -> Ref:
        """``sid`` behind its type checks: handed to the calling Choice (``outer``), or a
        Choice of its own that fails the run with TypeError when a field is not a str."""
        if not checks:
            return Ref(sid)
        if outer is not None:
            outer.extend(c for c in checks if c not in outer)
            return Ref(sid)
        gid = "g" + sid
        rule = _not_all_str(checks)
        self.add(gid, "Check_types", self.line_of(sid), {"Type": "Choice", "Choices": [rule], "Default": Ref(sid)})
        rule["Next"] = self.type_error()
        return Ref(gid)

    def type_error(self) -> Ref:
        """The Fail of a `+` whose operand turned out not to be a str (Python: TypeError)."""
        return self.shared_fail("type_error", "TypeError", "can only concatenate str (not a value of another type) to str")

    def compare_error(self) -> Ref:
        """The Fail of a comparison whose operands Python cannot order (or test) together."""
        return self.shared_fail("compare_error", "TypeError_comparison",
                                "'<', '<=', '>' and '>=' are not supported between these operand types")

    def timestamp_error(self) -> Ref:
        """The Fail of a comparison of ``pf.timestamp(x)`` where ``x`` is no timestamp."""
        return self.shared_fail("timestamp_error", "ValueError_timestamp", "pf.timestamp: not an RFC 3339 timestamp",
                                error="ValueError")

    def shared_fail(self, sid: str, name: str, cause: str, error: str = "TypeError") -> Ref:
        """One Fail state per machine and error, whichever states reach it."""
        if sid not in self.states:
            self.add(sid, name, 0, {"Type": "Fail", "Error": error, "Cause": cause})
        return Ref(sid)

    def line_of(self, sid: str) -> int:
        return next((line for s, _, line in self.wanted if s == sid), 0)

    def return_reads_settled(self, o: ir.Return, env: dict[str, ir.Expr]) -> bool:
        """May a state that ends the execution with ``o``'s value skip the pending values
        it does not read? Not those that may fail: Python computed them first."""
        read = ir.free_vars(o.value)
        computed = list(ir.walk(ir.substitute(o.value, env)))  # the same value read elsewhere fails the same
        return not any(ir.may_fail(e) and x not in read and e not in computed
                       for x, e in env.items() if e != ir.Var(x))

    def return_copy(self, src: tuple, v: int, env: dict[str, ir.Expr], u: int,
                    guards: list[str] | None = None) -> Ref:
        """A `return` reached from several places, given its own state on this way in: one
        Pass that makes the output from the pending values, instead of a Pass that stores
        them and then the shared return state."""
        o = op(self.g, v)
        checks: list[str] = []
        stage = Stage(self)
        em = PathEmitter(self.types(), input_base="$" if u == self.entry and self.top else "$$.Execution.Input",
                         guards=checks, stages=stage)
        sid = f"r{src[0]}{src[1]}_{v}"
        self.add(sid, self.base_name(v), self.line(v), self.output_pass(em, ir.substitute(o.value, env)))
        if stage:
            self.stage_before(sid, stage, "Concat_" + self.base_name(v), self.line(v))
        return self.guarded(sid, checks, guards)

    def stage_before(self, sid: str, stage: Stage, base: str, line: int) -> None:
        """Put the Pass that stores ``stage``'s values where state ``sid`` was (every way in
        reaches it first), and the state right behind it."""
        main = self.move_behind(sid)
        self.states[sid] = stage.state(Ref(main))
        self.wanted.append((sid, base, line))

    def checks_before(self, sid: str, checks: list[str], line: int) -> None:
        """Put a Choice where state ``sid`` was that fails the run with Python's TypeError when
        a field of ``checks`` is not a str (``str + value of unknown type``), else goes on to it."""
        main = self.move_behind(sid)
        self.states[sid] = {"Type": "Choice", "Choices": [{**_not_all_str(checks), "Next": self.type_error()}],
                            "Default": Ref(main)}
        self.wanted.append((sid, "Check_types", line))

    def move_behind(self, sid: str) -> str:
        """Give state ``sid`` a new id right behind its place (for a state put before it)."""
        main = sid + "_v"
        while main in self.states:
            main += "v"
        self.states[main] = self.states.pop(sid)
        self.order[self.order.index(sid)] = main
        self.wanted = [(main if s == sid else s, b, ln) for s, b, ln in self.wanted]
        self.order.insert(self.order.index(main), sid)
        return main

    def materialize(self, src: tuple, v: int, need: dict[str, ir.Expr], u: int, d: dict,
                    result: str | None = None, guards: list[str] | None = None) -> Ref:
        """A Pass that rebuilds the document: every live local of ``v``."""
        checks: list[str] = []
        stage = Stage(self)
        em = PathEmitter(self.types(), result=result,
                         input_base="$" if u == self.entry and self.top else "$$.Execution.Input", guards=checks,
                         stages=stage)
        self.check_copies(need, u, d, v)
        params: dict[str, Any] = {}
        for x, e in need.items():
            set_field(params, x, em.val(e))
        changed = [x for x, e in need.items() if e != ir.Var(x)]
        sid = f"m{src[0]}{src[1]}_{v}"
        line = self.line(v) if u == self.entry else self.line(u)
        base = "Start" if u == self.entry else "Set_" + "_".join(x for x in changed if not x.startswith(TEMP))
        if base == "Set_":
            base = "Prepare_" + self.base_name(v)
        self.add(sid, base, line, {"Type": "Pass", "Parameters": params, "Next": Ref(f"n{v}")})
        if stage:
            self.stage_before(sid, stage, "Concat_" + base.split("_", 1)[-1], line)
        return self.guarded(sid, checks, guards)

    def check_copies(self, need: dict[str, ir.Expr], u: int, d: dict, v: int) -> None:
        defined = self.edge_assigned(u, d) if u in self.assigned else set()
        for x, e in need.items():
            if e == ir.Var(x) and x not in defined and not x.startswith(TEMP):
                raise NotExpressible(f"carrying `{x}`, which may be unassigned here, in the state document")

    # ------------------------------------------------------------------ states
    def state(self, n: int) -> None:
        o = op(self.g, n)
        P = self.pending.get(n, {})
        if isinstance(o, (ir.TaskCall, ir.Return)) and self.split_lookups(n, o, P):
            P = {}  # the Pass before the state has stored the pending values
        sid = f"n{n}"
        if isinstance(o, ir.TaskCall):
            self.task(n, o, P)
        elif isinstance(o, ir.MapState):
            self.map_state(n, o, P)
        elif isinstance(o, ir.Parallel):
            self.parallel(n, o)
        elif isinstance(o, ir.Raise) and o.dynamic is not None:
            em = self.emitter(n)
            dyn = ir.substitute(o.dynamic, P)
            paths = [em.path(ir.Subscript(dyn, ir.Const(f))) for f in ("Error", "Cause")]
            if None in paths:
                raise NotExpressible("re-raising an error that is not held in a variable")
            self.add(sid, self.base_name(n), self.line(n), {"Type": "Fail", "ErrorPath": paths[0],
                                                            "CausePath": paths[1]})
        elif isinstance(o, ir.Choice):
            self.choice(n, o)
        elif isinstance(o, ir.Wait):
            em = self.emitter(n)
            st: dict[str, Any] = {"Type": "Wait"}
            for attr, field in (("seconds", "Seconds"), ("timestamp", "Timestamp")):
                e = getattr(o, attr)
                if e is None:
                    continue
                e = ir.substitute(e, P)
                if isinstance(e, ir.Const):
                    st[field] = e.value
                else:
                    p = em.path(e)
                    if p is None:
                        raise NotExpressible("a computed wait")
                    st[field + "Path"] = p
            (_, v, k, d), = out_edges(self.g, n)
            st["Next"] = None
            self.add(sid, self.base_name(n), self.line(n), st)
            st["Next"] = self.edge_to(("n", n), v, simul(list(d.get("assigns", [])), P), n, d)
        elif isinstance(o, ir.Assign):
            self.assign(n, o, P)
        elif isinstance(o, ir.Raise):
            em = self.emitter(n)
            st = {"Type": "Fail", "Error": o.error}
            cause = ir.substitute(o.cause, P)
            if isinstance(cause, ir.Builtin) and cause.name == "str":
                cause = ir.Builtin("str", cause.args)
            val = em.val(cause)
            if val.kind == "const":
                if val.value != "":
                    st["Cause"] = str(val.value)
            elif val.kind in ("path", "intr"):
                st["CausePath"] = val.value
            else:
                raise NotExpressible("a dict as an error message")
            self.add(sid, self.base_name(n), self.line(n), st)
        elif isinstance(o, ir.Return):
            em = self.emitter(n)
            em.guards = checks = []
            em.stages = stage = Stage(self)
            st = self.output_pass(em, ir.substitute(o.value, P))
            if checks:  # the output's Pass behind a Choice that checks the operands' types
                rule = _not_all_str(checks)
                self.add(sid, "Check_types", self.line(n), {"Type": "Choice", "Choices": [rule],
                                                            "Default": Ref(sid + "_value")})
                rule["Next"] = self.type_error()
                sid += "_value"
            self.add(sid, self.base_name(n), self.line(n), st)
            if stage:
                self.stage_before(sid, stage, "Concat_" + self.base_name(n), self.line(n))
        elif isinstance(o, ir.Custom):
            if any(k in o.state for k in ("Arguments", "Output", "Assign", "Items")) or "{%" in json.dumps(o.state):
                raise NotExpressible("a custom state written in JSONata (Arguments/Output/Assign/{% %})")
            st = dict(o.state)
            if o.target and "ResultPath" not in st:
                st["ResultPath"] = f"$.{o.target}"
            elif st.get("Type") in ("Task", "Parallel", "Map") and "ResultPath" not in st:
                st["ResultPath"] = None
            for key in ("Next", "End"):
                st.pop(key, None)
            edges = out_edges(self.g, n)
            self.add(sid, self.base_name(n), self.line(n), st)
            if not edges:
                st["End"] = True
            else:
                (_, v, k, d), = edges
                st["Next"] = self.edge_to(("n", n), v, simul(list(d.get("assigns", [])), P), n, d)
        else:  # a Nop that spins on itself
            (_, v, k, d), = out_edges(self.g, n)
            self.add(sid, self.base_name(n), self.line(n), {"Type": "Pass", "Next": Ref(f"n{v}")})

    # ------------------------------------------------------------------ two-step lookups
    def split_lookups(self, n: int, o: ir.TaskCall | ir.Return, P: dict[str, ir.Expr]) -> bool:
        """A field of a computed dict (``json.loads(s)["k"]``, ``d.get("k", default)``) is
        two steps in JSONPath: a path cannot follow an intrinsic function. A Pass before the
        state stores each such dict in a field (and every local live there); the state then
        reads ``$.field.k``. Returns whether it made that Pass."""
        temps: dict[str, ir.Expr] = {}
        em = self.emitter(n)
        if isinstance(o, ir.TaskCall):
            args = {k: self.lookup_fields(a, em, temps) for k, a in o.args.items()}
        else:
            value = self.lookup_fields(o.value, em, temps)
        # a pending `inner = json.loads(s)` read as `inner["k"]`: the Pass stores `inner`
        # (with every local live here), the state reads `$.inner.k`
        parsed = {x for x, e in P.items() if isinstance(e, ir.Builtin) and e.name == "json_loads"}
        reads_parsed = any(isinstance(x, ir.Subscript) and isinstance(x.obj, ir.Var) and x.obj.name in parsed
                           for e in op_exprs(o) for x in ir.walk(e))
        if not temps and not reads_parsed:
            return False
        need, _ = self.needed(n, {x: e for x, e in P.items() if e != ir.Var(x)})
        if isinstance(o, ir.Return):  # the output reads only these (and a value that may fail is still computed)
            read = ir.free_vars(value)
            need = {x: e for x, e in need.items() if x in read or e != ir.Var(x) and ir.may_fail(e)}
        for x, e in need.items():
            if e == ir.Var(x) and x not in self.assigned.get(n, set()) and not x.startswith(TEMP):
                raise NotExpressible(f"carrying `{x}`, which may be unassigned here, in the state document")
        params: dict[str, Any] = {}
        em.stages = stage = Stage(self)
        for x, e in list(need.items()) + [(t, ir.substitute(c, P)) for t, c in temps.items()]:
            set_field(params, x, em.val(e))
        if stage:
            self.pre_stage[n] = stage
        if isinstance(o, ir.TaskCall):
            o.args = args
        else:
            o.value = value
        # the state itself is made next, as "n<n>"; it is renamed behind this Pass afterwards
        self.pre_pass[n] = {"Type": "Pass", "Parameters": params, "Next": Ref(f"n{n}_main")}
        return True

    def lookup_fields(self, e: ir.Expr, em: PathEmitter, temps: dict[str, ir.Expr]) -> ir.Expr:
        """``e`` with each field of a computed dict read from a temporary field instead."""
        kids = [self.lookup_fields(k, em, temps) for k in ir.children(e)]
        e = _rebuild(e, kids) if kids else e
        if isinstance(e, ir.Subscript) and isinstance(e.key, ir.Const) and isinstance(e.key.value, str) \
                and isinstance(e.obj, ir.Builtin) and e.obj.name == "json_loads":
            return ir.Subscript(self.temp_field(e.obj, "any", temps), e.key)
        if isinstance(e, ir.Builtin) and e.name == "m_get" and len(e.args) in (2, 3) \
                and isinstance(e.args[1], ir.Const) and isinstance(e.args[1].value, str) \
                and all(isinstance(a, ir.Const) for a in e.args[2:]) and em.types.of(e.args[0]) == "dict" \
                and em.path(e.args[0]) is not None:
            # dict.get(k, default): the dict merged over {k: default}, then its field k
            default = e.args[2].value if len(e.args) == 3 else None  # type: ignore[union-attr]
            merged = ir.Builtin("pf_with_default", (ir.Const({e.args[1].value: default}), e.args[0]))
            return ir.Subscript(self.temp_field(merged, "dict", temps), e.args[1])
        return e

    def temp_field(self, value: ir.Expr, t: str, temps: dict[str, ir.Expr]) -> ir.Var:
        for name, v in temps.items():
            if v == value:
                return ir.Var(name)
        name = self.fresh("v")
        self.var_types[name] = t
        temps[name] = value
        return ir.Var(name)

    def place_pre_pass(self, n: int) -> None:
        """Put the Pass of ``split_lookups`` where the state was ("n<n>", so every way in
        reaches it first) and the state right behind it."""
        sid, main = f"n{n}", f"n{n}_main"
        self.states[main] = self.states.pop(sid)
        self.order[self.order.index(sid)] = main
        self.wanted = [(main if s == sid else s, base, line) for s, base, line in self.wanted]
        self.order.insert(self.order.index(main), sid)
        self.states[sid] = self.pre_pass.pop(n)
        self.wanted.append((sid, "Prepare_" + self.base_name(n), self.line(n)))

    def output_pass(self, em: PathEmitter, value: ir.Expr) -> dict[str, Any]:
        st: dict[str, Any] = {"Type": "Pass"}
        st.update(self.output_fields(em, value))
        st["End"] = True
        return st

    def output_fields(self, em: PathEmitter, value: ir.Expr) -> dict[str, Any]:
        """Fields of a Pass whose output is ``value`` (built from the document)."""
        v = em.val(value)
        if v.kind == "const":
            if v.value is None:
                return {"Parameters": {"return": None}, "OutputPath": "$.return"}
            return {"Result": v.value}
        if v.kind == "path" and not v.value.startswith("$$"):  # OutputPath selects from the document only
            return {"OutputPath": v.value}
        if v.kind == "tmpl":
            return {"Parameters": v.value}
        return {"Parameters": {"return.$": v.value}, "OutputPath": "$.return"}

    def assign(self, n: int, o: ir.Assign, P: dict[str, ir.Expr]) -> None:
        sid = f"n{n}"
        (_, v, k, d), = out_edges(self.g, n)
        env = simul([(o.target, o.value)] + list(d.get("assigns", [])), P)
        em = self.emitter(n)
        em.stages = stage = Stage(self)
        vo = op(self.g, v)
        if isinstance(vo, ir.Return) and self.return_reads_settled(vo, env) and not self.concat_inside(vo, env):
            # this Pass makes the output (the return state stays for the other ways in)
            try:
                out = self.output_pass(em, ir.substitute(vo.value, env))
            except NotExpressible:
                # (a field of a computed dict, `json.loads(s)["k"]`: this Pass stores the dict,
                # the return state reads the field)
                out = None
                em.stages = stage = Stage(self)
            if out is not None:
                self.add(sid, self.base_name(n), self.line(n), out)
                if stage:
                    self.stage_before(sid, stage, "Concat_" + self.base_name(n), self.line(n))
                return
        need, changed = self.needed(v, {x: e for x, e in env.items() if e != ir.Var(x)})
        st: dict[str, Any] = {"Type": "Pass"}
        if len(changed) == 1 and isinstance(next(iter(changed.values())), ir.Const):
            x, e = next(iter(changed.items()))
            st.update({"Result": e.value, "ResultPath": f"$.{x}"})  # type: ignore[union-attr]
        elif changed:
            self.check_copies(need, n, d, v)
            params: dict[str, Any] = {}
            for x, e in need.items():
                set_field(params, x, em.val(e))
            st["Parameters"] = params
        st["Next"] = Ref(f"n{v}")
        self.add(sid, self.base_name(n), self.line(n), st)
        if stage:
            self.stage_before(sid, stage, "Concat_" + self.base_name(n), self.line(n))

    def task(self, n: int, o: ir.TaskCall, P: dict[str, ir.Expr]) -> None:
        sid = f"n{n}"
        meta = self.tasks[o.task]
        em = self.emitter(n)
        em.stages = stage = Stage(self)
        em.guards = checks = []  # `str + value of unknown type` in an argument: a Choice before checks it
        params: dict[str, Any] = {}
        for name, arg in o.args.items():
            set_field(params, name, em.val(ir.substitute(arg, P)))
        st: dict[str, Any] = {"Type": "Task"}
        ref = "${" + o.task + "}"
        result: ir.Expr = ir.TaskResult()
        if o.kind == "service":
            st["Resource"] = o.options["resource"]
            if params:
                st["Parameters"] = params
        elif o.kind == "workflow":
            # a nested execution; .sync:2 gives its output parsed, under "Output"
            st["Resource"] = "arn:aws:states:::states:startExecution.sync:2"
            st["Parameters"] = {"StateMachineArn": ref, "Input": params}
            result = ir.Subscript(ir.TaskResult(), ir.Const("Output"))
        elif o.kind == "callback":
            st["Resource"] = "arn:aws:states:::lambda:invoke.waitForTaskToken"
            st["Parameters"] = {"FunctionName": ref, "Payload": params}
        elif o.kind == "activity":
            st["Resource"] = ref
            value = em.val(ir.substitute(o.args["input"], P))
            if value.kind == "tmpl" or value.kind == "const" and isinstance(value.value, dict):
                st["Parameters"] = value.value
            elif value.kind == "path" and "[*]" not in value.value:
                # the activity's input is one value of the document: InputPath selects it
                # (ResultPath still combines the result with the state's own input)
                st["InputPath"] = value.value
            else:
                raise NotExpressible("an activity input that is not a dict or a variable")
        else:
            st["Resource"] = ref
            st["Parameters"] = params
        opts = {**meta.options, **o.options}
        if isinstance(opts.get("timeout"), int):
            st["TimeoutSeconds"] = opts["timeout"]
        if isinstance(opts.get("heartbeat"), int):
            st["HeartbeatSeconds"] = opts["heartbeat"]
        from pyflow.backend.jsonata_states import retriers

        self.add(sid, self.base_name(n), self.line(n), st)
        if stage:
            self.exact.pop(n, None)  # the Pass before adds its field to the document
        self.result_tail(n, st, P, o.target, result, meta.returns if o.kind != "workflow" else "any",
                         retriers(opts.get("retry")))
        if stage:
            self.stage_before(sid, stage, "Concat_" + self.base_name(n), self.line(n))
        if checks:
            self.checks_before(sid, checks, self.line(n))

    def map_state(self, n: int, o: ir.MapState, P: dict[str, ir.Expr]) -> None:
        em = self.emitter(n)
        inner, = self.subs[n]
        param = self.map_param[n]
        items = ir.substitute(o.items, P)
        path = em.path(items)
        if path is None:
            raise NotExpressible("the items of a map")
        st: dict[str, Any] = {"Type": "Map", "ItemsPath": path}
        # no Variables: each iteration gets the item and every outer local it reads
        sel: dict[str, Any] = {param + ".$": "$$.Map.Item.Value"}
        for x in sorted(self.sub_reads[n], key=self.var_key):
            set_field(sel, x, em.val(ir.substitute(ir.Var(x), P)))
        st["ItemSelector"] = sel
        mode = "DISTRIBUTED" if o.options.get("mode") == "distributed" else "INLINE"
        config: dict[str, Any] = {"Mode": mode}
        if mode == "DISTRIBUTED":
            config["ExecutionType"] = "STANDARD"
        self.add(f"n{n}", self.base_name(n), self.line(n), st)
        st["ItemProcessor"] = self.sub_machine(inner, {"ProcessorConfig": config})
        if o.max_concurrency is not None:
            st["MaxConcurrency"] = o.max_concurrency
        from pyflow.backend.jsonata_states import retriers

        result: ir.Expr = ir.Builtin("keep_filter", (ir.TaskResult(),)) if o.filtered else ir.TaskResult()
        self.result_tail(n, st, P, o.target, result, "list", retriers(o.retry))

    def parallel(self, n: int, o: ir.Parallel) -> None:
        if n not in self.subs:
            raise NotExpressible(GUARD)
        field = self.results[n]
        P = self.pending.get(n, {})
        st: dict[str, Any] = {"Type": "Parallel"}
        if P:  # the branches' input: every outer local they read, the pending values computed
            st["Parameters"] = self.branch_input(n, P)
        self.add(f"n{n}", self.base_name(n), self.line(n), st)
        st["Branches"] = [self.sub_machine(inner) for inner in self.subs[n]]
        from pyflow.backend.jsonata_states import retriers

        retry = retriers(o.retry)
        edges = [e for e in out_edges(self.g, n) if not e[2].startswith("c")]
        folded = self.parallel_return(n, edges, field, P) if edges else None
        if folded is not None:
            st.update(folded)
            if retry:
                st["Retry"] = retry
            st["End"] = True
        elif edges:
            (_, v, k, d), = edges
            env = {x: e for x, e in simul(list(d.get("assigns", [])), P).items() if e != ir.Var(x)}
            used = any(x.startswith(field + ".") for e in env.values() for x in ir.free_vars(e))
            if used:
                # each branch returns a dict of the locals it exports; moto reads `$[0].x` as a
                # list, so the branch results are kept whole (`$[i]`) and read as `$.field.bi.x`
                st["ResultSelector"] = {f"b{i}.$": f"$[{i}]" for i in range(len(o.branches))}
                st["ResultPath"] = "$." + field
            else:
                st["ResultPath"] = None
            if retry:
                st["Retry"] = retry
            st["Next"] = self.edge_to(("n", n), v, env, n, d)
        else:
            st["ResultPath"] = None
            if retry:
                st["Retry"] = retry
            st["End"] = True
        self.catches(n, st, P)
        self.order_tail(st)

    def branch_input(self, n: int, P: dict[str, ir.Expr]) -> dict[str, Any]:
        """A Parallel's ``Parameters`` when values are pending at it: the outer locals its
        branches read, so that no Pass before it has to store them."""
        em = self.emitter(n)
        params: dict[str, Any] = {}
        for x in sorted(self.sub_reads.get(n, set()), key=self.var_key):
            e = P.get(x, ir.Var(x))
            if e == ir.Var(x) and x not in self.assigned.get(n, set()):
                raise NotExpressible(f"carrying `{x}`, which may be unassigned here, in the state document")
            set_field(params, x, em.val(e))
        return params

    def parallel_return(self, n: int, edges: list, field: str, P: dict[str, ir.Expr]) -> dict[str, Any] | None:
        """The fields that make a Parallel's own output the value returned right after it,
        read from the branch outputs (``$[i]``) and the context object, if it can."""
        (_, v, _, d), = edges
        vo = op(self.g, v)
        env = {x: e for x, e in simul(list(d.get("assigns", [])), P).items() if e != ir.Var(x)}
        read = self.sub_reads.get(n, set())  # computed by the Parameters already
        if not isinstance(vo, ir.Return) or not self.return_reads_settled(
                vo, {x: e for x, e in env.items() if not (x in read and P.get(x) == e)}):
            return None
        # a branch that outputs its one export bare is `$[i]`; one that outputs a dict is not
        # read (moto reads `$[i].x` in a ResultSelector as a one-element list)
        aliases = {f"{field}.b{i}": f"$[{i}]" for i, inner in enumerate(self.subs[n]) if inner.bare is not None}
        value = ir.substitute(vo.value, env)
        if any(isinstance(x, ir.Var) and x.name not in aliases for x in ir.walk(value)):
            return None  # a local of the document, or a branch's dict of exports
        try:
            v_ = PathEmitter(self.types("list"), result="$", doc=False, aliases=aliases).val(value)
        except NotExpressible:
            return None
        if v_.kind in ("tmpl", "const") and isinstance(v_.value, dict) and v_.value:
            return {"ResultSelector": v_.value}
        out: dict[str, Any] = {}
        set_field(out, "return", v_)
        return {"ResultSelector": out, "OutputPath": "$.return"}

    def result_tail(self, n: int, st: dict[str, Any], P: dict[str, ir.Expr], target: str | None,
                    result: ir.Expr, rtype: str, retry: list[Any]) -> None:
        """Where the state's result goes (ResultPath / ResultSelector / a folded return), then Catch."""
        em = self.emitter(n)
        edges = [e for e in out_edges(self.g, n) if not e[2].startswith("c")]
        if not edges:
            st["ResultPath"] = None
            if retry:
                st["Retry"] = retry
            st["End"] = True
            self.catches(n, st, P)
            self.order_tail(st)
            return
        (_, v, k, d), = edges
        base = dict(P)
        if target:
            base[target] = result
        env = {x: e for x, e in simul(list(d.get("assigns", [])), base).items() if e != ir.Var(x)}
        selector_em = PathEmitter(self.types(rtype), result="$", doc=False)
        vo = op(self.g, v)
        tail: dict[str, Any] = {}
        # pending values this state's own expressions computed already (a failure happened there)
        done = {x: e for x, e in P.items() if any(x in ir.free_vars(a) for a in op_exprs(op(self.g, n)))}
        unsettled = {x: e for x, e in env.items() if done.get(x) != e}
        if isinstance(vo, ir.Return) and self.return_reads_settled(vo, unsettled):
            # the state's own output is the returned value (for this way into the return)
            value = ir.substitute(vo.value, env)
            fields = self.fold_return(value, selector_em, em)
            if fields is None:
                fields = self.result_completes(n, vo, env)
            if fields is not None:
                tail.update(fields)
                tail["End"] = True
        if not tail:
            need, changed = self.needed(v, env)
            uses_result = any(isinstance(x, ir.TaskResult) for e in changed.values() for x in ir.walk(e))
            if not changed:
                tail = {"ResultPath": None, "Next": Ref(f"n{v}")}
            elif len(changed) == 1 and isinstance(next(iter(changed.values())), ir.TaskResult) and not (
                    self.returns_document_next(v) and self.selectable(need, selector_em)):
                tail = {"ResultPath": f"$.{next(iter(changed))}", "Next": Ref(f"n{v}")}
            elif self.selectable(need, selector_em):
                sel: dict[str, Any] = {}
                for x, e in need.items():
                    set_field(sel, x, selector_em.val(e))
                tail = {"ResultSelector": sel, "Next": Ref(f"n{v}")}
                if self.g.in_degree(v) == 1:
                    self.exact[v] = list(need)  # v's document is exactly these fields
            else:
                keep_old = any(target in ir.free_vars(e) for e in changed.values()) if target else True
                field = target if target and not keep_old else self.fresh("result")
                self.var_types[field] = rtype
                stored = {x: ir.substitute(e, {ir.RESULT: ir.Var(field)}) for x, e in changed.items()}
                tail = {"ResultPath": f"$.{field}" if uses_result else None}
                if self.accepts_pending(v, stored) and all(
                        not (x not in self.live[v] and ir.may_fail(e)) for x, e in changed.items()):
                    self.pending[v] = stored
                    tail["Next"] = Ref(f"n{v}")
                else:
                    need2 = {x: stored.get(x, e) for x, e in need.items()}
                    tail["Next"] = self.materialize(("n", n), v, need2, n, d)
        if retry:
            tail["Retry"] = retry
        st.update(tail)
        self.catches(n, st, P)
        self.order_tail(st)

    def returns_document_next(self, v: int) -> bool:
        """Is ``v`` a Task (entered from one place) whose next state returns a dict? Its
        result can then complete the document into the returned value (``result_completes``)
        if the document holds exactly the other fields: worth a ResultSelector before it."""
        if self.g.in_degree(v) != 1 or not isinstance(op(self.g, v), ir.TaskCall):
            return False
        nexts = [w for _, w, k, _ in out_edges(self.g, v) if not k.startswith("c")]
        return len(nexts) == 1 and isinstance(op(self.g, nexts[0]), ir.Return) \
            and isinstance(op(self.g, nexts[0]).value, ir.DictExpr)

    def result_completes(self, n: int, vo: ir.Return, env: dict[str, ir.Expr]) -> dict[str, Any] | None:
        """``return {"a": a, "r": r}`` after the task whose result is ``r``, when the document
        is exactly ``{"a": ...}``: ``ResultPath: "$.r"`` makes the output (JSON objects are
        unordered: the key order may differ from Python's)."""
        keys = self.exact.get(n)
        value = vo.value
        if keys is None or not isinstance(value, ir.DictExpr):
            return None
        result_key = None
        seen = []
        for k, e in value.entries:
            if not (isinstance(k, ir.Const) and isinstance(k.value, str) and isinstance(e, ir.Var)
                    and IDENT.match(k.value)):
                return None
            got = env.get(e.name, e)
            if isinstance(got, ir.TaskResult) and result_key is None:
                result_key = k.value
            elif got != ir.Var(k.value):  # another field must be the document's own, same name
                return None
            seen.append(k.value)
        if result_key is None or sorted(seen) != sorted(set(keys) | {result_key}) or len(seen) != len(set(seen)):
            return None
        if any(ir.may_fail(e) for x, e in env.items() if not isinstance(e, ir.TaskResult) and e != ir.Var(x)):
            return None
        return {"ResultPath": f"$.{result_key}"}

    @staticmethod
    def order_tail(st: dict[str, Any]) -> None:
        for key in ("Retry", "Catch", "Next", "End"):
            if key in st:
                st[key] = st.pop(key)

    def catches(self, n: int, st: dict[str, Any], P: dict[str, ir.Expr]) -> None:
        """Catch in Python's except order; ``err`` lands in the state's input by ResultPath,
        assignments on the way (and those folded into the failing state) are redone after."""
        out = []
        for _, v, k, d in out_edges(self.g, n):
            if not k.startswith("c"):
                continue
            seq = list(d.get("assigns", []))
            err = next((x for x, e in seq if isinstance(e, ir.Builtin) and e.name == "error_output"), None)
            rest = [(x, ir.Var(err) if isinstance(e, ir.Builtin) and e.name == "error_output" else e) for x, e in seq]
            env = {x: e for x, e in simul(rest, P).items() if e != ir.Var(x)}
            catcher: dict[str, Any] = {"ErrorEquals": list(d.get("errors") or ["States.ALL"])}
            wanted = err is not None and (err in self.live[v] or any(err in ir.free_vars(e) for e in env.values()))
            catcher["ResultPath"] = f"$.{err}" if wanted else None
            catcher["Next"] = self.edge_to(("c", f"{n}_{k}"), v, env, n, d)
            out.append(catcher)
        if out:
            st["Catch"] = out

    def selectable(self, need: dict[str, ir.Expr], em: PathEmitter) -> bool:
        if not need:
            return False
        for e in need.values():
            if not _selector_readable(e):
                return False
            try:
                em.val(e)
            except NotExpressible:
                return False
        return True

    def fold_return(self, value: ir.Expr, sel: PathEmitter, em: PathEmitter) -> dict[str, Any] | None:
        """A Task's fields that make its output the returned value, if one state can."""
        if isinstance(value, ir.TaskResult):
            return {}
        if _selector_readable(value):
            try:
                v = sel.val(value)
            except NotExpressible:
                v = None
            if v is not None:
                if v.kind == "path" and not v.value.startswith("$$"):
                    return {"OutputPath": v.value}
                if v.kind == "tmpl":
                    return {"ResultSelector": v.value}
                if v.kind == "const" and isinstance(v.value, dict) and v.value:
                    return {"ResultSelector": v.value}
                out: dict[str, Any] = {}
                set_field(out, "return", v)
                return {"ResultSelector": out, "OutputPath": "$.return"}
        if not any(isinstance(x, ir.TaskResult) for x in ir.walk(value)):
            p = em.path(value)
            if p is not None and not p.startswith("$$"):
                return {"ResultPath": None, "OutputPath": p}
        return None

    def choice(self, n: int, o: ir.Choice) -> None:
        sid = f"n{n}"
        st: dict[str, Any] = {"Type": "Choice", "Choices": []}
        self.add(sid, self.base_name(n), self.line(n), st)
        edges = {k: (v, d) for _, v, k, d in out_edges(self.g, n)}
        P = self.pending.get(n, {})
        rules = self.pending_rules(n, o, P) if P else self.rules[n]
        assert rules is not None  # accepts_pending checked it
        for i, (rule, error) in enumerate(rules):
            if error is not False:  # Python raises TypeError (ValueError: a timestamp) evaluating this test
                fail = self.timestamp_error() if compares_timestamps(o.tests[i]) else self.compare_error()
                st["Choices"].append({**as_rule(error), "Next": fail})
            v, d = edges[f"r{i}"]
            checks: list[str] = []
            target = self.edge_to(("r", f"{n}_{i}"), v, self.exit_env(n, v, d, P, rules), n, d, checks)
            if checks:  # the way out fails with TypeError first when an operand is not a str
                st["Choices"].append({"And": [as_rule(rule), _not_all_str(checks)], "Next": self.type_error()})
            st["Choices"].append({**as_rule(rule), "Next": target})
        if "default" in edges:
            v, d = edges["default"]
            checks = []
            st["Default"] = self.edge_to(("d", n), v, self.exit_env(n, v, d, P, rules), n, d, checks)
            if checks:
                st["Choices"].append({**_not_all_str(checks), "Next": self.type_error()})


def _test_by_choice(b: ir.SubMachine) -> None:
    """A guarded ``if``/``while`` test (a branch returning ``{"test": <test>}``): the
    branch decides it with a Choice and returns the bool (a comparison or and/or has no
    JSONPath value; a Choice rule evaluates it, failing inside the branch as it would)."""
    g = b.graph
    for n in list(g.nodes):
        r = op(g, n)
        if not (isinstance(r, ir.Return) and isinstance(r.value, ir.DictExpr) and len(r.value.entries) == 1):
            continue
        (key, test), = r.value.entries
        if key != ir.Const("test") or isinstance(test, ir.Const):
            continue
        g.nodes[n]["op"] = ir.Choice(tests=[test], kind="if", span=r.span, region=r.region,
                                     name_prefix=r.name_prefix)
        for label, value in (("r0", True), ("default", False)):
            ret = max(g.nodes) + 1
            g.add_node(ret, op=ir.Return(ir.DictExpr(((key, ir.Const(value)),)), span=r.span,
                                         region=r.region, name_prefix=r.name_prefix))
            g.add_edge(n, ret, key=label, label=label, assigns=[])


def _returned(b: ir.SubMachine) -> dict[Any, ir.Expr]:
    """The dict a guard branch returns (its one ``return {"value": expr}``), by key."""
    rets = [op(b.graph, n) for n in b.graph.nodes if isinstance(op(b.graph, n), ir.Return)]
    if len(rets) != 1 or not isinstance(rets[0].value, ir.DictExpr):
        return {}
    return {k.value: v for k, v in rets[0].value.entries if isinstance(k, ir.Const)}


def _not_all_str(paths: list[str]) -> dict[str, Any]:
    """A rule true when some field of ``paths`` is not a str."""
    rules = [{"Not": {"Variable": p, "IsString": True}} for p in paths]
    return rules[0] if len(rules) == 1 else {"Or": rules}


def _selector_readable(e: ir.Expr) -> bool:
    """Can a ResultSelector compute ``e``? It sees the state's result (``$``) and the
    context object (``$$``, so the execution input), not the state's input."""
    return not any(isinstance(x, ir.Var) or isinstance(x, ir.Input) and not x.required for x in ir.walk(e))


def _first_evaluated(pair: tuple[Any, Any]) -> Any:
    """The rule of a (test, TypeError test) pair the Choice evaluates first."""
    rule, error = pair
    return rule if error is False else error


def _first_compared(rule: Any) -> str | None:
    """The path the Choice compares first whatever the input: the Variable of the first
    comparison (``StringEquals``...; not ``Is...``, which accepts a missing field)."""
    while isinstance(rule, dict):
        if "And" in rule or "Or" in rule:
            rule = (rule.get("And") or rule.get("Or"))[0]
            continue
        if "Not" in rule:
            rule = rule["Not"]
            continue
        ops = [k for k in rule if k not in ("Variable", "Next")]
        if len(ops) == 1 and not ops[0].startswith("Is"):
            return rule.get("Variable")
        return None
    return None


class JTypes(Types):
    """Types, plus: ``err.error``/``err.cause`` of an ``except ... as err`` are strs."""

    def __init__(self, vars: dict[str, str], result: str, inputs: dict[str, str], error_vars: set[str]) -> None:
        super().__init__(vars, result, inputs)
        self.error_vars = error_vars

    def of(self, e: ir.Expr) -> str:
        from pyflow.backend.jsonpath_expr import pick_entry

        picked = pick_entry(e)
        if picked is not None:
            return self.of(picked)
        if isinstance(e, ir.Subscript) and isinstance(e.obj, ir.Var) and e.obj.name in self.error_vars \
                and isinstance(e.key, ir.Const) and e.key.value in ("Error", "Cause"):
            return "str"
        if isinstance(e, ir.Builtin) and e.name == "keep_filter":
            return "list"
        return super().of(e)


@dataclass
class Machine:
    """A nested state machine (Parallel branch, Map ItemProcessor), named at the end."""

    lowering: Any
    extra: dict[str, Any]


def _rekey(st: Any, key: str) -> Any:
    if isinstance(st, Ref):
        return Ref(key + st.id)
    if isinstance(st, dict):
        return {k: _rekey(v, key) for k, v in st.items()}
    if isinstance(st, list):
        return [_rekey(v, key) for v in st]
    return st


def _replace_builtin(e: ir.Expr, name: str, by: ir.Expr) -> ir.Expr:
    if isinstance(e, ir.Builtin) and e.name == name:
        return by
    kids = [_replace_builtin(k, name, by) for k in ir.children(e)]
    from pyflow.backend.jsonpath_expr import _rebuild

    return _rebuild(e, kids) if kids else e


def _replace_inputs(e: ir.Expr, env: dict[str, ir.Expr]) -> ir.Expr:
    if isinstance(e, ir.Input) and e.name in env and e.default is not None:
        return env[e.name]
    kids = [_replace_inputs(k, env) for k in ir.children(e)]
    from pyflow.backend.jsonpath_expr import _rebuild

    return _rebuild(e, kids) if kids else e


def _resolve(st: Any, names: dict[str, str]) -> Any:
    if isinstance(st, Ref):
        return names[st.id]
    if isinstance(st, Machine):
        lw = st.lowering
        return {**st.extra, "StartAt": names[lw.start_gid],
                "States": {names[gid]: _resolve(x, names) for gid, x in lw.final.items()}}
    if isinstance(st, dict):
        return {k: _resolve(v, names) for k, v in st.items()}
    if isinstance(st, list):
        return [_resolve(v, names) for v in st]
    return st


# ---------------------------------------------------------------------- tests used as values
# Builtins that are Python tests (their value is a bool): a Choice rule decides them.
TEST_BUILTINS = frozenset({"isinstance", "bool", "fnmatch", "m_startswith", "m_endswith", "is_timestamp"})
# Values only the edge they ride on can read (a state's result, a caught error, a Map's item):
# they stay there, in a temporary, when the rest of the edge's assignments move on.
EDGE_BOUND = frozenset({"branch_result", "error_output", "item"})


def _is_test(e: ir.Expr) -> bool:
    """A comparison, ``and``/``or``, ``not``, ``a if c else b`` or a test builtin: JSONPath
    has no value for it, only a Choice rule (or a Choice and two ways on)."""
    return isinstance(e, (ir.Compare, ir.BoolOp, ir.IfExp)) or isinstance(e, ir.UnaryOp) and e.op == "not" \
        or isinstance(e, ir.Builtin) and e.name in TEST_BUILTINS


def _has_test(e: ir.Expr) -> bool:
    return any(_is_test(x) for x in ir.walk(e))


def _boolish(e: ir.Expr) -> bool:
    """Is ``e``'s value always a bool (so ``a or b`` of such values is the test's own result)?"""
    if isinstance(e, ir.Const):
        return isinstance(e.value, bool)
    if isinstance(e, ir.BoolOp):
        return all(_boolish(v) for v in e.values)
    return _is_test(e) and not isinstance(e, ir.IfExp)


def _edge_bound(e: ir.Expr) -> bool:
    return isinstance(e, ir.TaskResult) or isinstance(e, ir.Builtin) and e.name in EDGE_BOUND


def _replace_sub(e: ir.Expr, env: list[tuple[ir.Expr, ir.Expr]]) -> ir.Expr:
    for old, by in env:
        if e == old:
            return by
    kids = [_replace_sub(k, env) for k in ir.children(e)]
    return _rebuild(e, kids) if kids and not isinstance(e, ir.Input) else e


class ValuesByChoice:
    """Rewrite every test used as a value (``flag = a < b``, ``return [a == b]``,
    ``t(x if c else y)``, ``a or b``) into the graph's own control flow, before lowering:
    a Choice whose rule is the test, and on each way out an assignment of the value
    (``True``/``False``; the chosen operand of ``a if c else b``; for ``and``/``or``
    Python's operand) to a temporary, joining at the statement, which reads the temporary.

    Evaluation order is Python's: operands evaluated before the test that may fail are
    stored first; the operand on the way not taken is never evaluated. A statement whose
    whole value is the test assigns (or returns) on each way itself."""

    def __init__(self, g: nx.MultiDiGraph, fresh: Any, fail: Any) -> None:
        self.g, self.fresh, self.fail = g, fresh, fail

    def run(self) -> None:
        g = self.g
        for n in list(g.nodes):  # a guard branch deciding an if/while test: its own Choice
            o = op(g, n)
            if isinstance(o, ir.Parallel) and o.kind == "guard":
                for b in o.branches:
                    _test_by_choice(b)
            if isinstance(o, ir.MapState) and o.filtered:
                self.keep_as_bool(o.body.graph)
        changed = True
        while changed:
            changed = False
            for n in list(g.nodes):
                if self.node(n):
                    changed = True
            for u, v, k, d in list(g.edges(keys=True, data=True)):
                if any(_has_test(e) for _, e in d.get("assigns", [])):
                    self.edge(u, v, k, d)
                    changed = True

    @staticmethod
    def keep_as_bool(g: nx.MultiDiGraph) -> None:
        """A comprehension's ``if`` keeps an item when the test is truthy; the Map's result is
        filtered on ``keep == true``: the kept flag is made a bool."""
        for n in g.nodes:
            r = op(g, n)
            if isinstance(r, ir.Return) and isinstance(r.value, ir.DictExpr):
                r.value = ir.DictExpr(tuple(
                    (k, ir.Builtin("bool", (v,)) if k == ir.Const("keep") and not _boolish(v) else v)
                    for k, v in r.value.entries))

    # ------------------------------------------------------------------ graph surgery
    def new(self, o: ir.Op, like: ir.Op) -> int:
        o.span, o.region, o.name_prefix = like.span, like.region, like.name_prefix
        n = max(self.g.nodes) + 1
        self.g.add_node(n, op=o)
        return n

    def link(self, u: int, v: int, key: str = "next", assigns: list | None = None) -> None:
        self.g.add_edge(u, v, key=key, label=key, assigns=list(assigns or []))

    def choose(self, n: int, o: ir.Op, test: ir.Expr, yes: ir.Op, no: ir.Op) -> tuple[int, int]:
        """Node ``n`` becomes a Choice on ``test`` going to new nodes ``yes`` / ``no``."""
        if o.region and ir.may_fail(test):
            # a state of a try body that Python may fail in (TypeError of `<`, a missing key):
            # a Choice cannot Catch, its failure would end the run instead
            self.fail("a test used as a value that may raise (TypeError of `<`, a missing key ...) inside a "
                      "try body, outside an assignment or return (a Choice state cannot Catch; assign the test "
                      "to a variable first)", o.span)
        self.g.nodes[n]["op"] = ir.Choice(tests=[test], kind="if", sources=[""], span=o.span, region=o.region,
                                          name_prefix=o.name_prefix)
        a, b = self.new(yes, o), self.new(no, o)
        self.link(n, a, "r0")
        self.link(n, b, "default")
        return a, b

    @staticmethod
    def split(c: ir.Expr) -> tuple[ir.Expr, ir.Expr, ir.Expr]:
        """(test, value when true, value when false) of a test used as a value."""
        if isinstance(c, ir.IfExp):
            return c.test, c.body, c.orelse
        if isinstance(c, ir.BoolOp) and not _boolish(c):
            first = c.values[0]
            rest = c.values[1] if len(c.values) == 2 else ir.BoolOp(c.op, c.values[1:])
            kept = ir.Const(c.op == "or") if _boolish(first) else first
            return (first, kept, rest) if c.op == "or" else (first, rest, kept)
        return c, ir.Const(True), ir.Const(False)

    def node(self, n: int) -> bool:
        g, o = self.g, op(self.g, n)
        if isinstance(o, ir.Assign) and _is_test(o.value) and len(g.out_edges(n)) == 1:
            (_, s, k, d), = list(g.out_edges(n, keys=True, data=True))
            if self.pin_first(n, o):
                return True
            test, yes, no = self.split(o.value)
            g.remove_edge(n, s, k)
            a, b = self.choose(n, o, test, ir.Assign(o.target, yes), ir.Assign(o.target, no))
            self.link(a, s, k, d.get("assigns"))
            self.link(b, s, k, d.get("assigns"))
            return True
        if isinstance(o, ir.Return) and _is_test(o.value) and not g.out_edges(n):
            if self.pin_first(n, o):
                return True
            test, yes, no = self.split(o.value)
            self.choose(n, o, test, ir.Return(yes), ir.Return(no))
            return True
        if isinstance(o, (ir.Assign, ir.TaskCall, ir.Return, ir.Raise, ir.Wait, ir.MapState)) and any(
                _has_test(e) for e in self.exprs(o)):
            return self.hoist(n, o)
        if isinstance(o, ir.Choice) and o.tests:
            prelude: list[tuple[str, ir.Expr]] = []
            first = self.in_test(o.tests[0], prelude)
            if prelude:
                o.tests = [first] + list(o.tests[1:])
                self.before(n, o, prelude)
                return True
        return False

    def in_test(self, e: ir.Expr, prelude: list[tuple[str, ir.Expr]]) -> ir.Expr:
        """The first test of a Choice (always evaluated) with the values inside it that a rule
        cannot read (``(a < b) == c``, ``if (x if c else y):``) stored before the Choice. Only
        the first operand of ``and``/``or``: Python may not evaluate the others."""
        if isinstance(e, ir.BoolOp):
            return ir.BoolOp(e.op, (self.in_test(e.values[0], prelude),) + tuple(e.values[1:]))
        if isinstance(e, ir.UnaryOp) and e.op == "not":
            return ir.UnaryOp("not", self.in_test(e.operand, prelude))
        if isinstance(e, ir.Compare) or isinstance(e, ir.Builtin) and e.name in TEST_BUILTINS:
            kids = list(ir.children(e))
            if not any(_has_test(k) for k in kids):
                return e
            last = max(i for i, k in enumerate(kids) if _has_test(k))
            out = []
            for i, k in enumerate(kids):
                if _has_test(k):
                    out.append(self.linear(k, prelude))
                elif i < last and (ir.may_fail(k) or not ir.is_pure(k)):
                    t = self.fresh("v")
                    prelude.append((t, k))
                    out.append(ir.Var(t))
                else:
                    out.append(k)
            return _rebuild(e, out)
        if isinstance(e, ir.IfExp):
            return self.linear(e, prelude)
        return e

    def pin_first(self, n: int, o: ir.Assign | ir.Return) -> bool:
        """``uuid() or x``: the first operand is both the test and the value; computed once,
        into a temporary, by a state before."""
        c = o.value
        if not (isinstance(c, ir.BoolOp) and not _boolish(c) and not ir.is_pure(c.values[0])):
            return False
        t = self.fresh("v")
        o.value = ir.BoolOp(c.op, (ir.Var(t),) + tuple(c.values[1:]))
        a = self.new(ir.Assign(t, c.values[0]), o)
        for u, _, k, d in list(self.g.in_edges(n, keys=True, data=True)):
            self.g.remove_edge(u, n, k)
            self.g.add_edge(u, a, key=k, **d)
        self.link(a, n)
        return True

    @staticmethod
    def exprs(o: ir.Op) -> list[ir.Expr]:
        if isinstance(o, ir.TaskCall):
            return list(o.args.values())
        if isinstance(o, ir.MapState):
            return [o.items]
        if isinstance(o, ir.Raise):
            return [o.cause]
        return op_exprs(o)

    def hoist(self, n: int, o: ir.Op) -> bool:
        """The tests inside ``o``'s expressions (and what Python evaluates before them that may
        fail, or is impure) go to temporaries assigned by states before ``n``."""
        prelude: list[tuple[str, ir.Expr]] = []
        new = [self.linear(e, prelude) for e in self.exprs(o)]
        if isinstance(o, ir.TaskCall):
            o.args = dict(zip(o.args, new))
        elif isinstance(o, ir.Assign):
            o.value, = new
        elif isinstance(o, ir.Return):
            o.value, = new
        elif isinstance(o, ir.Raise):
            o.cause, = new
        elif isinstance(o, ir.MapState):
            o.items, = new
        elif isinstance(o, ir.Wait):
            it = iter(new)
            o.seconds = next(it) if o.seconds is not None else None
            o.timestamp = next(it) if o.timestamp is not None else None
        self.before(n, o, prelude)
        return True

    def before(self, n: int, o: ir.Op, prelude: list[tuple[str, ir.Expr]]) -> None:
        """Assign states for ``prelude``, in order, that every way into ``n`` goes through first."""
        ins = list(self.g.in_edges(n, keys=True, data=True))
        nxt = n
        for t, e in reversed(prelude):
            a = self.new(ir.Assign(t, e), o)
            self.link(a, nxt)
            nxt = a
        for u, _, k, d in ins:
            self.g.remove_edge(u, n, k)
            self.g.add_edge(u, nxt, key=k, **d)

    def linear(self, e: ir.Expr, prelude: list[tuple[str, ir.Expr]]) -> ir.Expr:
        if _is_test(e):
            t = self.fresh("c")
            prelude.append((t, e))
            return ir.Var(t)
        kids = list(ir.children(e))
        if isinstance(e, ir.Input) or not any(_has_test(k) for k in kids):
            return e
        last = max(i for i, k in enumerate(kids) if _has_test(k))
        out = []
        for i, k in enumerate(kids):
            if _has_test(k):
                out.append(self.linear(k, prelude))
            elif i < last and (ir.may_fail(k) or not ir.is_pure(k)):
                t = self.fresh("v")  # Python evaluates it before the test: a failure comes first
                prelude.append((t, k))
                out.append(ir.Var(t))
            else:
                out.append(k)
        return _rebuild(e, out)

    def edge(self, u: int, v: int, k: str, d: dict) -> None:
        """The assignments riding on an edge from the first one holding a test on move to an
        Assign state of their own (then rewritten by ``node``)."""
        seq = list(d.get("assigns", []))
        i = next(j for j, (_, e) in enumerate(seq) if _has_test(e))
        pre, moved = seq[:i], seq[i:]
        bound: list[tuple[ir.Expr, ir.Expr]] = []
        for _, e in moved:
            for x in ir.walk(e):
                if _edge_bound(x) and all(x != old for old, _ in bound):
                    t = self.fresh("r")
                    pre.append((t, x))
                    bound.append((x, ir.Var(t)))
        moved = [(x, _replace_sub(e, bound)) for x, e in moved]
        (x, e), post = moved[0], moved[1:]
        like = op(self.g, v)
        a = self.new(ir.Assign(x, e), like)
        self.g.remove_edge(u, v, k)
        self.g.add_edge(u, a, key=k, **{**d, "assigns": pre})
        self.link(a, v, "next", post)
