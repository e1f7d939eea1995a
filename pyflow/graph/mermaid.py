"""A :class:`~pyflow.graph.model.Graph` as a Mermaid ``flowchart``.

The subset written (and read back by the tests): ``flowchart TD``; node
declarations ``id<open>"label"<close>`` with one shape per state type; edges
``a --> b``, ``a -.-> b`` (Catch), with ``|"label"|``; ``subgraph id["title"]`` /
``end``; ``classDef``/``class``; ``style`` for clusters; ``linkStyle`` for the
edges a run took.  Label text is escaped with Mermaid's ``#NN;`` codes and
line breaks are ``<br/>``.
"""
from __future__ import annotations

from pyflow.graph import style
from pyflow.graph.model import Cluster, Graph, Node

# node type -> (opening, closing) bracket
SHAPES: dict[str, tuple[str, str]] = {
    "Task": ("(", ")"),  # rounded rectangle
    "Pass": ("[", "]"),  # rectangle
    "Wait": ("{{", "}}"),  # hexagon
    "Choice": ("{", "}"),  # diamond
    "Parallel": ("[[", "]]"),  # subroutine
    "Map": ("[[", "]]"),
    "Succeed": ("([", "])"),  # stadium
    "Fail": (">", "]"),  # flag
    "Start": ("((", "))"),  # circle
    "End": ("(((", ")))"),  # double circle
    "Join": ("((", "))"),
}
DEFAULT_SHAPE = ("[", "]")
_ESCAPES = {"#": "#35;", '"': "#34;", "<": "#60;", ">": "#62;", "|": "#124;", "&": "#38;"}


def escape(text: str) -> str:
    return "".join(_ESCAPES.get(ch, ch) for ch in text)


def label_text(lines: list[str]) -> str:
    return "<br/>".join(escape(line) for line in lines) or " "


def to_mermaid(graph: Graph) -> str:
    out = ["flowchart TD"]
    if graph.title:
        out.append(f"    %% {' '.join(graph.title.split())}")
    children, members = graph.nesting()

    def emit(cluster: str | None, depth: int) -> None:
        pad = "    " * depth
        for node in members.get(cluster, []):
            opening, closing = SHAPES.get(node.type, DEFAULT_SHAPE)
            out.append(f'{pad}{node.id}{opening}"{label_text(node.label)}"{closing}')
        for sub in children.get(cluster, []):
            out.append(f'{pad}subgraph {sub.id}["{escape(sub.label) or " "}"]')
            out.append(f"{pad}    direction TB")
            emit(sub.id, depth + 1)
            out.append(f"{pad}end")

    emit(None, 1)
    visited: list[str] = []
    catches: list[str] = []
    for i, edge in enumerate(graph.edges):
        arrow = "-.->" if edge.dashed else "-->"
        label = f'|"{label_text(edge.label.splitlines())}"|' if edge.label else ""
        out.append(f"    {edge.src} {arrow}{label} {edge.dst}")
        (visited if edge.visited else catches if edge.dashed else []).append(str(i))
    used = {(n.type, n.visited) for n in graph.nodes}
    for node_type in (*style.ORDER, *sorted({t for t, _ in used} - set(style.ORDER))):
        for seen in (False, True):
            if (node_type, seen) not in used:
                continue
            fill, stroke = style.colours(node_type)
            text = style.MARKER_TEXT if node_type in ("Start", "End") else style.TEXT
            if seen:
                stroke, width = style.VISITED, "3px"
            else:
                width = "1.5px"
            out.append(f"    classDef {_class(node_type, seen)} fill:{fill},stroke:{stroke},"
                       f"stroke-width:{width},color:{text}")
            ids = [n.id for n in graph.nodes if n.type == node_type and n.visited == seen]
            out.append(f"    class {','.join(ids)} {_class(node_type, seen)}")
    for c in graph.clusters:
        fill, stroke = style.CLUSTER.get(c.kind, ("#ffffff", "#adb5bd"))
        dash = ",stroke-dasharray:4 3" if c.kind in ("Branch", "Items") else ""
        out.append(f"    style {c.id} fill:{fill},stroke:{stroke}{dash}")
    if catches:
        out.append(f"    linkStyle {','.join(catches)} stroke:{style.CATCH}")
    if visited:
        out.append(f"    linkStyle {','.join(visited)} stroke:{style.VISITED},stroke-width:3px")
    return "\n".join(out) + "\n"


def _class(node_type: str, visited: bool) -> str:
    return "st_" + node_type.lower() + ("_visited" if visited else "")
