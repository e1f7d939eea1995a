"""Lower the simplified CFG to JSONata-mode ASL states.

Locals are ASL Variables (``Assign``). Assignments folded onto an edge become part
of the ``Assign`` of the state the edge leaves (or of the Choice rule or Catch
that takes it); since a state's ``Assign`` is simultaneous, a sequence of
assignments is turned into one by substitution. A ``return`` right after a Task
or Pass becomes that state's ``Output`` + ``End``. Variables no later state reads
are not assigned (unless computing them may fail: Python would fail there too).
Parallel branches and Map bodies are lowered recursively, with state names
unique across the whole machine.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import networkx as nx

from pyflow import ir
from pyflow.backend.jsonata_expr import Emitter, is_group, top_level, var_name, with_helpers
from pyflow.backend.names import state_base_name, unique_names
from pyflow.backend.types import Types, infer_var_types
from pyflow.cfg import graph_assignments, nodes_in_order, op, op_exprs, out_edges

# states that may carry the workflow's Output (asl-validator rejects Output on Wait)
OUTPUT_CARRIERS = (ir.TaskCall, ir.Assign, ir.Parallel, ir.MapState)
may_fail = ir.may_fail


simul = ir.simultaneous


@dataclass
class TaskMeta:
    returns: str
    options: dict[str, Any]
    kind: str = "lambda"


def template(e: ir.Expr, em: Emitter) -> Any:
    """A field value: JSON where the value is constant, ``{% ... %}`` where it is not."""
    if isinstance(e, ir.Const):
        if e.value == "":  # asl-validator's schema rejects an empty string field value
            return '{% "" %}'
        return _literal(e.value)
    if isinstance(e, ir.DictExpr) and e.entries and all(
            isinstance(k, ir.Const) and isinstance(k.value, str) for k, _ in e.entries):
        keys = [k.value for k, _ in e.entries]  # type: ignore[union-attr]
        if len(set(keys)) == len(keys):
            return {k.value: template(v, em) for k, v in e.entries}  # type: ignore[union-attr]
    return expression(strip_parens(em.top(e)))


def expression(text: str) -> str:
    """A ``{% %}`` field value of JSONata ``text``, with the helper functions it calls bound at its head."""
    return "{% " + with_helpers(text) + " %}"


def strip_parens(text: str) -> str:
    """``($a + 1)`` -> ``$a + 1`` for readability; blocks ``(x := ...; ...)`` keep theirs."""
    if not is_group(text, "(", ")"):
        return text
    if any(depth == 1 and (ch == ";" or text.startswith(":=", i)) for i, ch, depth in top_level(text)):
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


def retriers(raw: Any) -> list[dict[str, Any]]:
    if raw is None:
        return []
    items = raw if isinstance(raw, list) else [raw]
    out = []
    for r in items:
        if not isinstance(r, dict) or not r.get("__retry__"):
            continue
        entry: dict[str, Any] = {"ErrorEquals": list(r.get("errors") or ["States.ALL"])}
        for key, name in (("interval", "IntervalSeconds"), ("max_attempts", "MaxAttempts"),
                          ("backoff_rate", "BackoffRate"), ("max_delay", "MaxDelaySeconds"),
                          ("jitter", "JitterStrategy")):
            if r.get(key) is not None:
                entry[name] = r[key]
        out.append(entry)
    return out


def item_reader(reader: dict[str, Any]) -> dict[str, Any]:
    """``pf.s3_items(...)`` as a Distributed Map's ItemReader."""
    if reader.get("format") == "objects":
        args = {"Bucket": reader.get("bucket")}
        if reader.get("prefix") is not None:
            args["Prefix"] = reader["prefix"]
        return {"Resource": "arn:aws:states:::s3:listObjectsV2", "Arguments": args}
    config: dict[str, Any] = {"InputType": "CSV" if reader.get("format") == "csv" else "JSON"}
    if config["InputType"] == "CSV":
        config["CSVHeaderLocation"] = "FIRST_ROW"
    return {"ReaderConfig": config, "Resource": "arn:aws:states:::s3:getObject",
            "Arguments": {"Bucket": reader.get("bucket"), "Key": reader.get("key")}}


def sub_free_vars(sub: ir.SubMachine) -> set[str]:
    """Variables a nested machine reads (from the outer scope, among others)."""
    out: set[str] = set()
    for n in sub.graph.nodes:
        o = op(sub.graph, n)
        out |= op_free_vars(o)
    for _, _, d in sub.graph.edges(data=True):
        for _, e in d.get("assigns", []):
            out |= ir.free_vars(e)
    return out


def op_free_vars(o: ir.Op) -> set[str]:
    exprs = op_exprs(o)
    out: set[str] = set()
    for e in exprs:
        out |= ir.free_vars(e)
    if isinstance(o, ir.Parallel):
        for b in o.branches:
            out |= sub_free_vars(b)
    if isinstance(o, ir.MapState):
        out |= sub_free_vars(o.body)
    return out


@dataclass
class Exit:
    """One way out of a state: where to, and the simultaneous assignment on the way."""

    kind: str  # next / rule / default / catch
    target: int
    assign: dict[str, ir.Expr]
    slot: dict[str, Any] | None = None  # the rule or catcher dict to write its Assign into


class JsonataLowering:
    def __init__(self, g: nx.MultiDiGraph, entry: int, tasks: dict[str, TaskMeta], input_types: dict[str, str],
                 taken: set[str] | None = None, var_types: dict[str, str] | None = None, top: bool = True,
                 source_map: dict[str, dict[str, Any]] | None = None) -> None:
        self.g = g
        self.entry = entry
        self.tasks = tasks
        self.input_types = input_types
        self.taken = taken if taken is not None else set()
        self.top = top
        self.source_map: dict[str, dict[str, Any]] = source_map if source_map is not None else {}
        self.current_span: Any = None
        inferred = infer_var_types(self._assignments(), input_types)
        self.var_types = {**(var_types or {}), **inferred}

    def _result_type(self, o: ir.Op) -> str | None:
        if isinstance(o, ir.TaskCall):
            return self.tasks[o.task].returns
        if isinstance(o, ir.MapState):
            return "list"
        return None

    def _assignments(self) -> list[tuple[str, ir.Expr, str | None]]:
        return graph_assignments(self.g, self._result_type)

    # ------------------------------------------------------------------ structure
    def lower(self) -> tuple[str, dict[str, dict[str, Any]]]:
        g = self.g
        (_, first, _, entry_data), = out_edges(g, self.entry)
        prefix: dict[int, list[tuple[str, ir.Expr]]] = {}
        start_pass: list[tuple[str, ir.Expr]] | None = None
        entry_assigns = list(entry_data.get("assigns", []))
        if entry_assigns:
            # a state's Assign happens after it runs: a Parallel or Map cannot take the
            # assignments its nested machines must already see
            first_op = op(g, first)
            # a Fail evaluates no Assign, and a return's Pass only its Output: assignments
            # that may fail must still run there, so they get a state of their own
            read: set[str] = set()
            # (read whatever the values: a name read in one branch of an ``if`` expression only may
            # never be evaluated there)
            if isinstance(first_op, ir.Raise):
                read = ir.strict_vars(first_op.cause) | (ir.strict_vars(first_op.dynamic) if first_op.dynamic else set())
            elif isinstance(first_op, ir.Return):
                read = ir.strict_vars(first_op.value)
            risky_end = isinstance(first_op, (ir.Raise, ir.Return)) and any(
                may_fail(e) and x not in read for x, e in entry_assigns)
            # the state's own value for a name replaces a prefix value that may fail
            own = getattr(first_op, "target", None) if isinstance(first_op, (ir.Assign, ir.TaskCall)) else None
            if own is not None and any(x == own and may_fail(e, inputs=False) for x, e in entry_assigns) and not (
                    isinstance(first_op, ir.Assign) and own in ir.free_vars(first_op.value)):
                risky_end = True
            if g.in_degree(first) == 1 and not isinstance(first_op, (ir.Parallel, ir.MapState)) and not risky_end:
                prefix[first] = entry_assigns
            else:
                start_pass = entry_assigns
        self.folded_returns: set[int] = set()
        for n in g.nodes:
            o = op(g, n)
            if isinstance(o, ir.Return):
                preds = list(g.in_edges(n, keys=True))
                if preds and all(self._can_carry_return(u, k, o) for u, _, k in preds):
                    self.folded_returns.add(n)
        state_nodes = [n for n in nodes_in_order(g, self.entry) if n != self.entry and n not in self.folded_returns]
        self.names = unique_names([(n, self.base_name(n), self.line(n)) for n in state_nodes], self.taken)
        self.first = first
        self.start_name: str | None = None
        if start_pass is not None:
            name = "Start"
            while name in self.taken:
                name += "_"
            self.taken.add(name)
            self.start_name = name
        self.built: dict[int, dict[str, Any]] = {}
        self.exits: dict[int, list[Exit]] = {}
        self.uses: dict[int, set[str]] = {}
        self.ems: dict[int, Emitter] = {}
        for n in state_nodes:
            self.current_span = op(g, n).span  # where a rejected expression is reported, failing better
            self.built[n] = self.state(n, prefix.get(n, []))
        self.prune_assigns(state_nodes)
        states: dict[str, dict[str, Any]] = {}
        if self.start_name is not None:
            assert start_pass is not None
            em = self.emitter("$states.input" if self.top else "$states.context.Execution.Input", "any")
            env = simul(start_pass, {})
            states[self.start_name] = {"Type": "Pass", "Assign": {var_name(x): template(e, em) for x, e in env.items()},
                                       "Next": self.names[first]}
        for n in state_nodes:
            states[self.names[n]] = self.built[n]
            o = op(g, n)
            entry: dict[str, Any] = {"line": self.line(n), "kind": type(o).__name__}
            if isinstance(o, ir.Choice):
                entry["conditions"] = list(o.sources) + (["else"] if any(
                    r.get("Condition") == "{% true %}" for r in self.built[n]["Choices"][len(o.sources):]) else [])
            self.source_map[self.names[n]] = entry
        return (self.start_name or self.names[first]), states

    def _can_carry_return(self, u: int, key: str, ret: ir.Return) -> bool:
        if u == self.entry or key.startswith("c"):
            return False
        o = op(self.g, u)
        if not isinstance(o, OUTPUT_CARRIERS):
            return False
        if len([e for e in out_edges(self.g, u) if not e[2].startswith("c")]) != 1:
            return False
        return o.region == ret.region or not may_fail(ret.value)

    def emitter(self, inp: str, result_type: str, result: str = "$states.result") -> Emitter:
        return Emitter(Types(self.var_types, result_type, self.input_types, snapshot=False), result=result, input=inp,
                       item=getattr(self, "item", "$states.input"))

    def base_name(self, n: int) -> str:
        return state_base_name(op(self.g, n))

    def line(self, n: int) -> int:
        o = op(self.g, n)
        return o.span.line if o.span else 0

    # ------------------------------------------------------------------ states
    def state(self, n: int, prefix: list[tuple[str, ir.Expr]]) -> dict[str, Any]:
        g, o = self.g, op(self.g, n)
        result_type = self._result_type(o) or "any"
        # parameters are read from the execution input: at the very first state as its
        # input, anywhere else (Parallel branches and Map bodies included) from the Context object
        inp = "$states.input" if (n == self.first and self.start_name is None and self.top) \
            else "$states.context.Execution.Input"
        result = "$states.result.Output" if isinstance(o, ir.TaskCall) and o.kind == "workflow" else "$states.result"
        em = self.emitter(inp, result_type, result)
        self.ems[n] = em
        env0 = simul(prefix, {})

        def sub(e: ir.Expr) -> ir.Expr:
            return ir.substitute(e, env0)

        st: dict[str, Any] = {}
        after = dict(env0)
        uses: set[str] = set()
        if isinstance(o, ir.TaskCall):
            st.update(self.task_fields(o, sub, em))
            for v in o.args.values():
                uses |= ir.free_vars(sub(v))
            if o.target:
                after[o.target] = ir.TaskResult()
        elif isinstance(o, ir.Wait):
            st["Type"] = "Wait"
            if o.seconds is not None:
                st["Seconds"] = template(sub(o.seconds), em)
                uses |= ir.free_vars(sub(o.seconds))
            else:
                assert o.timestamp is not None
                st["Timestamp"] = template(sub(o.timestamp), em)
                uses |= ir.free_vars(sub(o.timestamp))
        elif isinstance(o, ir.Assign):
            st["Type"] = "Pass"
            after = simul([(o.target, o.value)], env0)
        elif isinstance(o, ir.Custom):
            st.update(o.state)
            if o.target:
                after[o.target] = ir.TaskResult()
        elif isinstance(o, ir.Nop):
            st["Type"] = "Pass"
        elif isinstance(o, ir.Parallel):
            st["Type"] = "Parallel"
            st["Branches"] = [self.nested(b) for b in o.branches]
            uses |= op_free_vars(o)
            retry = retriers(o.retry)
            if retry:
                st["Retry"] = retry
        elif isinstance(o, ir.MapState):
            st.update(self.map_fields(o, sub, em))
            uses |= ir.free_vars(sub(o.items)) | sub_free_vars(o.body)
            retry = retriers(o.retry)
            if retry:
                st["Retry"] = retry
            if o.target:
                after[o.target] = ir.Builtin("keep_filter", (ir.TaskResult(),)) if o.filtered else ir.TaskResult()
        elif isinstance(o, ir.Raise):
            st["Type"] = "Fail"
            if o.dynamic is not None:
                dyn = sub(o.dynamic)
                st["Error"] = expression(em.ex(ir.Subscript(dyn, ir.Const("Error"))))
                st["Cause"] = expression(em.ex(ir.Subscript(dyn, ir.Const("Cause"))))
                uses |= ir.free_vars(dyn)
            else:
                st["Error"] = o.error
                cause = sub(o.cause)
                if isinstance(cause, ir.Builtin) and cause.name == "str" and isinstance(cause.args[0], ir.Const) \
                        and isinstance(cause.args[0].value, str):
                    cause = cause.args[0]
                if not (isinstance(cause, ir.Const) and cause.value == ""):
                    st["Cause"] = template(cause, em)
                uses |= ir.free_vars(cause)
            self.uses[n] = uses
            self.exits[n] = []
            return st
        elif isinstance(o, ir.Return):
            st["Type"] = "Pass"
            st["Output"] = output_template(sub(o.value), em)
            st["End"] = True
            self.uses[n] = ir.free_vars(sub(o.value))
            self.exits[n] = []
            return st
        elif isinstance(o, ir.Choice):
            return self.choice(n, o, env0, em)
        exits: list[Exit] = []
        normal = [e for e in out_edges(g, n) if not e[2].startswith("c")]
        catches = [e for e in out_edges(g, n) if e[2].startswith("c")]
        if not normal:
            st["End"] = True
        else:
            (_, target, key, data), = normal
            assign = simul(list(data.get("assigns", [])), after)
            target_op = op(g, target)
            # a return right after this state becomes its Output, even when other paths
            # (a Choice) still need the return as a state of its own
            if isinstance(target_op, ir.Return) and self._can_carry_return(n, key, target_op):
                ret: ir.Return = op(g, target)  # type: ignore[assignment]
                value = ir.substitute(ret.value, assign)
                raw_result = isinstance(value, ir.TaskResult) and not (isinstance(o, ir.MapState) and o.filtered) \
                    and not (isinstance(o, ir.TaskCall) and o.kind == "workflow")
                if not raw_result:  # the state's default output is not the value returned
                    st["Output"] = output_template(value, em)
                    uses |= ir.free_vars(value)
                st["End"] = True
                exits.append(Exit("end", -1, assign))
            else:
                st["Next"] = self.names[target]
                exits.append(Exit("next", target, assign))
        if catches:
            st["Catch"] = []
            for _, target, _, data in catches:
                catcher: dict[str, Any] = {"ErrorEquals": list(data.get("errors", ["States.ALL"])),
                                           "Next": self.names[target]}
                st["Catch"].append(catcher)
                # the state's own Assign does not happen when it fails: assignments that
                # were folded into it from before (the prefix) ride on the Catch as well
                exits.append(Exit("catch", target, simul(list(data.get("assigns", [])), env0), catcher))
        if isinstance(o, ir.TaskCall):
            retry = retriers(o.options.get("retry", self.tasks[o.task].options.get("retry")))
            if retry:
                st["Retry"] = retry
        self.uses[n] = uses
        self.exits[n] = exits
        return st

    def task_fields(self, o: ir.TaskCall, sub: Any, em: Emitter) -> dict[str, Any]:
        meta = self.tasks[o.task]
        st: dict[str, Any] = {"Type": "Task"}
        payload = {k: template(sub(v), em) for k, v in o.args.items()}
        if o.kind == "workflow":
            st["Resource"] = "arn:aws:states:::states:startExecution.sync:2"
            st["Arguments"] = {"StateMachineArn": "${" + o.task + "}", "Input": payload}
        elif o.kind == "callback":
            st["Resource"] = "arn:aws:states:::lambda:invoke.waitForTaskToken"
            st["Arguments"] = {"FunctionName": "${" + o.task + "}", "Payload": payload}
        elif o.kind == "service":
            st["Resource"] = o.options["resource"]
            if payload:
                st["Arguments"] = payload
        elif o.kind == "activity":
            st["Resource"] = "${" + o.task + "}"
            value = payload.get("input")
            st["Arguments"] = value if isinstance(value, (dict, str)) else "{% " + json.dumps(value) + " %}"
        else:
            st["Resource"] = "${" + o.task + "}"
            st["Arguments"] = payload
        opts = {**meta.options, **o.options}
        if isinstance(opts.get("timeout"), int):
            st["TimeoutSeconds"] = opts["timeout"]
        if isinstance(opts.get("heartbeat"), int):
            st["HeartbeatSeconds"] = opts["heartbeat"]
        return st

    def map_fields(self, o: ir.MapState, sub: Any, em: Emitter) -> dict[str, Any]:
        """A Map state: inline by default; Distributed with an ItemReader, batching,
        a ResultWriter and tolerated failures when asked for."""
        st: dict[str, Any] = {"Type": "Map"}
        opts = o.options
        mode = "DISTRIBUTED" if opts.get("mode") == "distributed" else "INLINE"
        reader = opts.get("item_reader")
        if reader is None:
            items = sub(o.items)
            if em.types.of(items) != "list":
                items = ir.Builtin("list", (items,))  # Python iterates a str's characters, a dict's keys
            st["Items"] = template(items, em)
        else:
            st["ItemReader"] = item_reader(reader)
        if opts.get("batch_size"):
            st["ItemBatcher"] = {"MaxItemsPerBatch": opts["batch_size"]}
        start, states = self.nested(o.body, item="$states.input.Items" if opts.get("batch_size") else None).values()
        config: dict[str, Any] = {"Mode": mode}
        if mode == "DISTRIBUTED":
            config["ExecutionType"] = "STANDARD"
        st["ItemProcessor"] = {"ProcessorConfig": config, "StartAt": start, "States": states}
        if o.max_concurrency is not None:
            st["MaxConcurrency"] = o.max_concurrency
        writer = opts.get("result_writer")
        if writer:
            args = {"Bucket": writer.get("bucket")}
            if writer.get("prefix") is not None:
                args["Prefix"] = writer["prefix"]
            st["ResultWriter"] = {"Resource": "arn:aws:states:::s3:putObject", "Arguments": args}
        if opts.get("tolerated_failure_percentage") is not None:
            st["ToleratedFailurePercentage"] = opts["tolerated_failure_percentage"]
        if opts.get("tolerated_failure_count") is not None:
            st["ToleratedFailureCount"] = opts["tolerated_failure_count"]
        return st

    def nested(self, sub: ir.SubMachine, item: str | None = None) -> dict[str, Any]:
        inner = JsonataLowering(sub.graph, sub.entry, self.tasks, self.input_types, self.taken,
                                var_types=self.var_types, top=False, source_map=self.source_map)
        inner.item = item or "$states.input"
        start, states = inner.lower()
        return {"StartAt": start, "States": states}

    def choice(self, n: int, o: ir.Choice, env0: dict[str, ir.Expr], em: Emitter) -> dict[str, Any]:
        st: dict[str, Any] = {"Type": "Choice", "Choices": []}
        edges = {k: (v, d) for _, v, k, d in out_edges(self.g, n)}
        uses: set[str] = set()
        exits: list[Exit] = []
        for i, test in enumerate(o.tests):
            target, data = edges[f"r{i}"]
            t = ir.substitute(test, env0)
            uses |= ir.free_vars(t)
            rule = {"Condition": expression(strip_parens(em.cond(t))), "Next": self.names[target]}
            st["Choices"].append(rule)
            exits.append(Exit("rule", target, simul(list(data.get("assigns", [])), env0), rule))
        default = edges.get("default")
        if default is not None:
            target, data = default
            assign = simul(list(data.get("assigns", [])), env0)
            if assign:
                rule = {"Condition": "{% true %}", "Next": self.names[target]}
                st["Choices"].append(rule)
                exits.append(Exit("rule", target, assign, rule))
            else:
                st["Default"] = self.names[target]
                exits.append(Exit("default", target, {}))
        self.uses[n] = uses
        self.exits[n] = exits
        return st

    # ------------------------------------------------------------------ liveness
    def prune_assigns(self, nodes: list[int]) -> None:
        """Assign only what a later state reads (or what may fail, to keep Python's errors)."""
        live_in: dict[int, set[str]] = {n: set() for n in nodes}
        uses_all = {n: set(self.uses.get(n, set())) | {v for ex in self.exits.get(n, []) for e in ex.assign.values()
                                                       for v in ir.free_vars(e)} for n in nodes}
        changed = True
        while changed:
            changed = False
            for n in reversed(nodes):
                live: set[str] = set(uses_all[n])
                for ex in self.exits.get(n, []):
                    after = live_in.get(ex.target, set()) if ex.target in live_in else set()
                    live |= after - set(ex.assign)
                if live != live_in[n]:
                    live_in[n] = live
                    changed = True
        for n in nodes:
            st = self.built[n]
            em = self.ems.get(n)
            for ex in self.exits.get(n, []):
                live = live_in.get(ex.target, set())
                kept = {x: e for x, e in ex.assign.items()
                        if (x in live or may_fail(e)) and not (isinstance(e, ir.Var) and e.name == x)}
                if not kept:
                    continue
                assert em is not None
                rendered = {var_name(x): template(e, em) for x, e in kept.items()}
                if ex.slot is not None:
                    ex.slot["Assign"] = rendered
                else:
                    ordered: dict[str, Any] = {}
                    for key, value in st.items():
                        if key in ("Next", "End", "Output", "Retry", "Catch"):
                            ordered.setdefault("Assign", rendered)
                        ordered[key] = value
                    ordered.setdefault("Assign", rendered)
                    st.clear()
                    st.update(ordered)
