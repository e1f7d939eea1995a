"""An ASL definition read into a drawing: nodes, edges and clusters.

The model knows nothing about Mermaid or Graphviz; ``mermaid.py`` and
``dot.py`` only print it.  Everything is built in one deterministic walk (states
in breadth-first order from ``StartAt``, then any unreachable ones in definition
order), so the same definition always gives the same picture, byte for byte.

Shape of the drawing, like the Step Functions console:

- a ``Start`` marker pointing at ``StartAt`` and an ``End`` marker that every
  state ending the execution (``End: true``, ``Succeed``, ``Fail``) points to;
- one node per state, labelled with its name, its type and its source line
  (``L42``) when a source map is given;
- a Parallel or Map state is a cluster holding the state's own node (the fork),
  one sub-cluster per branch (or one for the Map's item processor) and a small
  join node; the state's ``Next`` and ``Catch`` edges leave from the join;
- Choice edges carry the rule as Python source (from the source map) or the
  rule's ASL text, ``Default`` edges say ``else``, Catch edges are dashed and
  carry the error names.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

STATE_TYPES = ("Task", "Pass", "Wait", "Choice", "Parallel", "Map", "Succeed", "Fail")
MAX_CATCH_NAMES = 3


@dataclass
class Node:
    id: str
    type: str  # a state type, or "Start", "End", "Join"
    label: list[str]  # lines
    state: str | None = None  # the ASL state name (the Parallel/Map state for a Join)
    line: int | None = None
    cluster: str | None = None
    visited: bool = False


@dataclass
class Edge:
    src: str
    dst: str
    kind: str  # next, choice, default, catch, start, end, fork, join
    label: str = ""
    src_state: str | None = None
    dst_state: str | None = None
    visited: bool = False

    @property
    def dashed(self) -> bool:
        return self.kind == "catch"


@dataclass
class Cluster:
    id: str
    label: str
    kind: str  # Parallel, Map (the state's box), Branch, Items (inside it)
    parent: str | None = None
    state: str | None = None


@dataclass
class Graph:
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    clusters: list[Cluster] = field(default_factory=list)
    query_language: str = "JSONPath"
    title: str = ""

    def node(self, node_id: str) -> Node:
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise KeyError(node_id)

    def nesting(self) -> tuple[dict[str | None, list[Cluster]], dict[str | None, list[Node]]]:
        """(sub-clusters by parent cluster, nodes by cluster); ``None`` is the top level."""
        children: dict[str | None, list[Cluster]] = {}
        for c in self.clusters:
            children.setdefault(c.parent, []).append(c)
        members: dict[str | None, list[Node]] = {}
        for n in self.nodes:
            members.setdefault(n.cluster, []).append(n)
        return children, members

    @property
    def state_nodes(self) -> list[Node]:
        return [n for n in self.nodes if n.type in STATE_TYPES]


class _Ids:
    """Readable, unique, Mermaid- and Graphviz-safe identifiers."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def get(self, base: str) -> str:
        base = re.sub(r"[^A-Za-z0-9_]", "_", base)
        candidate, n = base, 2
        while candidate in self.used:
            candidate, n = f"{base}_{n}", n + 1
        self.used.add(candidate)
        return candidate


def load(source: Any) -> dict[str, Any]:
    """A definition from a dict or JSON text."""
    if isinstance(source, (str, bytes)):
        source = json.loads(source)
    if not isinstance(source, dict) or not isinstance(source.get("States"), dict):
        raise ValueError("not a state machine definition: no \"States\" object")
    return source


def build_graph(
    definition: Any,
    source_map: Mapping[str, Mapping[str, Any]] | None = None,
    visited: Sequence[str] | None = None,
    title: str = "",
    status: str | None = None,
) -> Graph:
    """Read ``definition`` (ASL, JSONata or JSONPath) into a :class:`Graph`.

    ``source_map``: state name -> ``{"line", "kind", "conditions"}`` as the
    compiler gives it.  ``visited``: the state names a run entered, in order;
    those states and the edges the run took are marked ``visited``;
    ``status`` (the run's) decides whether the End marker was reached.
    """
    definition = load(definition)
    builder = _Builder(source_map or {}, definition.get("QueryLanguage", "JSONPath"))
    graph = builder.graph
    graph.title = title
    graph.query_language = builder.top_language
    start = builder.marker("pf_start", "Start")
    end = builder.marker("pf_end", "End")
    first = builder.scope(definition, None, end.id, top=True, language=builder.top_language)
    if first is not None:
        graph.edges.insert(0, Edge(start.id, first, "start", dst_state=definition.get("StartAt")))
    # keep the End marker last so both renderers draw it at the bottom
    graph.nodes.remove(end)
    graph.nodes.append(end)
    if visited is not None:
        _overlay(graph, builder, list(visited), status)
    return graph


class _Builder:
    def __init__(self, source_map: Mapping[str, Mapping[str, Any]], language: str) -> None:
        self.graph = Graph()
        self.ids = _Ids()
        self.source_map = source_map
        self.top_language = language if language in ("JSONata", "JSONPath") else "JSONPath"
        self.state_ids: dict[str, str] = {}  # state name -> node id (first wins)
        self.exit_ids: dict[str, str] = {}  # state name -> node id edges leave from
        self.scope_of: dict[str, int] = {}  # state name -> scope number
        self.types: dict[str, str] = {}
        self.scopes = 0

    def marker(self, base: str, kind: str, cluster: str | None = None) -> Node:
        node = Node(self.ids.get(base), kind, [kind], cluster=cluster)
        self.graph.nodes.append(node)
        return node

    def edge(self, src: str, dst: str, kind: str, label: str = "", src_state: str | None = None,
             dst_state: str | None = None) -> None:
        self.graph.edges.append(Edge(src, dst, kind, label, src_state, dst_state))

    def scope(self, machine: Mapping[str, Any], cluster: str | None, exit_id: str | None, *, top: bool,
              language: str) -> str | None:
        """Draw one state machine (top level, a branch, a Map's processor); return its first node id."""
        states = machine.get("States")
        if not isinstance(states, dict) or not states:
            return None
        language = machine.get("QueryLanguage", language)
        self.scopes += 1
        scope_no = self.scopes
        order = _order(states, machine.get("StartAt"))
        for name in order:
            self.scope_of.setdefault(name, scope_no)
            self.add_state(name, states[name], cluster, language)
        for name in order:
            self.add_transitions(name, states[name], exit_id, top, language)
        start = machine.get("StartAt")
        return self.state_ids.get(start) if isinstance(start, str) else None

    def add_state(self, name: str, state: Mapping[str, Any], cluster: str | None, language: str) -> None:
        stype = str(state.get("Type", "?"))
        self.types[name] = stype
        info = self.source_map.get(name) or {}
        line = info.get("line") if isinstance(info.get("line"), int) and info.get("line") > 0 else None
        caption = _caption(stype, state)
        if line is not None:
            caption += f" · L{line}"
        if state.get("Retry"):
            caption += " · retry"
        if stype in ("Parallel", "Map"):
            box = Cluster(self.ids.get("c_" + name), "", stype, cluster, name)
            self.graph.clusters.append(box)
            node = Node(self.ids.get("s_" + name), stype, [name, caption], name, line, box.id)
            self.graph.nodes.append(node)
            join = Node(self.ids.get("s_" + name + "__join"), "Join", [""], name, None, box.id)
            self.state_ids.setdefault(name, node.id)
            self.exit_ids.setdefault(name, join.id)
            if stype == "Parallel":
                branches = state.get("Branches") if isinstance(state.get("Branches"), list) else []
                for i, branch in enumerate(branches, 1):
                    inner = Cluster(self.ids.get(f"c_{name}__branch{i}"), f"Branch {i}", "Branch", box.id, name)
                    self.graph.clusters.append(inner)
                    first = self.scope(branch, inner.id, join.id, top=False, language=language)
                    if first is not None:
                        self.edge(node.id, first, "fork", src_state=name, dst_state=branch.get("StartAt"))
            else:
                body = state.get("ItemProcessor") or state.get("Iterator") or {}
                inner = Cluster(self.ids.get(f"c_{name}__items"), _map_caption(state), "Items", box.id, name)
                self.graph.clusters.append(inner)
                first = self.scope(body, inner.id, join.id, top=False, language=language)
                if first is not None:
                    self.edge(node.id, first, "fork", src_state=name, dst_state=body.get("StartAt"))
            self.graph.nodes.append(join)
            return
        node = Node(self.ids.get("s_" + name), stype, [name, caption], name, line, cluster)
        self.graph.nodes.append(node)
        self.state_ids.setdefault(name, node.id)
        self.exit_ids.setdefault(name, node.id)

    def add_transitions(self, name: str, state: Mapping[str, Any], exit_id: str | None, top: bool,
                        language: str) -> None:
        stype = self.types[name]
        src = self.exit_ids[name]
        language = state.get("QueryLanguage", language)

        def to(target: Any, kind: str, label: str = "") -> None:
            if isinstance(target, str) and target in self.state_ids:
                self.edge(src, self.state_ids[target], kind, label, name, target)

        if stype == "Choice":
            conditions = list((self.source_map.get(name) or {}).get("conditions") or [])
            for i, rule in enumerate(state.get("Choices") or []):
                if not isinstance(rule, dict):
                    continue
                python = conditions[i] if i < len(conditions) else None
                text = python if isinstance(python, str) and python.strip() else rule_text(rule)
                to(rule.get("Next"), "choice", _one_line(text))
            if "Default" in state:
                to(state["Default"], "default", "else")
        elif isinstance(state.get("Next"), str):
            to(state["Next"], "next")
        for catcher in state.get("Catch") or []:
            if isinstance(catcher, dict):
                to(catcher.get("Next"), "catch", catch_label(catcher.get("ErrorEquals") or []))
        ends = state.get("End") is True or stype == "Succeed" or (stype == "Fail" and top)
        if ends and exit_id is not None:
            self.edge(src, exit_id, "end" if top else "join", src_state=name)


def _order(states: Mapping[str, Any], start: Any) -> list[str]:
    """Breadth-first from StartAt (successors in rule order), then the unreachable ones."""
    seen: list[str] = []
    queue = [start] if isinstance(start, str) and start in states else []
    marked = set(queue)
    while queue:
        name = queue.pop(0)
        seen.append(name)
        for nxt in _successors(states[name]):
            if nxt in states and nxt not in marked:
                marked.add(nxt)
                queue.append(nxt)
    seen.extend(n for n in states if n not in marked)
    return seen


def _successors(state: Any) -> list[str]:
    if not isinstance(state, dict):
        return []
    out = [r.get("Next") for r in state.get("Choices") or [] if isinstance(r, dict)]
    out += [state.get("Next"), state.get("Default")]
    out += [c.get("Next") for c in state.get("Catch") or [] if isinstance(c, dict)]
    return [n for n in out if isinstance(n, str)]


def _caption(stype: str, state: Mapping[str, Any]) -> str:
    if stype == "Task":
        resource = state.get("Resource")
        if isinstance(resource, str) and resource.startswith("arn:aws:states:::"):
            return "Task · " + resource[len("arn:aws:states:::"):]
        if isinstance(resource, str) and ":activity:" in resource:
            return "Task · activity"
    if stype == "Wait" and isinstance(state.get("Seconds"), int):
        return f"Wait · {state['Seconds']}s"
    return stype


def _map_caption(state: Mapping[str, Any]) -> str:
    text = "for each item"
    limit = state.get("MaxConcurrency")
    if isinstance(limit, int) and limit > 0:
        text += f" · max concurrency {limit}"
    return text


def _one_line(text: str) -> str:
    return " ".join(text.split())


def catch_label(errors: Iterable[Any]) -> str:
    """The errors a Catch handles, one a line; past ``MAX_CATCH_NAMES``, how many more."""
    names = [str(e) for e in errors]
    if len(names) > MAX_CATCH_NAMES:
        return "\n".join(names[:MAX_CATCH_NAMES]) + f"\n+{len(names) - MAX_CATCH_NAMES} more"
    return "\n".join(names)


_OPS = {
    "Equals": "==", "LessThan": "<", "GreaterThan": ">", "LessThanEquals": "<=", "GreaterThanEquals": ">=",
}
_TESTS = {"IsNull": "null", "IsPresent": "present", "IsNumeric": "numeric", "IsString": "a string",
          "IsBoolean": "a boolean", "IsTimestamp": "a timestamp"}


def rule_text(rule: Mapping[str, Any]) -> str:
    """A Choice rule as short text: the JSONata condition, or the JSONPath comparison."""
    cond = rule.get("Condition")
    if isinstance(cond, str):
        m = re.fullmatch(r"\s*\{%(.*)%\}\s*", cond, re.S)
        return _one_line(m.group(1) if m else cond)
    if isinstance(cond, bool):
        return "true" if cond else "false"
    if isinstance(rule.get("And"), list):
        return " and ".join(_wrap(rule_text(r)) for r in rule["And"])
    if isinstance(rule.get("Or"), list):
        return " or ".join(_wrap(rule_text(r)) for r in rule["Or"])
    if isinstance(rule.get("Not"), dict):
        return "not " + _wrap(rule_text(rule["Not"]))
    var = str(rule.get("Variable", "$"))
    for key, value in rule.items():
        if key in ("Variable", "Next", "Comment", "Assign", "Output"):
            continue
        if key in _TESTS:
            return f"{var} is {'' if value else 'not '}{_TESTS[key]}"
        path = key.endswith("Path")
        base = key[:-4] if path else key
        shown = str(value) if path else json.dumps(value, ensure_ascii=False)
        if base.endswith("Matches"):
            return f"{var} matches {shown}"
        for suffix, sym in _OPS.items():
            if base.endswith(suffix) and base[: -len(suffix)] in ("String", "Numeric", "Boolean", "Timestamp"):
                return f"{var} {sym} {shown}"
    return var


def _wrap(text: str) -> str:
    return f"({text})" if " " in text else text


def _overlay(graph: Graph, builder: _Builder, visited: list[str], status: str | None) -> None:
    """Mark the states a run entered and the edges it took.

    Runs interleave Parallel branches and Map iterations, so an edge counts as
    taken when its two states follow each other among the entered states *of
    the same scope* (the top level, one branch, one item processor).
    """
    entered = set(visited)
    pairs: set[tuple[str, str]] = set()
    last_in_scope: dict[int, str] = {}
    for name in visited:
        scope = builder.scope_of.get(name)
        if scope is None:
            continue
        prev = last_in_scope.get(scope)
        if prev is not None:
            pairs.add((prev, name))
        last_in_scope[scope] = name
    top = [n for n in visited if builder.scope_of.get(n) == 1]
    last = top[-1] if top else None
    ended = status in (None, "SUCCEEDED") or builder.types.get(last or "") == "Fail"
    for edge in graph.edges:
        if edge.kind in ("next", "choice", "default", "catch"):
            edge.visited = (edge.src_state, edge.dst_state) in pairs
        elif edge.kind == "start":
            edge.visited = edge.dst_state in entered
        elif edge.kind == "fork":
            edge.visited = edge.src_state in entered and edge.dst_state in entered
        elif edge.kind == "join":
            edge.visited = edge.src_state in entered and builder.types.get(edge.src_state or "") != "Fail"
        elif edge.kind == "end":
            edge.visited = ended and edge.src_state is not None and edge.src_state == last
    for node in graph.nodes:
        if node.type in STATE_TYPES:
            node.visited = node.state in entered
        elif node.type == "Start":
            node.visited = bool(visited)
        else:  # Join, End: reached when an edge into them was taken
            node.visited = any(e.visited for e in graph.edges if e.dst == node.id)
