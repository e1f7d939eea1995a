"""Lower the simplified CFG to JSONata-mode ASL states.

Locals are ASL Variables (``Assign``). Assignments folded onto an edge become part
of the ``Assign`` of the state the edge leaves (or of the Choice rule that takes
it); since a state's ``Assign`` is simultaneous, a sequence of assignments is
turned into one by substitution. A ``return`` right after a state becomes that
state's ``Output`` + ``End``. Variables no state reads are not assigned.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import networkx as nx

from pyflow import ir
from pyflow.backend.jsonata_expr import Emitter
from pyflow.backend.names import clean, unique_names
from pyflow.backend.types import Types, infer_var_types
from pyflow.cfg import nodes_in_order, op, out_edges

LINEAR = (ir.TaskCall, ir.Wait, ir.Assign, ir.Custom, ir.Nop)
# states that may carry the workflow's Output (asl-validator rejects Output on Wait)
OUTPUT_CARRIERS = (ir.TaskCall, ir.Assign)
may_fail = ir.may_fail


def simul(seq: list[tuple[str, ir.Expr]], env0: dict[str, ir.Expr]) -> dict[str, ir.Expr]:
    """A sequence of assignments as one simultaneous assignment (by substitution)."""
    env = dict(env0)
    for x, e in seq:
        env[x] = ir.substitute(e, env)
    return env


@dataclass
class TaskMeta:
    returns: str
    options: dict[str, Any]


def template(e: ir.Expr, em: Emitter) -> Any:
    """A field value: JSON where the value is constant, ``{% ... %}`` where it is not."""
    if isinstance(e, ir.Const):
        return _literal(e.value)
    if isinstance(e, ir.DictExpr) and e.entries and all(
            isinstance(k, ir.Const) and isinstance(k.value, str) for k, _ in e.entries):
        keys = [k.value for k, _ in e.entries]  # type: ignore[union-attr]
        if len(set(keys)) == len(keys):
            return {k.value: template(v, em) for k, v in e.entries}  # type: ignore[union-attr]
    return "{% " + strip_parens(em.top(e)) + " %}"


def strip_parens(text: str) -> str:
    """``($a + 1)`` -> ``$a + 1`` for readability; blocks ``(x := ...; ...)`` keep theirs."""
    if not (text.startswith("(") and text.endswith(")")):
        return text
    depth, quote = 0, ""
    for i, ch in enumerate(text):
        if quote:
            if ch == quote and text[i - 1] != "\\":
                quote = ""
            continue
        if ch in "\"'/":
            if ch == "/" and depth:
                continue
            quote = ch if ch != "/" else ""
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth == 0 and i != len(text) - 1:
                return text
        elif depth == 1 and (ch == ";" or text.startswith(":=", i)):
            return text
    return text[1:-1]


def output_template(e: ir.Expr, em: Emitter) -> Any:
    """``Output`` must be an object or a JSONata string (asl-validator): wrap other constants."""
    value = template(e, em)
    if isinstance(value, dict) or (isinstance(value, str) and value.startswith("{%")):
        return value
    return "{% " + json.dumps(value, ensure_ascii=False) + " %}"


def _literal(value: Any) -> Any:
    if isinstance(value, str) and value.lstrip().startswith("{%") and value.rstrip().endswith("%}"):
        return "{% " + json.dumps(value, ensure_ascii=False) + " %}"
    if isinstance(value, list):
        if any(isinstance(v, (list, dict)) for v in value):
            # asl-validator's schema rejects nested arrays in templates: use an expression
            return "{% " + json.dumps(value, ensure_ascii=False) + " %}"
        return [_literal(v) for v in value]
    if isinstance(value, dict):
        return {k: _literal(v) for k, v in value.items()}
    return value


def retriers(options: dict[str, Any]) -> list[dict[str, Any]]:
    raw = options.get("retry")
    if raw is None:
        return []
    items = raw if isinstance(raw, list) else [raw]
    out = []
    for r in items:
        if not isinstance(r, dict) or not r.get("__retry__"):
            continue
        entry: dict[str, Any] = {"ErrorEquals": list(r.get("errors") or ["States.ALL"])}
        for key, field in (("interval", "IntervalSeconds"), ("max_attempts", "MaxAttempts"),
                           ("backoff_rate", "BackoffRate"), ("max_delay", "MaxDelaySeconds"),
                           ("jitter", "JitterStrategy")):
            if r.get(key) is not None:
                entry[field] = r[key]
        out.append(entry)
    return out


class JsonataLowering:
    def __init__(self, g: nx.MultiDiGraph, entry: int, tasks: dict[str, TaskMeta], input_types: dict[str, str]) -> None:
        self.g = g
        self.entry = entry
        self.tasks = tasks
        self.input_types = input_types
        self.var_types = infer_var_types(self._assignments(), input_types)

    def _assignments(self) -> list[tuple[str, ir.Expr, str | None]]:
        out: list[tuple[str, ir.Expr, str | None]] = []
        for n in self.g.nodes:
            o = op(self.g, n)
            result = self.tasks[o.task].returns if isinstance(o, ir.TaskCall) else None
            if isinstance(o, ir.TaskCall) and o.target:
                out.append((o.target, ir.TaskResult(), result))
            elif isinstance(o, ir.Assign):
                out.append((o.target, o.value, None))
            elif isinstance(o, ir.Custom) and o.target:
                out.append((o.target, ir.TaskResult(), None))
            for _, _, d in self.g.out_edges(n, data=True):
                for x, e in d.get("assigns", []):
                    out.append((x, e, result))
        return out

    # ------------------------------------------------------------------ structure
    def lower(self) -> tuple[str, dict[str, dict[str, Any]]]:
        g = self.g
        (_, first, _, entry_data), = out_edges(g, self.entry)
        prefix: dict[int, list[tuple[str, ir.Expr]]] = {}
        start_pass: list[tuple[str, ir.Expr]] | None = None
        entry_assigns = list(entry_data.get("assigns", []))
        if entry_assigns:
            if g.in_degree(first) == 1:
                prefix[first] = entry_assigns
            else:
                start_pass = entry_assigns
        folded_returns: set[int] = set()
        for n in g.nodes:
            o = op(g, n)
            if isinstance(o, ir.Return) and n not in prefix:
                preds = list(g.in_edges(n, keys=True))
                if preds and all(isinstance(op(g, u), OUTPUT_CARRIERS) and len(out_edges(g, u)) == 1 and u != self.entry
                                 for u, _, _ in preds):
                    folded_returns.add(n)
        state_nodes = [n for n in nodes_in_order(g, self.entry)
                       if n != self.entry and n not in folded_returns]
        names = unique_names([(n, self.base_name(n), self.line(n)) for n in state_nodes])
        start_name = None
        states: dict[str, dict[str, Any]] = {}
        if start_pass is not None:
            start_name = "Start"
            while start_name in names.values():
                start_name += "_"
        self.names = names
        self.first = first
        self.start_name = start_name
        self.built: dict[int, dict[str, Any]] = {}
        envs: dict[int, dict[str, Any]] = {}
        for n in state_nodes:
            self.built[n] = self.state(n, prefix.get(n, []), folded_returns, envs)
        # liveness over the built states' variable uses
        self.prune_assigns(state_nodes, folded_returns, envs)
        if start_name is not None:
            assert start_pass is not None
            em = Emitter(Types(self.var_types, "any", self.input_types), input="$states.input")
            env = simul(start_pass, {})
            states[start_name] = {"Type": "Pass", "Assign": {x: template(e, em) for x, e in env.items()},
                                  "Next": names[first]}
        for n in state_nodes:
            states[names[n]] = self.built[n]
        return (start_name or names[first]), states

    def base_name(self, n: int) -> str:
        o = op(self.g, n)
        if isinstance(o, ir.TaskCall):
            return clean(o.task)
        if isinstance(o, ir.Choice):
            return {"while": "While", "for": "For"}.get(o.kind, "If")
        if isinstance(o, ir.Wait):
            return "Wait"
        if isinstance(o, ir.Raise):
            return clean(o.error.rsplit(".", 1)[-1])
        if isinstance(o, ir.Return):
            return "Return"
        if isinstance(o, ir.Assign):
            return clean(f"Set_{o.target}")
        if isinstance(o, ir.Custom):
            return clean(str(o.state.get("Comment") or f"Custom_{o.state.get('Type', 'State')}"))
        return "Spin"

    def line(self, n: int) -> int:
        o = op(self.g, n)
        return o.span.line if o.span else 0

    def next_name(self, target: int) -> str:
        return self.names[target]

    # ------------------------------------------------------------------ states
    def state(self, n: int, prefix: list[tuple[str, ir.Expr]], folded_returns: set[int],
              envs: dict[int, dict[str, Any]]) -> dict[str, Any]:
        g, o = self.g, op(self.g, n)
        result_type = self.tasks[o.task].returns if isinstance(o, ir.TaskCall) else "any"
        inp = "$states.input" if (n == self.first and self.start_name is None) else "$states.context.Execution.Input"
        em = Emitter(Types(self.var_types, result_type, self.input_types), input=inp)
        env0 = simul(prefix, {})
        sub = lambda e: ir.substitute(e, env0)  # noqa: E731
        st: dict[str, Any] = {}
        after = dict(env0)
        if isinstance(o, ir.TaskCall):
            st["Type"] = "Task"
            st["Resource"] = "${" + o.task + "}"
            st["Arguments"] = {k: template(sub(v), em) for k, v in o.args.items()}
            opts = self.tasks[o.task].options
            if isinstance(opts.get("timeout"), int):
                st["TimeoutSeconds"] = opts["timeout"]
            if isinstance(opts.get("heartbeat"), int):
                st["HeartbeatSeconds"] = opts["heartbeat"]
            if o.target:
                after[o.target] = ir.TaskResult()
        elif isinstance(o, ir.Wait):
            st["Type"] = "Wait"
            if o.seconds is not None:
                st["Seconds"] = template(sub(o.seconds), em)
            else:
                assert o.timestamp is not None
                st["Timestamp"] = template(sub(o.timestamp), em)
        elif isinstance(o, ir.Assign):
            st["Type"] = "Pass"
            after = simul([(o.target, o.value)], env0)
        elif isinstance(o, ir.Custom):
            st.update(o.state)
            if o.target:
                after[o.target] = ir.TaskResult()
        elif isinstance(o, ir.Nop):
            st["Type"] = "Pass"
        elif isinstance(o, ir.Raise):
            st["Type"] = "Fail"
            st["Error"] = o.error
            cause = sub(o.cause)
            if isinstance(cause, ir.Builtin) and cause.name == "str" and isinstance(cause.args[0], ir.Const) \
                    and isinstance(cause.args[0].value, str):
                cause = cause.args[0]
            if not (isinstance(cause, ir.Const) and cause.value == ""):
                st["Cause"] = template(cause, em)
            envs[n] = {"uses": self._uses([cause])}
            return st
        elif isinstance(o, ir.Return):
            st["Type"] = "Pass"
            st["Output"] = output_template(sub(o.value), em)
            st["End"] = True
            envs[n] = {"uses": self._uses([sub(o.value)])}
            return st
        elif isinstance(o, ir.Choice):
            return self.choice(n, o, env0, em, envs)
        edges = out_edges(g, n)
        uses = self._uses(list(self._inputs(o, sub)))
        if not edges:
            st["End"] = True
            envs[n] = {"uses": uses, "assign": {}}
            return st
        (_, target, _, data), = edges
        assigns = simul(list(data.get("assigns", [])), after)
        if target in folded_returns:
            ret: ir.Return = op(g, target)  # type: ignore[assignment]
            value = ir.substitute(ret.value, assigns)
            if not isinstance(value, ir.TaskResult):
                st["Output"] = output_template(value, em)
                uses |= self._uses([value])
            st["End"] = True
        else:
            st["Next"] = self.next_name(target)
        retry = retriers(self.tasks[o.task].options) if isinstance(o, ir.TaskCall) else []
        if retry:
            st["Retry"] = retry
        envs[n] = {"uses": uses, "assign": assigns, "em": em, "target": None if st.get("End") else target}
        return st

    def _inputs(self, o: ir.Op, sub) -> list[ir.Expr]:
        if isinstance(o, ir.TaskCall):
            return [sub(v) for v in o.args.values()]
        if isinstance(o, ir.Wait):
            return [sub(x) for x in (o.seconds, o.timestamp) if x is not None]
        return []

    @staticmethod
    def _uses(exprs: list[ir.Expr]) -> set[str]:
        out: set[str] = set()
        for e in exprs:
            out |= ir.free_vars(e)
        return out

    def choice(self, n: int, o: ir.Choice, env0: dict[str, ir.Expr], em: Emitter, envs: dict) -> dict[str, Any]:
        st: dict[str, Any] = {"Type": "Choice", "Choices": []}
        edges = {k: (v, d) for _, v, k, d in out_edges(self.g, n)}
        rules = []
        uses: set[str] = set()
        for i, test in enumerate(o.tests):
            target, data = edges[f"r{i}"]
            t = ir.substitute(test, env0)
            uses |= ir.free_vars(t)
            rules.append((em.cond(t), target, simul(list(data.get("assigns", [])), env0)))
        default = edges.get("default")
        default_assign = None
        if default is not None:
            target, data = default
            default_assign = simul(list(data.get("assigns", [])), env0)
            if default_assign:
                rules.append(("true", target, default_assign))
            else:
                st["Default"] = self.next_name(target)
        envs[n] = {"uses": uses, "rules": rules, "em": em,
                   "default": default[0] if default is not None and not default_assign else None}
        for cond, target, assign in rules:
            st["Choices"].append({"Condition": "{% " + strip_parens(cond) + " %}", "Next": self.next_name(target),
                                  "__assign__": assign})
        if "Default" in st:
            st["Default"] = st.pop("Default")
        return st

    # ------------------------------------------------------------------ liveness
    def prune_assigns(self, nodes: list[int], folded_returns: set[int], envs: dict[int, dict[str, Any]]) -> None:
        """Assign only what a later state reads (or what may fail, to keep Python's errors)."""
        succ: dict[int, list[int]] = {}
        use: dict[int, set[str]] = {}
        for n in nodes:
            info = envs.get(n, {})
            targets: list[int] = []
            u = set(info.get("uses", set()))
            if "rules" in info:
                for _, target, assign in info["rules"]:
                    targets.append(target)
                    for e in assign.values():
                        u |= ir.free_vars(e)
                if info.get("default") is not None:
                    targets.append(info["default"])
            elif info.get("assign") is not None:
                if info.get("target") is not None:
                    targets.append(info["target"])
                for e in info["assign"].values():
                    u |= ir.free_vars(e)
            succ[n] = [t for t in targets if t in self.built]
            use[n] = u
        live_in: dict[int, set[str]] = {n: set() for n in nodes}
        changed = True
        while changed:
            changed = False
            for n in reversed(nodes):
                out: set[str] = set()
                for s in succ[n]:
                    out |= live_in[s]
                info = envs.get(n, {})
                defined: set[str] = set()
                if "rules" in info:
                    # a variable is redefined only if every rule assigns it
                    sets = [set(a) for _, _, a in info["rules"]]
                    if sets and "Default" not in self.built[n]:
                        defined = set.intersection(*sets)
                elif info.get("assign") is not None:
                    defined = set(info["assign"])
                new = use[n] | (out - defined)
                if new != live_in[n]:
                    live_in[n] = new
                    changed = True
        for n in nodes:
            info = envs.get(n, {})
            st = self.built[n]
            em = info.get("em")
            if "rules" in info:
                for rule, (_, target, assign) in zip(st["Choices"], info["rules"]):
                    live = live_in.get(target, set())
                    kept = {x: e for x, e in assign.items()
                            if (x in live or may_fail(e)) and not (isinstance(e, ir.Var) and e.name == x)}
                    rule.pop("__assign__", None)
                    if kept:
                        rule["Assign"] = {x: template(e, em) for x, e in kept.items()}
                continue
            assign = info.get("assign")
            if not assign:
                continue
            target = info.get("target")
            live = live_in.get(target, set()) if target is not None else set()
            kept = {x: e for x, e in assign.items()
                    if (x in live or may_fail(e)) and not (isinstance(e, ir.Var) and e.name == x)}
            if kept:
                assign_field = {x: template(e, em) for x, e in kept.items()}
                ordered: dict[str, Any] = {}
                for key, value in st.items():
                    if key in ("Next", "End", "Output", "Retry"):
                        ordered.setdefault("Assign", assign_field)
                    ordered[key] = value
                ordered.setdefault("Assign", assign_field)
                st.clear()
                st.update(ordered)
