"""What every part of the frontend shares: the ``Frontier`` of a lowering step, the
``Unsupported`` signal, the records ``FunctionLowerer`` builds (``TaskSignature``,
``Loop``, ``LoweredFunction``), diagnostic codes and names used throughout, and the
type names read from annotations. Imports no other frontend module but ``modules``.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import libcst as cst
import networkx as nx

from pyflow import ir
from pyflow.diagnostics import Span
from pyflow.frontend.modules import SourceModule

Frontier = list[tuple[int, str]]


RESERVED_PREFIX = "pf_"


LATER = "PF110"


class Unsupported(Exception):
    """Raised inside expression lowering after a diagnostic was reported."""


@dataclass
class TaskSignature:
    name: str  # substitution name
    function: str
    params: list[tuple[str, bool]]  # (name, has default)
    module: SourceModule
    node: cst.FunctionDef | None
    options: dict[str, Any]
    returns: str  # a type name for inference
    kind: str = "lambda"  # lambda / workflow / activity
    keyword_only: frozenset[str] = frozenset()  # parameters after a bare `*`: never bound by position


@dataclass
class Loop:
    head: int
    breaks: Frontier = field(default_factory=list)
    finally_depth: int = 0  # the try/finally blocks open around the loop: `break` runs the others


@dataclass
class LoweredFunction:
    graph: nx.MultiDiGraph
    entry: int
    params: list[tuple[str, ir.Expr | None]]
    tasks: dict[str, TaskSignature]
    var_types: dict[str, str]
    source_map: dict[str, dict[str, Any]] = field(default_factory=dict)  # filled by the backend
    services: set[str] = field(default_factory=set)  # names of the boto3 service calls' TaskCalls
    expr_spans: dict[ir.Expr, Callable[[], Span]] = field(default_factory=dict)  # see FunctionLowerer.expr_spans


ANNOTATION_TYPES = {
    "str": "str", "int": "int", "float": "float", "bool": "bool", "dict": "dict", "list": "list",
    "None": "none", "Dict": "dict", "List": "list", "tuple": "list", "Tuple": "list",
}


def annotation_type(node: cst.Annotation | None) -> str:
    if node is None:
        return "any"
    ann = node.annotation
    if isinstance(ann, cst.Subscript):
        ann = ann.value
    if isinstance(ann, cst.Attribute):
        ann = ann.attr
    if isinstance(ann, cst.Name):
        return ANNOTATION_TYPES.get(ann.value, "any")
    return "any"


class _LazySpan:
    """A span computed only if a diagnostic is actually reported."""

    def __init__(self, module: SourceModule, node: cst.CSTNode) -> None:
        self.module, self.node = module, node

    def get(self) -> Span:
        return self.module.span(self.node)
