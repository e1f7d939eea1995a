"""A parser for the Mermaid subset ``pyflow graph`` writes, to read its output back.

Subset: ``flowchart TD``; ``%%`` comments; node declarations
``id<open>"label"<close>``; edges ``a --> b`` / ``a -.-> b`` with an optional
``|"label"|``; ``subgraph id["title"]`` ... ``end`` (with ``direction TB``);
``classDef``, ``class``, ``style``, ``linkStyle``.  Anything else is an error,
so the test notices when the writer emits something new.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

# opening bracket -> (closing bracket, shape name); longest openings first
SHAPES = [
    ("(((", ")))", "double-circle"), ("((", "))", "circle"), ("([", "])", "stadium"), ("[[", "]]", "subroutine"),
    ("{{", "}}", "hexagon"), ("(", ")", "rounded"), ("[", "]", "rect"), ("{", "}", "diamond"), (">", "]", "flag"),
]
ID = r"[A-Za-z_][A-Za-z0-9_]*"
EDGE_RE = re.compile(rf'^({ID}) (-->|-\.->)(?:\|"([^"|]*)"\|)? ({ID})$')
SUBGRAPH_RE = re.compile(rf'^subgraph ({ID})\["([^"]*)"\]$')
NODE_RE = re.compile(rf'^({ID})([(\[{{>]+)"([^"]*)"([)\]}}]+)$')


@dataclass
class MNode:
    id: str
    shape: str
    label: list[str]
    subgraph: str | None


@dataclass
class MEdge:
    src: str
    dst: str
    dashed: bool
    label: str | None


@dataclass
class Flowchart:
    nodes: dict[str, MNode] = field(default_factory=dict)
    edges: list[MEdge] = field(default_factory=list)
    subgraphs: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # id -> (title, parent)
    class_defs: dict[str, str] = field(default_factory=dict)
    classes: dict[str, str] = field(default_factory=dict)  # node id -> class
    link_styles: dict[int, str] = field(default_factory=dict)


def decode(text: str) -> list[str]:
    return [re.sub(r"#(\d+);", lambda m: chr(int(m.group(1))), part) for part in text.split("<br/>")]


def parse(text: str) -> Flowchart:
    lines = text.splitlines()
    if not lines or lines[0] != "flowchart TD":
        raise ValueError("expected 'flowchart TD' on the first line")
    chart = Flowchart()
    stack: list[str] = []
    for number, raw in enumerate(lines[1:], 2):
        line = raw.strip()
        if not line or line.startswith("%%") or line == "direction TB":
            continue
        if m := SUBGRAPH_RE.match(line):
            if m.group(1) in chart.subgraphs:
                raise ValueError(f"line {number}: subgraph {m.group(1)} declared twice")
            chart.subgraphs[m.group(1)] = (decode(m.group(2))[0], stack[-1] if stack else None)
            stack.append(m.group(1))
        elif line == "end":
            if not stack:
                raise ValueError(f"line {number}: 'end' outside a subgraph")
            stack.pop()
        elif line.startswith("classDef "):
            _, name, props = line.split(" ", 2)
            chart.class_defs[name] = props
        elif line.startswith("class "):
            _, ids, name = line.split(" ")
            if name not in chart.class_defs:
                raise ValueError(f"line {number}: class {name} used before its classDef")
            for node_id in ids.split(","):
                chart.classes[node_id] = name
        elif line.startswith("style "):
            _, target, _props = line.split(" ", 2)
            if target not in chart.subgraphs and target not in chart.nodes:
                raise ValueError(f"line {number}: style for unknown {target}")
        elif line.startswith("linkStyle "):
            _, indexes, props = line.split(" ", 2)
            for i in indexes.split(","):
                chart.link_styles[int(i)] = props
        elif m := EDGE_RE.match(line):
            src, arrow, label, dst = m.groups()
            for end in (src, dst):
                if end not in chart.nodes:
                    raise ValueError(f"line {number}: edge to undeclared node {end}")
            chart.edges.append(MEdge(src, dst, arrow == "-.->", "\n".join(decode(label)) if label is not None else None))
        elif m := NODE_RE.match(line):
            node_id, opening, label, closing = m.groups()
            shape = next((name for o, c, name in SHAPES if o == opening and c == closing), None)
            if shape is None:
                raise ValueError(f"line {number}: unknown shape {opening}...{closing}")
            if node_id in chart.nodes:
                raise ValueError(f"line {number}: node {node_id} declared twice")
            chart.nodes[node_id] = MNode(node_id, shape, decode(label), stack[-1] if stack else None)
        else:
            raise ValueError(f"line {number}: not in the subset: {line!r}")
    if stack:
        raise ValueError(f"unclosed subgraph {stack[-1]}")
    for node_id in chart.classes:
        if node_id not in chart.nodes:
            raise ValueError(f"class for unknown node {node_id}")
    for i in chart.link_styles:
        if not 0 <= i < len(chart.edges):
            raise ValueError(f"linkStyle {i} out of range")
    return chart
