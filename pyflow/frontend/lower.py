"""Lower a ``@workflow`` function body to a control-flow graph of IR operations.

Statements become nodes of a networkx ``DiGraph``; structured control flow
(if/while/for/break/continue/return) becomes edges labelled ``next``, ``T`` or
``F``. Expressions become ``pyflow.ir`` trees. Task calls nested in expressions
are hoisted into their own ``TaskCall`` nodes, in Python's evaluation order.
Anything that cannot keep Python's meaning is reported, and lowering goes on so
that every error in the file is reported at once.

This module holds ``FunctionLowerer``'s state, its graph helpers and its entry
(``lower``); the lowering itself is split by concern into mixins:

- ``statements``: statements and Choice loops;
- ``expressions``: expressions to IR trees;
- ``calls``: task, workflow, activity and builtin calls (``services``: boto3 calls);
- ``structured``: try/except/finally, error routing and Catch edges;
- ``parallel``: nested state machines: ``pf.parallel``, maps;
- ``loops``: ``for`` loops lowered as a Map;
- ``fragments``: ``@fragment`` inlining;

and the analyses that need no lowering: ``subset`` (up-front checks), ``aliasing``
(name and shared-object analyses); ``common`` holds the shared types, ``modules``
the loading of source files.
"""
from __future__ import annotations

from collections.abc import Callable

import networkx as nx
import libcst as cst

from pyflow import ir
from pyflow.diagnostics import Reporter, Span
from pyflow.frontend.aliasing import _assigned_names, shared_item_assignments
from pyflow.frontend.calls import CallLowering
from pyflow.frontend.common import (  # noqa: F401  (re-exported: the frontend's names, as before the split)
    LATER, RESERVED_PREFIX, Frontier, Loop, LoweredFunction, TaskSignature, Unsupported, _LazySpan, annotation_type,
)
from pyflow.frontend.expressions import ExpressionLowering
from pyflow.frontend.fragments import FragmentLowering
from pyflow.frontend.loops import MapLoopLowering
from pyflow.frontend.modules import FunctionInfo, ModuleLoader
from pyflow.frontend.parallel import ParallelLowering
from pyflow.frontend.services import ServiceLowering
from pyflow.frontend.statements import StatementLowering
from pyflow.frontend.structured import StructuredLowering
from pyflow.frontend.subset import check_options


class FunctionLowerer(StatementLowering, ExpressionLowering, CallLowering, FragmentLowering, ParallelLowering,
                      StructuredLowering, ServiceLowering, MapLoopLowering):
    Unsupported = Unsupported

    def __init__(self, fn: FunctionInfo, loader: ModuleLoader, reporter: Reporter,
                 general_loops: frozenset[int] = frozenset()) -> None:
        """``general_loops``: ids of ``for`` statements to lower as Choice loops even where
        a Map would do (a first attempt found their variables read after them)."""
        self.fn = fn
        self.function_bodies: list[cst.BaseSuite] = [fn.node.body] if fn.node is not None else []
        self.mod = fn.module
        self.loader = loader
        self.reporter = reporter
        self.graph = nx.MultiDiGraph()
        self.counter = 0
        self.loops: list[Loop] = []
        self.tasks: dict[str, TaskSignature] = {}
        self.locals: set[str] = set()
        self.params: list[tuple[str, ir.Expr | None]] = []
        self.declared_types: dict[str, str] = {}
        # where some expressions came from, for a backend that rejects one (by value: a
        # substituted copy of the expression finds its span too)
        self.expr_spans: dict[ir.Expr, Callable[[], Span]] = {}
        self.temp_counter = 0
        self.pending: list[ir.Op] = []
        self.in_condition = 0
        self.current_statement: cst.CSTNode | None = None
        self.local_clients: dict[str, str] = {}
        self.services: set[str] = set()
        self.caught: list[str | None] = []
        self.fragment_stack: list[str] = []
        self.fragment_counter = 0
        self.assign_counts = _assigned_names(fn.node.body)
        self.param_names = {p.name.value for p in list(fn.node.params.params) + list(fn.node.params.kwonly_params)}
        self.init_structured()
        self.init_map_loops(general_loops)

    # ------------------------------------------------------------ graph helpers
    def new(self, op: ir.Op) -> int:
        if not op.region:
            op.region = self.current_region()
        if not op.name_prefix:
            op.name_prefix = self.prefix
        node = self.counter
        self.counter += 1
        self.graph.add_node(node, op=op)
        return node

    def connect(self, frontier: Frontier, target: int) -> None:
        for src, label in frontier:
            self.graph.add_edge(src, target, key=label, label=label, assigns=[])

    def emit(self, frontier: Frontier, op: ir.Op) -> Frontier:
        node = self.new(op)
        self.connect(frontier, node)
        return [(node, "next")]

    def span(self, node: cst.CSTNode) -> Span:
        """Where an operation comes from: its statement's position (cheap), which is all
        state names and source maps need. Diagnostics use ``exact_span``."""
        found = self.mod.statement_span(node)
        if found is not None:
            return found
        if self.current_statement is not None:
            found = self.mod.statement_span(self.current_statement)
            if found is not None:
                return found
        return self.mod.span(node)

    def exact_span(self, node: cst.CSTNode) -> Span:
        return self.mod.span(node)

    def source_of(self, node: cst.CSTNode) -> str:
        """The Python text of ``node`` on one line (for Choice labels in pictures)."""
        return " ".join(cst.Module([]).code_for_node(node).split())

    def error(self, code: str, message: str, node: cst.CSTNode | None, help: str = "") -> None:
        self.reporter.error(code, message, self.exact_span(node) if node is not None else None, help)

    # ------------------------------------------------------------ entry
    def lower(self) -> LoweredFunction:
        """The function's graph. A ``for`` loop lowered to a Map whose variables turn out
        to be read after it (``pyflow.frontend.loops``, condition 6) is lowered again,
        with the whole function, as the general loop; errors end the attempts."""
        mark = len(self.reporter.items)
        lowerer = self
        while True:
            lowered = lowerer._lower_once()
            general = lowerer.unsound_map_loops(lowered.graph)
            if not general or any(d.severity == "error" for d in self.reporter.items[mark:]):
                return lowered
            del self.reporter.items[mark:]
            lowerer = FunctionLowerer(self.fn, self.loader, self.reporter, lowerer.map_loop_excluded | general)

    def _lower_once(self) -> LoweredFunction:
        node = self.fn.node
        self._collect_locals(node.body)
        self.shared_items = shared_item_assignments(node.body)
        entry = self.new(ir.Entry(span=self.span(node)))
        frontier: Frontier = [(entry, "next")]
        if node.asynchronous is not None:
            self.error("PF100", "a workflow cannot be `async def`", node.asynchronous,
                       help="write `def`; called natively an async workflow would return a coroutine, not its result")
        check_options(self.fn, self.reporter)
        params = node.params
        if isinstance(params.star_arg, cst.Param) or params.star_kwarg is not None or params.posonly_params:
            self.error("PF108", "a workflow's parameters must be plain named parameters", params,
                       help="remove *args/**kwargs/positional-only markers; each parameter is an input field")
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                self.locals.add(star.name.value)  # already reported (PF108): no follow-on PF103
        for p in list(params.posonly_params) + list(params.params) + list(params.kwonly_params):
            name = p.name.value
            default = None
            if p.default is not None:
                try:
                    default = self.expr(p.default)
                except Unsupported:
                    default = ir.Const(None)
                if self.pending:
                    self.error("PF106", "a task call in a parameter default is evaluated once, when the module loads",
                               p.default, help="give the parameter a literal default and call the task in the body")
                    self.pending.clear()
            self.params.append((name, default))
            self.declared_types[name] = annotation_type(p.annotation)
            self.locals.add(name)
            value = ir.Input(name, default, p.default is None)
            frontier = self.emit(frontier, ir.Assign(name, value, span=self.span(node)))  # the def's line: cheap
        frontier = self.block(self._body(node.body), frontier)
        if frontier:
            ret = self.new(ir.Return(ir.Const(None), span=self.span(node)))
            self.connect(frontier, ret)
        self.attach_catches()
        return LoweredFunction(self.graph, entry, self.params, self.tasks, self.declared_types,
                               services=set(self.services), expr_spans=self.expr_spans)

    @staticmethod
    def _body(body: cst.BaseSuite) -> list[cst.BaseStatement]:
        if isinstance(body, cst.IndentedBlock):
            return list(body.body)
        assert isinstance(body, cst.SimpleStatementSuite)
        return [cst.SimpleStatementLine(body=body.body)]

    def _collect_locals(self, body: cst.BaseSuite) -> None:
        self.locals.update(self.assign_counts)

    def _collect_locals_slow(self, body: cst.BaseSuite) -> None:
        fn = self

        class Collector(cst.CSTVisitor):
            def visit_Name(self, node: cst.Name) -> None:  # noqa: N802
                pass

            def visit_AssignTarget(self, node: cst.AssignTarget) -> None:  # noqa: N802
                fn._target_names(node.target)

            def visit_AnnAssign(self, node: cst.AnnAssign) -> None:  # noqa: N802
                fn._target_names(node.target)

            def visit_AugAssign(self, node: cst.AugAssign) -> None:  # noqa: N802
                fn._target_names(node.target)

            def visit_For(self, node: cst.For) -> None:  # noqa: N802
                fn._target_names(node.target)

            def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:  # noqa: N802
                return False

            def visit_Lambda(self, node: cst.Lambda) -> bool:  # noqa: N802
                return False

        body.visit(Collector())

    def _target_names(self, target: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            self.locals.add(target.value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for el in target.elements:
                self._target_names(el.value)
