"""A :class:`~pyflow.graph.model.Graph` as Graphviz ``dot`` source."""
from __future__ import annotations

from pyflow.graph import style
from pyflow.graph.model import Cluster, Graph, Node

# node type -> node attributes (besides colours and label)
SHAPES: dict[str, str] = {
    "Task": 'shape=box, style="rounded,filled"',
    "Pass": 'shape=box, style="filled"',
    "Wait": 'shape=hexagon, style="filled"',
    "Choice": 'shape=diamond, style="filled"',
    "Parallel": 'shape=box, style="filled", peripheries=2',
    "Map": 'shape=box3d, style="filled"',
    "Succeed": 'shape=box, style="rounded,filled,bold"',
    "Fail": 'shape=octagon, style="filled"',
    "Start": 'shape=ellipse, style="filled", fontsize=10, height=0.3',
    "End": 'shape=ellipse, style="filled", fontsize=10, height=0.3',
    "Join": 'shape=point, style="filled", width=0.09, height=0.09',
}
DEFAULT_SHAPE = 'shape=box, style="filled"'


def quote(text: str) -> str:
    """A dot double-quoted string; lines joined with ``\\n`` (centred)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(graph: Graph) -> str:
    out = [f"digraph {quote(graph.title or 'state_machine')} {{"]
    out.append('    graph [rankdir=TB, fontname="Helvetica", fontsize=11, nodesep=0.35, ranksep=0.4, '
               'pad=0.25, bgcolor="white", labeljust=l];')
    out.append('    node [fontname="Helvetica", fontsize=11, margin="0.18,0.06", penwidth=1.3];')
    out.append(f'    edge [fontname="Helvetica", fontsize=10, color="{style.EDGE}", fontcolor="#343a40", '
               'arrowsize=0.7, penwidth=1.1];')
    children, members = graph.nesting()

    def emit(cluster: str | None, depth: int) -> None:
        pad = "    " * depth
        for node in members.get(cluster, []):
            out.append(f"{pad}{node.id} [{_node_attrs(node)}];")
        for sub in children.get(cluster, []):
            fill, stroke = style.CLUSTER.get(sub.kind, ("#ffffff", "#adb5bd"))
            dashed = sub.kind in ("Branch", "Items")
            out.append(f"{pad}subgraph cluster_{sub.id} {{")
            out.append(f'{pad}    label={quote(sub.label)}; style="{"dashed,rounded" if dashed else "rounded,filled"}"; '
                       f'color="{stroke}"; fillcolor="{fill}"; fontcolor="{stroke}"; fontsize=10;')
            emit(sub.id, depth + 1)
            out.append(f"{pad}}}")

    emit(None, 1)
    for edge in graph.edges:
        attrs = []
        if edge.label:
            attrs.append(f"label={quote(edge.label if chr(10) in edge.label else ' ' + edge.label + ' ')}")
        if edge.dashed:
            attrs.append(f'style=dashed, color="{style.CATCH}", fontcolor="{style.CATCH}"')
        if edge.kind in ("fork", "join"):
            attrs.append("arrowsize=0.5")
        if edge.visited:
            attrs.append(f'color="{style.VISITED}", penwidth=2.8')
        out.append(f"    {edge.src} -> {edge.dst}" + (f" [{', '.join(attrs)}]" if attrs else "") + ";")
    out.append("}")
    return "\n".join(out) + "\n"


def _node_attrs(node: Node) -> str:
    fill, stroke = style.colours(node.type)
    text = style.MARKER_TEXT if node.type in ("Start", "End") else style.TEXT
    attrs = [SHAPES.get(node.type, DEFAULT_SHAPE)]
    if node.type != "Join":
        attrs.append(f"label={quote(chr(10).join(node.label))}")
    else:
        attrs.append('label=""')
    if node.visited:
        attrs.append(f'fillcolor="{fill}", color="{style.VISITED}", penwidth=3, fontcolor="{text}"')
    else:
        attrs.append(f'fillcolor="{fill}", color="{stroke}", fontcolor="{text}"')
    return ", ".join(attrs)
