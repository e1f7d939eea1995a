"""``pyflow graph``: pictures of state machines (Mermaid, Graphviz dot, SVG, PNG).

    from pyflow.graph import build_graph, to_mermaid, to_dot, render
    graph = build_graph(compiled.definition, compiled.source_map, visited=execution.states)
    png = render(to_dot(graph), "png")
"""
from __future__ import annotations

from typing import Any

from pyflow.graph.dot import to_dot
from pyflow.graph.mermaid import to_mermaid
from pyflow.graph.model import Cluster, Edge, Graph, Node, build_graph, rule_text
from pyflow.graph.render import GraphvizMissing, RenderError, render

__all__ = [
    "Cluster", "Edge", "Graph", "GraphvizMissing", "Node", "RenderError", "build_graph", "draw", "render",
    "rule_text", "to_dot", "to_mermaid",
]
FORMATS = ("mermaid", "dot", "svg", "png")


def draw(definition: Any, fmt: str = "mermaid", source_map: Any = None, visited: Any = None,
         title: str = "", status: str | None = None) -> bytes:
    """The picture of ``definition`` in ``fmt`` (one of ``FORMATS``), as bytes."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    graph = build_graph(definition, source_map, visited, title=title, status=status)
    if fmt == "mermaid":
        return to_mermaid(graph).encode("utf-8")
    text = to_dot(graph)
    if fmt == "dot":
        return text.encode("utf-8")
    return render(text, fmt)
