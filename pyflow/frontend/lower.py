"""Lower a ``@workflow`` function body to a control-flow graph of IR operations.

Statements become nodes of a networkx ``DiGraph``; structured control flow
(if/while/for/break/continue/return) becomes edges labelled ``next``, ``T`` or
``F``. Expressions become ``pyflow.ir`` trees. Task calls nested in expressions
are hoisted into their own ``TaskCall`` nodes, in Python's evaluation order.
Anything that cannot keep Python's meaning is reported, and lowering goes on so
that every error in the file is reported at once.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from collections.abc import Callable, Iterator
from typing import Any

import libcst as cst
import networkx as nx

from pyflow import ir
from pyflow.diagnostics import Reporter, Span
from pyflow.frontend.loops import MapLoopLowering
from pyflow.frontend.modules import (
    BUILTIN_EXCEPTIONS,
    MAX_SECONDS,
    FunctionInfo,
    ModuleLoader,
    SourceModule,
    error_ref,
    literal,
    retry_problems,
)
from pyflow.frontend.services import ServiceLowering
from pyflow.frontend.structured import StructuredLowering, _assigned_names

Frontier = list[tuple[int, str]]

RESERVED_PREFIX = "pf_"
STRING_METHODS = {
    "split": (0, 1), "upper": (0, 0), "lower": (0, 0), "strip": (0, 0), "lstrip": (0, 0), "rstrip": (0, 0),
    "startswith": (1, 1), "endswith": (1, 1), "replace": (2, 2), "join": (1, 1), "get": (1, 2),
    "keys": (0, 0), "values": (0, 0), "items": (0, 0),
}
PY_BUILTINS = {"len", "str", "int", "float", "bool", "isinstance", "abs", "min", "max", "list", "sorted", "sum", "round"}
# modules whose attributes are never tasks: not looked for among the workflow's source files
NOT_TASK_MODULES = frozenset({"pyflow", "json", "time", "base64", "random", "math", "fnmatch", "boto3", "typing",
                              "datetime", "os", "sys", "re", "collections", "dataclasses"})
QUALIFIED_BUILTINS = {
    "json.dumps": "json_dumps", "json.loads": "json_loads", "fnmatch.fnmatch": "fnmatch",
    "fnmatch.fnmatchcase": "fnmatch", "random.randint": "randint", "math.floor": "floor", "math.ceil": "ceil",
    "base64.b64encode": "b64encode", "base64.b64decode": "b64decode",
}
LATER = "PF110"
MAX_EXPR_DEPTH = 100


_NOT_EXPRESSION_HOLDERS = (cst.BaseParenthesizableWhitespace, cst.LeftParen, cst.RightParen, cst.Comma,
                           cst.BaseBinaryOp, cst.BaseBooleanOp, cst.BaseCompOp, cst.BaseUnaryOp, cst.Dot)
_FIELDS: dict[type, tuple[str, ...]] = {}
_KINDS: dict[type, int] = {}  # 0: not walked, 1: a node, 2: an expression (one level deeper)


def _node_fields(kind: type) -> tuple[str, ...]:
    names = _FIELDS.get(kind)
    if names is None:
        names = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(kind) if not f.name.startswith("whitespace"))
    return names


def _walk_kind(kind: type) -> int:
    """How the depth walk treats values of type ``kind``, decided once per type:
    libcst's node classes are ABCs, and ``isinstance`` against them per node was
    most of the walk's time."""
    found = _KINDS.get(kind)
    if found is None:
        if not issubclass(kind, cst.CSTNode) or issubclass(kind, _NOT_EXPRESSION_HOLDERS):
            found = 0
        else:
            found = 2 if issubclass(kind, cst.BaseExpression) else 1
        _KINDS[kind] = found
    return found


def _children(n: cst.CSTNode) -> Iterator[tuple[cst.CSTNode, int]]:
    """``n``'s child nodes that can hold expressions or names, each with its walk kind
    (2 for an expression). It reads the nodes' fields directly: libcst's ``children``
    runs a visitor per node, which made these walks a tenth of a large workflow's compile."""
    for name in _node_fields(type(n)):
        value = getattr(n, name)
        for child in (value if type(value) in (tuple, list) else (value,)):
            kind = _walk_kind(type(child))
            if kind:
                yield child, kind


def _nested_deeper_than(node: cst.CSTNode, limit: int) -> bool:
    """Whether ``node``'s tree is more than ``limit`` expressions deep (iteratively: no
    recursion)."""
    stack = [(node, 1)]
    while stack:
        n, depth = stack.pop()
        if depth > limit:
            return True
        stack.extend((child, depth + kind - 1) for child, kind in _children(n))
    return False


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


def _unpacked(value: ir.Expr, n: int) -> ir.Expr:
    """``a, b = value`` (or ``for a, b in ...``): Python unpacks any iterable, a str's
    characters and a dict's keys too (``list()``), and raises ValueError unless it has
    exactly ``n`` items (``check_unpack``)."""
    return ir.Builtin("check_unpack", (ir.Builtin("list", (value,)), ir.Const(n)))


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


CONSTANT_NAMES = frozenset({"True", "False", "None"})


def _links(node: cst.BaseExpression | None, kind: str = "same") -> list[tuple[str, str]]:
    """How the value of ``node`` relates to variables, as Python shares objects:
    ("same", d) it may be ``d``'s object; ("holds", d) it holds ``d``'s object (``[d]``);
    ("inside", d) it is inside ``d`` (``d["k"]``, ``d.get(k)``); ("copy", d) a new object
    with ``d``'s items (``{**d}``, ``list(d)``, ``d + e``). Other calls make new values.
    Iterative: expressions may be nested thousands deep."""
    out: list[tuple[str, str]] = []
    stack: list[tuple[cst.BaseExpression | None, str]] = [(node, kind)]
    while stack:
        node, kind = stack.pop()
        if node is None:
            continue
        if isinstance(node, cst.Name):
            if node.value not in CONSTANT_NAMES:
                out.append((kind, node.value))
        elif isinstance(node, cst.Subscript):
            stack.append((node.value, "inside" if kind == "same" else kind))
        elif isinstance(node, (cst.List, cst.Tuple, cst.Set, cst.Dict)):
            for e in node.elements:
                spread = isinstance(e, (cst.StarredDictElement, cst.StarredElement))
                stack.append((e.value, "copy" if spread else "holds"))
        elif isinstance(node, cst.BooleanOperation):
            stack += [(node.left, kind), (node.right, kind)]
        elif isinstance(node, cst.IfExp):
            stack += [(node.body, kind), (node.orelse, kind)]
        elif isinstance(node, cst.BinaryOperation):
            stack += [(node.left, "copy"), (node.right, "copy")]
        elif isinstance(node, cst.Call):
            if isinstance(node.func, cst.Attribute) and node.func.attr.value == "get":
                stack.append((node.func.value, "inside"))
            elif isinstance(node.func, cst.Attribute) and node.func.attr.value in ("values", "items"):
                stack.append((node.func.value, "copy"))
            elif isinstance(node.func, cst.Name) and node.func.value in ("list", "dict", "min", "max"):
                stack += [(a.value, "copy") for a in node.args]
    return out


def _name_reads(node: cst.CSTNode, counts: dict[str, int]) -> None:
    """Count every Name under ``node`` (iteratively; nested defs and lambdas left out)."""
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, cst.Name):
            counts[n.value] = counts.get(n.value, 0) + 1
            continue
        if isinstance(n, (cst.FunctionDef, cst.ClassDef, cst.Lambda)) and n is not node:
            continue
        stack.extend(child for child, _ in _children(n))


def shared_item_assignments(body: cst.BaseSuite) -> dict[int, tuple[str, str]]:
    """``x[k] = v`` statements whose ``x`` may be an object another variable also reaches
    (``e = d; e["k"] = 1; return d``): Python changes it for both, compiled values are
    copies. Maps ``id`` of the subscript target to (x, a name that sees the change and is
    read besides the statements that relate it to x)."""
    # edges[a] = [(kind, b)]: what a's value is to b's; both directions are kept
    edges: dict[str, list[tuple[str, str]]] = {}
    relating: list[cst.CSTNode] = []  # expressions that only relate names (``e = d`` reads d there)
    targets: list[tuple[cst.Subscript, str]] = []
    stores: dict[str, int] = {}  # plain-name stores: counted among the reads too
    reverse = {"same": "same", "holds": "inside", "inside": "holds", "copy": "copy"}

    def store(target: cst.BaseExpression) -> None:
        for n in _store_names(target):
            stores[n] = stores.get(n, 0) + 1

    def link(a: str, links: list[tuple[str, str]]) -> None:
        for kind, b in links:
            if b != a:
                edges.setdefault(a, []).append((kind, b))
                edges.setdefault(b, []).append((reverse[kind], a))

    # statements only, like _assigned_names: fast on large workflows
    stack: list[cst.CSTNode] = [body]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.SimpleStatementLine):
            for small in node.body:
                if isinstance(small, cst.Assign):
                    for t in small.targets:
                        store(t.target)
                        if isinstance(t.target, cst.Name):
                            link(t.target.value, _links(small.value))
                            relating.append(small.value)
                        elif isinstance(t.target, cst.Subscript) and isinstance(t.target.value, cst.Name):
                            targets.append((t.target, t.target.value.value))
                            link(t.target.value.value, [("holds", b) for _, b in _links(small.value)])
                elif isinstance(small, cst.AugAssign):
                    store(small.target)
                elif isinstance(small, cst.AnnAssign):
                    store(small.target)
                    if isinstance(small.target, cst.Name) and small.value is not None:
                        link(small.target.value, _links(small.value))
                        relating.append(small.value)
            continue
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)) and node is not body:
            continue
        if isinstance(node, cst.For):
            store(node.target)
            relating.append(node.iter)
            for t in _store_names(node.target):
                link(t, [("inside", b) for _, b in _links(node.iter)])
        stack.extend(c for c in node.children if isinstance(c, (cst.BaseSuite, cst.BaseStatement, cst.BaseCompoundStatement,
                                                                  cst.Else, cst.ExceptHandler, cst.Finally, cst.With)))
    if not targets or not edges:
        return {}
    reads: dict[str, int] = {}
    _name_reads(body, reads)
    mentions: dict[str, int] = {}
    for expr in relating:
        _name_reads(expr, mentions)
    out: dict[int, tuple[str, str]] = {}
    for target, name in targets:
        # who sees a change to name's object: names that are it ("top"), or hold it ("in")
        seen = {(name, "top")}
        todo = [(name, "top")]
        while todo:
            at, state = todo.pop()
            for kind, other in edges.get(at, ()):
                rel = reverse[kind]  # what ``other`` is relative to ``at``
                if state == "top":
                    nxt = {"same": "top", "holds": "in", "copy": None, "inside": None}[rel]
                else:
                    nxt = "in"  # anything related to a holder may be (or hold) the object too
                if nxt is not None and (other, nxt) not in seen:
                    seen.add((other, nxt))
                    todo.append((other, nxt))
        for other in sorted({n for n, _ in seen} - {name}):
            if reads.get(other, 0) - mentions.get(other, 0) - stores.get(other, 0) > 0:
                out[id(target)] = (name, other)
                break
    return out


def _store_names(target: cst.BaseExpression) -> list[str]:
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [n for e in target.elements for n in _store_names(e.value)]
    return []


class FunctionLowerer(StructuredLowering, ServiceLowering, MapLoopLowering):
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

    # ------------------------------------------------------------ statements
    def block(self, stmts: list[cst.BaseStatement], frontier: Frontier) -> Frontier:
        absorbed = self.plan_map_loops(stmts)  # `acc = []` statements a loop's Map replaces
        for i, stmt in enumerate(stmts):
            if i in absorbed:
                self.declare_absorbed(stmt)
            else:
                frontier = self.block_statement(stmt, frontier)
        return frontier

    def declare_absorbed(self, stmt: cst.BaseStatement) -> None:
        """``acc: list = []`` replaced by its loop's Map still declares ``acc``'s type."""
        small = stmt.body[0] if isinstance(stmt, cst.SimpleStatementLine) else None
        if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
            self.declared_types[small.target.value] = annotation_type(small.annotation)

    def block_statement(self, stmt: cst.BaseStatement, frontier: Frontier) -> Frontier:
        """One statement of a block whose loops are planned already."""
        if not frontier:
            # unreachable code after return/raise/break: still checked, never emitted
            dead = self.new(ir.Nop(label="dead"))
            self.block([stmt], [(dead, "next")])
            return frontier
        return self.statement(stmt, frontier)

    def statement(self, stmt: cst.BaseStatement, frontier: Frontier) -> Frontier:
        saved = self.current_statement
        try:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if not frontier:
                        break
                    self.current_statement = small
                    frontier = self.small(small, frontier)
                return frontier
            self.current_statement = stmt
            if isinstance(stmt, cst.If):
                return self.if_stmt(stmt, frontier)
            if isinstance(stmt, cst.While):
                return self.while_stmt(stmt, frontier)
            if isinstance(stmt, cst.For):
                return self.for_stmt(stmt, frontier)
            if isinstance(stmt, cst.Try):
                return self.try_stmt(stmt, frontier)
            if isinstance(stmt, cst.TryStar):
                self.error("PF100", "`except*` (exception groups) is not supported", stmt, help="use except")
                return frontier
            if isinstance(stmt, cst.With):
                return self.with_stmt(stmt, frontier)
            if isinstance(stmt, cst.Match):
                self.error(LATER, "`match` statements are not supported by this version of pyflow", stmt,
                           help="write the cases as an if/elif chain")
                return frontier
            if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
                self.error("PF100", "a workflow cannot define functions or classes", stmt,
                           help="define it at module level as a @task")
                return frontier
            self.error("PF100", f"`{type(stmt).__name__.lower()}` statements are not supported in a workflow", stmt,
                       help="move this logic into a @task function")
            return frontier
        except Unsupported:
            self.pending.clear()
            return frontier
        finally:
            self.current_statement = saved

    def flush(self, frontier: Frontier) -> Frontier:
        for op in self.pending:
            frontier = self.emit(frontier, op)
        self.pending.clear()
        return frontier

    def small(self, small: cst.BaseSmallStatement, frontier: Frontier) -> Frontier:
        if isinstance(small, cst.Pass):
            return frontier
        if isinstance(small, cst.Expr):
            return self.expr_statement(small, frontier)
        if isinstance(small, cst.Assign):
            return self.assign(small.targets, small.value, small, frontier)
        if isinstance(small, cst.AnnAssign):
            if small.value is None:
                if isinstance(small.target, cst.Name):
                    self.declared_types[small.target.value] = annotation_type(small.annotation)
                return frontier
            if isinstance(small.target, cst.Name):
                self.declared_types[small.target.value] = annotation_type(small.annotation)
            return self.assign([cst.AssignTarget(small.target)], small.value, small, frontier)
        if isinstance(small, cst.AugAssign):
            return self.aug_assign(small, frontier)
        if isinstance(small, cst.Return):
            if self.return_mode in ("branch", "map"):
                self.error("PF114", "`return` cannot leave a parallel branch, a map body or a wrapped try body",
                           small, help="assign a variable and return after the block")
                return frontier
            if small.value is not None and isinstance(small.value, cst.Call):
                frag = self.fragment_for(small.value.func)
                if frag is not None:
                    tmp = self.temp("ret")
                    frontier = self.fragment_call(small.value, frag, tmp, frontier)
                    small = small.with_changes(value=cst.Name(tmp))
                    self.locals.add(tmp)
            value = ir.Const(None) if small.value is None else self.value_or_task(small.value, None)
            if self.return_mode == "fragment":
                return self.fragment_return(value, frontier)
            frontier = self.flush(frontier)
            if self.finally_stack:
                tmp = self.temp("ret")
                frontier = self.emit(frontier, ir.Assign(tmp, value, span=self.span(small)))
                frontier = self.run_finally_before_exit(frontier)
                value = ir.Var(tmp)
            node = self.new(ir.Return(value, span=self.span(small)))
            self.connect(frontier, node)
            return []
        if isinstance(small, cst.Raise):
            return self.raise_stmt(small, frontier)
        if isinstance(small, cst.Break):
            if not self.loops:
                self.error("PF109", "`break` outside a loop (or across a branch, map body or fragment)", small)
                return frontier
            frontier = self.run_finally_before_exit(frontier, self.loops[-1].finally_depth)
            self.loops[-1].breaks.extend(frontier)
            return []
        if isinstance(small, cst.Continue):
            if not self.loops:
                self.error("PF109", "`continue` outside a loop (or across a branch, map body or fragment)", small)
                return frontier
            frontier = self.run_finally_before_exit(frontier, self.loops[-1].finally_depth)
            self.connect(frontier, self.loops[-1].head)
            return []
        if isinstance(small, (cst.Import, cst.ImportFrom)):
            self.error("PF100", "imports belong at module level, not inside a workflow", small,
                       help="move the import to the top of the module")
            return frontier
        self.error("PF100", f"`{type(small).__name__.lower()}` statements are not supported in a workflow", small,
                   help="move this logic into a @task function")
        return frontier

    def expr_statement(self, small: cst.Expr, frontier: Frontier) -> Frontier:
        value = small.value
        if isinstance(value, (cst.SimpleString, cst.ConcatenatedString)):
            return frontier  # a docstring or comment string
        if isinstance(value, cst.Call):
            special = self.statement_call(value, frontier)
            if special is not None:
                return special
            frag = self.fragment_for(value.func)
            if frag is not None:
                return self.fragment_call(value, frag, None, frontier)
            if self.client_of(value.func) is not None:
                op = self.service_call(value)
                return self.emit(self.flush(frontier), op)
            if self.mod.pyflow_name(value.func) in ("sync", "options"):
                op = self.sync_or_options(value, self.mod.pyflow_name(value.func) or "")
                return self.emit(self.flush(frontier), op)
            task = self.task_for(value.func)
            if task is not None:
                op = self.task_call(value, task, None)
                frontier = self.flush(frontier)
                return self.emit(frontier, op)
            self.expr(value)  # reports PF104 (and raises) for a call to something that is not a task
            self.pending.clear()
        self.error("PF100", "this expression statement has no effect in a workflow", small,
                   help="assign its value to a name, or call a @task")
        return frontier

    def statement_call(self, call: cst.Call, frontier: Frontier) -> Frontier | None:
        """pf.wait / time.sleep / pf.fail / pf.custom_state used as statements."""
        if not _is_dotted(call.func):
            return None
        name = self.mod.pyflow_name(call.func)
        quals = self.mod.qualified(call.func)
        if name == "wait" or "time.sleep" in quals:
            op = self.wait_call(call, sleep="time.sleep" in quals)
            frontier = self.flush(frontier)
            return self.emit(frontier, op)
        if name == "fail":
            error, cause = "pyflow.Failed", ir.Const("")
            for i, arg in enumerate(call.args):
                key = arg.keyword.value if arg.keyword else ("error", "cause")[min(i, 1)]
                if key == "error":
                    try:
                        error = str(literal(arg.value))
                    except (ValueError, SyntaxError):
                        self.error("PF111", "pf.fail(error=...) must be a string literal", arg.value,
                                   help="the error name is fixed when the state machine is built")
                elif key == "cause":
                    cause = self.expr(arg.value)
                else:
                    self.error("PF111", f"pf.fail() has no argument {key!r}", arg)
            frontier = self.flush(frontier)
            node = self.new(ir.Raise(error, cause, span=self.span(call)))
            self.connect(frontier, node)
            return []
        if name == "custom_state":
            if not call.args:
                self.error("PF111", "pf.custom_state() needs the state as a dict literal", call)
                return frontier
            try:
                state = literal(call.args[0].value)
            except (ValueError, SyntaxError):
                self.error("PF111", "pf.custom_state() needs a literal dict", call.args[0].value)
                return frontier
            if not isinstance(state, dict) or "Type" not in state:
                self.error("PF111", "pf.custom_state() needs an ASL state: a dict with a \"Type\"", call.args[0].value)
                return frontier
            return self.emit(frontier, ir.Custom(state, span=self.span(call)))
        if name in ("parallel", "branch"):
            self.error("PF116", f"pf.{name}() is used as `with pf.{name}():`", call)
            return frontier
        return None

    def wait_call(self, call: cst.Call, sleep: bool) -> ir.Wait:
        seconds = until = None
        for i, arg in enumerate(call.args):
            key = arg.keyword.value if arg.keyword else ("seconds" if i == 0 else "?")
            if key in ("seconds", "secs") or (sleep and arg.keyword is None):
                seconds = self.expr(arg.value)
            elif key == "until":
                until = self.expr(arg.value)
            else:
                self.error("PF111", f"pf.wait() has no argument {key!r}", arg, help="use seconds= or until=")
        if (seconds is None) == (until is None):
            self.error("PF111", "pf.wait() takes exactly one of seconds= or until=", call,
                       help="write pf.wait(seconds=n) or pf.wait(until=timestamp)")
            seconds = ir.Const(0)
        if isinstance(until, ir.Builtin) and until.name == "timestamp":
            until = until.args[0]
        if isinstance(seconds, ir.Const) and not (
                isinstance(seconds.value, int) and not isinstance(seconds.value, bool) and 0 <= seconds.value <= MAX_SECONDS):
            self.error("PF111", f"a Wait takes a whole number of seconds from 0 to {MAX_SECONDS:,}, not {seconds.value!r}",
                       call, help="round to whole seconds; wait longer than that in a loop of waits")
        return ir.Wait(seconds=seconds, timestamp=until, span=self.span(call))

    def assign(self, targets: list[cst.AssignTarget], value: cst.BaseExpression, stmt: cst.CSTNode,
               frontier: Frontier) -> Frontier:
        if len(targets) == 1 and self.bind_local_client(targets[0].target, value):
            return frontier
        if len(targets) == 1 and isinstance(targets[0].target, cst.Name) and isinstance(value, cst.Call) \
                and (self.client_of(value.func) is not None or self.mod.pyflow_name(value.func) in ("sync", "options")):
            name = self.mod.pyflow_name(value.func)
            op = self.sync_or_options(value, name) if name in ("sync", "options") else self.service_call(value)
            op.target = self.check_target(targets[0].target)
            return self.emit(self.flush(frontier), op)
        if len(targets) == 1 and isinstance(targets[0].target, cst.Name) and isinstance(value, cst.Call):
            frag = self.fragment_for(value.func)
            if frag is not None:
                return self.fragment_call(value, frag, self.check_target(targets[0].target), frontier)
            task = self.task_for(value.func)
            if task is not None:
                name = self.check_target(targets[0].target)
                op = self.task_call(value, task, name)
                frontier = self.flush(frontier)
                return self.emit(frontier, op)
            if self.mod.pyflow_name(value.func) == "custom_state":
                name = self.check_target(targets[0].target)
                out = self.statement_call(value, frontier)
                if out and out != frontier:
                    op = self.graph.nodes[out[0][0]]["op"]
                    if isinstance(op, ir.Custom):
                        op.target = name
                return out if out is not None else frontier
        expr = self.expr(value)
        frontier = self.flush(frontier)
        for tgt in targets:
            t = tgt.target
            if isinstance(t, cst.Name):
                name = self.check_target(t)
                frontier = self.emit(frontier, ir.Assign(name, expr, span=self.span(stmt)))
            elif isinstance(t, cst.Subscript) and isinstance(t.value, cst.Name) and len(t.slice) == 1 \
                    and isinstance(t.slice[0].slice, cst.Index):
                shared = getattr(self, "shared_items", {}).get(id(t))
                if shared is not None:
                    self.error("PF113", f"`{shared[0]}[...] = ...` changes an object `{shared[1]}` may also refer to; "
                               "Python changes it for both, the compiled workflow copies values", t,
                               help=f"copy first (`{shared[0]} = {{**{shared[0]}}}` for a dict, "
                                    f"`{shared[0]} = {shared[0]} + []` for a list) and change the copy, or build "
                                    f"the new value in one expression: `{shared[0]} = {{**{shared[0]}, \"k\": v}}`")
                base = self.check_target(t.value)
                key = self.expr(t.slice[0].slice.value)
                frontier = self.flush(frontier)
                new = ir.Builtin("setitem", (ir.Var(base), key, expr))
                frontier = self.emit(frontier, ir.Assign(base, new, span=self.span(stmt)))
            elif isinstance(t, (cst.Tuple, cst.List)):
                names = [el.value for el in t.elements]
                if any(isinstance(el, cst.StarredElement) for el in t.elements):
                    self.error("PF113", "starred unpacking (`a, *rest = ...`) is not supported", t,
                               help="index the list instead: a = xs[0]")
                    continue
                if not all(isinstance(n, cst.Name) for n in names):
                    self.error("PF113", "only names can be unpacked", t)
                    continue
                tmp = self.temp("unpack")
                frontier = self.emit(frontier, ir.Assign(tmp, expr, span=self.span(stmt)))
                frontier = self.emit(frontier, ir.Assign(tmp, _unpacked(ir.Var(tmp), len(names)), span=self.span(stmt)))
                for i, n in enumerate(names):
                    assert isinstance(n, cst.Name)
                    frontier = self.emit(frontier, ir.Assign(
                        self.check_target(n), ir.Subscript(ir.Var(tmp), ir.Const(i)), span=self.span(stmt)))
            else:
                self.error("PF113", "pyflow can assign to names and to `name[key]` only", t,
                           help="assign to a local name")
        return frontier

    def check_target(self, name: cst.Name) -> str:
        if name.value.startswith(RESERVED_PREFIX) or name.value == "states" or name.value.startswith("__") \
                or not name.value.isascii():
            self.error("PF113", f"the name {name.value!r} is reserved by pyflow or not an ASCII identifier", name,
                       help=f"rename it (names starting with {RESERVED_PREFIX!r} or `__`, and `states`, are reserved)")
        return self.renames.get(name.value, name.value)

    def temp(self, hint: str) -> str:
        self.temp_counter += 1
        return f"{RESERVED_PREFIX}{hint}{self.temp_counter}"

    def aug_assign(self, small: cst.AugAssign, frontier: Frontier) -> Frontier:
        if not isinstance(small.target, cst.Name):
            self.error("PF113", "augmented assignment works on names only", small.target)
            return frontier
        op = _BINOPS.get(type(small.operator).__name__.replace("Assign", ""))
        if op is None:
            self.error("PF102", f"the operator `{cst.Module([]).code_for_node(small.operator).strip()}` is not supported",
                       small.operator)
            return frontier
        name = self.check_target(small.target)
        value = ir.BinOp(op, ir.Var(name), self.expr(small.value))
        frontier = self.flush(frontier)
        return self.emit(frontier, ir.Assign(name, value, span=self.span(small)))

    def raise_stmt(self, small: cst.Raise, frontier: Frontier) -> Frontier:
        exc = small.exc
        if exc is None:
            return self.bare_raise(small, self.flush(frontier))
        if isinstance(exc, cst.Name) and exc.value in self.locals:
            var = self.renames.get(exc.value, exc.value)
            if var in self.caught:
                node = self.new(ir.Raise("", ir.Const(""), dynamic=ir.Var(var), span=self.span(small)))
                self.connect(self.flush(frontier), node)
                return []
        call = exc if isinstance(exc, cst.Call) else None
        cls_node = call.func if call else exc
        error = self.exception_name(cls_node)
        cause: ir.Expr = ir.Const("")
        if call is not None:
            if len(call.args) > 1 or any(a.keyword for a in call.args):
                self.error("PF107", "raise an exception with one message argument", call,
                           help="pass a single string, e.g. raise JobFailed(f\"job {job_id} failed\")")
            elif call.args:
                cause = ir.Builtin("str", (self.expr(call.args[0].value),))
        if error is None:
            return frontier
        frontier = self.flush(frontier)
        node = self.new(ir.Raise(error, cause, span=self.span(small)))
        self.connect(frontier, node)
        return []

    def exception_name(self, node: cst.BaseExpression) -> str | None:
        if isinstance(node, cst.Name):
            if node.value in self.mod.classes or node.value in BUILTIN_EXCEPTIONS or node.value in self.mod.imports:
                return error_ref(self.mod, node)
        root = node
        while isinstance(root, cst.Attribute):
            root = root.value
        if isinstance(node, cst.Attribute) and isinstance(root, cst.Name) and root.value in self.mod.imports:
            name = error_ref(self.mod, node)
            if name.startswith("States.") or name == "pyflow.MissingInput":
                return name
            return name
        self.error("PF107", "raise needs an exception class defined or imported in this module", node,
                   help="define `class MyError(Exception): pass` at module level and raise MyError(\"why\")")
        return None

    # ------------------------------------------------------------ control flow
    def if_stmt(self, stmt: cst.If, frontier: Frontier) -> Frontier:
        test = self.condition(stmt.test)
        frontier = self.flush(frontier)
        branch = self.new(ir.Branch(test, "if", span=self.span(stmt.test), source=self.source_of(stmt.test)))
        self.connect(frontier, branch)
        out = self.block(self._body(stmt.body), [(branch, "T")])
        if stmt.orelse is None:
            return out + [(branch, "F")]
        if isinstance(stmt.orelse, cst.If):
            return out + self.if_stmt(stmt.orelse, [(branch, "F")])
        return out + self.block(self._body(stmt.orelse.body), [(branch, "F")])

    def while_stmt(self, stmt: cst.While, frontier: Frontier) -> Frontier:
        head = self.new(ir.Nop(label="while", span=self.span(stmt)))
        self.connect(frontier, head)
        constant = self.constant_truth(stmt.test)
        loop = Loop(head, finally_depth=len(self.finally_stack))
        self.loops.append(loop)
        if constant is True:
            body_frontier: Frontier = [(head, "next")]
            exit_frontier: Frontier = []
        else:
            test = self.condition(stmt.test)
            entry = self.flush([(head, "next")])
            branch = self.new(ir.Branch(test, "while", span=self.span(stmt.test), source=self.source_of(stmt.test)))
            self.connect(entry, branch)
            body_frontier = [(branch, "T")]
            exit_frontier = [(branch, "F")]
        out = self.block(self._body(stmt.body), body_frontier)
        self.connect(out, head)
        self.loops.pop()
        if stmt.orelse is not None:
            exit_frontier = self.block(self._body(stmt.orelse.body), exit_frontier)
        return exit_frontier + loop.breaks

    def for_stmt(self, stmt: cst.For, frontier: Frontier) -> Frontier:
        if stmt.asynchronous is not None:
            self.error("PF100", "`async for` is not supported", stmt)
            return frontier
        iterable = stmt.iter
        if isinstance(iterable, cst.Call) and self.mod.pyflow_name(iterable.func) == "map":
            return self.for_map(stmt, frontier)
        plan = self.map_loop_plans.pop(id(stmt), None)
        if plan is not None and not self.catching:
            return self.for_as_map(stmt, plan, frontier)
        seq = self.iterable(iterable)
        frontier = self.flush(frontier)
        seq_name, idx_name = self.temp("seq"), self.temp("i")
        span = self.span(stmt)
        frontier = self.emit(frontier, ir.Assign(seq_name, seq, span=span))
        frontier = self.emit(frontier, ir.Assign(idx_name, ir.Const(0), span=span))
        head = self.new(ir.Nop(label="for", span=span))
        self.connect(frontier, head)
        test = ir.Compare("<", ir.Var(idx_name), ir.Builtin("len", (ir.Var(seq_name),)))
        branch = self.new(ir.Branch(test, "for", span=self.span(stmt.target),
                                    source=f"{self.source_of(stmt.target)} in {self.source_of(stmt.iter)}"))
        self.graph.add_edge(head, branch, key="next", label="next", assigns=[])
        body: Frontier = [(branch, "T")]
        item = ir.Builtin("at", (ir.Var(seq_name), ir.Var(idx_name)))
        target = stmt.target
        if isinstance(target, cst.Name):
            body = self.emit(body, ir.Assign(self.check_target(target), item, span=span))
        elif isinstance(target, (cst.Tuple, cst.List)) and all(
                isinstance(e.value, cst.Name) and not isinstance(e, cst.StarredElement) for e in target.elements):
            unpack = self.temp("unpack")
            body = self.emit(body, ir.Assign(unpack, _unpacked(item, len(target.elements)), span=span))
            for i, el in enumerate(target.elements):
                assert isinstance(el.value, cst.Name)
                body = self.emit(body, ir.Assign(self.check_target(el.value), ir.Subscript(ir.Var(unpack), ir.Const(i)),
                                                 span=span))
        else:
            self.error("PF113", "a for loop's target must be a name or a tuple of names", target)
        body = self.emit(body, ir.Assign(idx_name, ir.BinOp("+", ir.Var(idx_name), ir.Const(1)), span=span))
        # `continue` must still advance the index: it jumps to a node that increments first
        loop = Loop(head, finally_depth=len(self.finally_stack))
        self.loops.append(loop)
        out = self.block(self._body(stmt.body), body)
        self.loops.pop()
        self.connect(out, head)
        exit_frontier: Frontier = [(branch, "F")]
        if stmt.orelse is not None:
            exit_frontier = self.block(self._body(stmt.orelse.body), exit_frontier)
        return exit_frontier + loop.breaks

    def iterable(self, node: cst.BaseExpression) -> ir.Expr:
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "range" \
                and node.func.value not in self.locals:
            return self.range_call(node)
        return self.expr(node)

    def range_call(self, node: cst.Call) -> ir.Expr:
        args = [self.expr(a.value) for a in node.args]
        if not 1 <= len(args) <= 3 or any(a.keyword for a in node.args):
            self.error("PF111", "range() takes 1 to 3 positional arguments", node)
            raise Unsupported
        if len(args) == 1:
            args = [ir.Const(0), args[0]]
        if len(args) == 2:
            args.append(ir.Const(1))
        return ir.Builtin("range", tuple(args))

    def constant_truth(self, node: cst.BaseExpression) -> bool | None:
        if isinstance(node, cst.Name) and node.value in ("True", "False"):
            return node.value == "True"
        if isinstance(node, cst.Integer):
            return int(node.value, 0) != 0
        return None

    # ------------------------------------------------------------ tasks
    def module_function(self, func: cst.Attribute) -> FunctionInfo | None:
        """``helper_tasks.inc`` after ``import helper_tasks`` (or ``import helper_tasks as ht``):
        the function the imported module defines or re-exports, if that module is a source file."""
        root = _root_name(func)
        if root is None or root in self.locals or root not in self.mod.imports \
                or self.mod.imports[root].split(".")[0] in NOT_TASK_MODULES:
            return None
        if not isinstance(func.value, (cst.Name, cst.Attribute)):
            return None
        qualified = next(iter(self.mod.qualified(func)), None)
        if qualified is None:
            return None
        reported = len(self.reporter.items)
        resolved = self.loader.resolve_import(self.mod, qualified, _LazySpan(self.mod, func))
        if len(self.reporter.items) != reported:
            raise Unsupported  # the imported module is unreadable or cyclic: already reported
        if resolved is None:
            return None
        module, name = resolved
        info = self.loader.resolve_function(module, name, _LazySpan(self.mod, func))
        if len(self.reporter.items) != reported:
            raise Unsupported
        return info

    def task_for(self, func: cst.BaseExpression) -> TaskSignature | None:
        if isinstance(func, cst.Attribute):
            info = self.module_function(func)
            if info is None or info.kind not in ("task", "workflow"):
                return None
            return self.workflow_signature(info) if info.kind == "workflow" else self.task_signature(info)
        if not isinstance(func, cst.Name) or func.value in self.locals:
            return None
        name = func.value
        info = self.mod.functions.get(name)
        if info is None and name in self.mod.imports:
            reported = len(self.reporter.items)
            info = self.loader.resolve_function(self.mod, name, _LazySpan(self.mod, func))
            if len(self.reporter.items) != reported:
                raise Unsupported  # the imported module is unreadable or cyclic: already reported
        if info is None and name in self.mod.activities:
            return self.activity_signature(name)
        if info is not None and info.kind == "workflow":
            return self.workflow_signature(info)
        if info is None or info.kind != "task":
            if info is not None and info.kind == "fragment":
                self.error("PF119", f"call the fragment {info.name!r} in its own statement (x = {info.name}(...))", func,
                           help="a fragment holds several states; it cannot run in the middle of an expression")
                raise Unsupported
            return None
        return self.task_signature(info)

    def task_signature(self, info: FunctionInfo) -> TaskSignature:
        sub = str(info.options.get("name") or info.name)
        if sub in self.tasks:
            return self.tasks[sub]
        params: list[tuple[str, bool]] = []
        p = info.node.params
        if isinstance(p.star_arg, cst.Param) or p.star_kwarg is not None or p.posonly_params:
            self.error("PF108", f"task {info.name!r} must take plain named parameters (no *args/**kwargs)",
                       info.node.params, help="the task's payload is a JSON object with one field per parameter")
        for param in list(p.params) + list(p.kwonly_params):
            params.append((param.name.value, param.default is not None))
        check_options(info, self.reporter)
        sig = TaskSignature(sub, info.name, params, info.module, info.node, info.options,
                            annotation_type(info.node.returns),
                            keyword_only=frozenset(x.name.value for x in p.kwonly_params))
        self.tasks[sub] = sig
        return sig

    def fragment_for(self, func: cst.BaseExpression) -> FunctionInfo | None:
        if isinstance(func, cst.Attribute):
            info = self.module_function(func)
            return info if info is not None and info.kind == "fragment" else None
        if not isinstance(func, cst.Name) or func.value in self.locals:
            return None
        info = self.mod.functions.get(func.value)
        if info is None and func.value in self.mod.imports:
            resolved = self.loader.resolve_import(self.mod, self.mod.imports[func.value], _LazySpan(self.mod, func))
            if resolved is not None:
                info = resolved[0].functions.get(resolved[1])
        return info if info is not None and info.kind == "fragment" else None

    def workflow_signature(self, info: FunctionInfo) -> TaskSignature:
        sub = str(info.options.get("name") or info.name)
        if sub in self.tasks:
            return self.tasks[sub]
        p = info.node.params
        params = [(x.name.value, x.default is not None) for x in list(p.params) + list(p.kwonly_params)]
        sig = TaskSignature(sub, info.name, params, info.module, info.node, info.options,
                            annotation_type(info.node.returns), kind="workflow",
                            keyword_only=frozenset(x.name.value for x in p.kwonly_params))
        self.tasks[sub] = sig
        return sig

    def activity_signature(self, local: str) -> TaskSignature:
        name = self.mod.activities[local]
        import re as _re

        sub = _re.sub(r"[^A-Za-z0-9_]", "_", name)
        if sub not in self.tasks:
            self.tasks[sub] = TaskSignature(sub, local, [("input", False)], self.mod, None, {"activity": name}, "any",
                                            kind="activity")
        return self.tasks[sub]

    def task_call(self, call: cst.Call, task: TaskSignature, target: str | None) -> ir.TaskCall:
        if task.kind == "activity":
            if len(call.args) == 1 and call.args[0].keyword is None:
                value = self.expr(call.args[0].value)
            else:
                value = ir.DictExpr(tuple((ir.Const(a.keyword.value), self.expr(a.value)) for a in call.args
                                          if a.keyword is not None))
            return ir.TaskCall(target, task.name, {"input": value}, kind="activity", span=self.span(call))
        args: dict[str, ir.Expr] = {}
        names = [n for n, _ in task.params]
        positional = [a for a in call.args if a.keyword is None]
        for a in call.args:
            if a.star:
                self.error("PF105", "*args/**kwargs cannot be passed to a task", a,
                           help="pass each parameter by name")
                raise Unsupported
        by_position = [n for n in names if n not in task.keyword_only]
        shown = by_position + (["*"] if len(by_position) < len(names) else []) + names[len(by_position):]
        if len(positional) > len(by_position):
            self.error("PF105", f"{task.function}() takes {len(by_position)} positional "
                       f"argument{'' if len(by_position) == 1 else 's'} but {len(positional)} "
                       f"{'was' if len(positional) == 1 else 'were'} given", call,
                       help=f"the signature is {task.function}({', '.join(shown)})")
            raise Unsupported
        for a, name in zip(positional, by_position):
            args[name] = self.expr(a.value)
        for a in call.args:
            if a.keyword is not None:
                key = a.keyword.value
                if key not in names:
                    self.error("PF105", f"{task.function}() has no parameter {key!r}", a,
                               help=f"the signature is {task.function}({', '.join(shown)})")
                    raise Unsupported
                if key in args:
                    self.error("PF105", f"{task.function}() got multiple values for {key!r}", a)
                    raise Unsupported
                args[key] = self.expr(a.value)
        missing = [n for n, has_default in task.params if not has_default and n not in args]
        if missing:
            self.error("PF105", f"{task.function}() is missing {', '.join(repr(m) for m in missing)}", call,
                       help=f"the signature is {task.function}({', '.join(shown)})")
            raise Unsupported
        kind = task.kind
        if kind == "lambda" and any(isinstance(n, ir.Context) and n.path == ("Task", "Token")
                                    for v in args.values() for n in ir.walk(v)):
            kind = "callback"
        return ir.TaskCall(target, task.name, args, kind=kind, span=self.span(call))

    def value_or_task(self, node: cst.BaseExpression, target: str | None) -> ir.Expr:
        return self.expr(node)

    # ------------------------------------------------------------ expressions
    def condition(self, node: cst.BaseExpression) -> ir.Expr:
        return self.expr(node)

    def expr(self, node: cst.BaseExpression) -> ir.Expr:
        outer = not self.__dict__.get("in_expr", False)
        if outer and _nested_deeper_than(node, MAX_EXPR_DEPTH):  # later stages recurse on the IR
            self.error("PF101", f"this expression is nested more than {MAX_EXPR_DEPTH} levels deep", node)
            raise Unsupported
        self.in_expr = True
        try:
            return self._expr(node)
        except RecursionError:
            self.error("PF101", "this expression is nested too deeply", node)
            raise Unsupported from None
        finally:
            if outer:
                self.in_expr = False

    def _expr(self, node: cst.BaseExpression) -> ir.Expr:
        if isinstance(node, (cst.Integer, cst.Float, cst.SimpleString, cst.ConcatenatedString)):
            try:
                value = literal(node)
            except (ValueError, SyntaxError, MemoryError):
                self.error("PF101", "this literal cannot be represented", node)
                raise Unsupported from None
            if isinstance(value, bytes):
                self.error("PF101", "bytes are not JSON values", node, help="use a str")
                raise Unsupported
            if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
                self.error("PF101", "inf and nan are not JSON values", node)
                raise Unsupported
            if isinstance(value, int) and abs(value) > 2 ** 53:
                self.error("PF101", "this integer is beyond 2**53: Step Functions would not keep it exact", node,
                           help="pass large integers as strings, or compute with them in a @task")
                raise Unsupported
            return ir.Const(value)
        if isinstance(node, cst.Imaginary):
            self.error("PF101", "complex numbers are not JSON values", node)
            raise Unsupported
        if isinstance(node, cst.Name):
            return self.name(node)
        if isinstance(node, cst.Attribute):
            return self.attribute(node)
        if isinstance(node, cst.Subscript):
            if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
                self.error("PF101", "slices are not supported", node, help="use a @task for slicing")
                raise Unsupported
            return ir.Subscript(self._expr(node.value), self._expr(node.slice[0].slice.value))
        if isinstance(node, cst.BinaryOperation):
            op = _BINOPS.get(type(node.operator).__name__)
            if op is None:
                self.error("PF102", f"the operator `{cst.Module([]).code_for_node(node.operator).strip()}` is not supported",
                           node.operator, help="compute this in a @task")
                raise Unsupported
            if op == "%" and isinstance(node.left, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
                self.error("PF102", "printf-style `%` formatting of a str is not supported", node.operator,
                           help="write an f-string: f\"{name}-{count}\"")
                raise Unsupported
            return ir.BinOp(op, self._expr(node.left), self._expr(node.right))
        if isinstance(node, cst.UnaryOperation):
            op = {"Minus": "-", "Plus": "+", "Not": "not"}.get(type(node.operator).__name__)
            if op is None:
                self.error("PF102", "bitwise inversion is not supported", node)
                raise Unsupported
            operand = self._expr(node.expression)
            if op == "-" and isinstance(operand, ir.Const) and isinstance(operand.value, (int, float)) \
                    and not isinstance(operand.value, bool):
                return ir.Const(-operand.value)
            return ir.UnaryOp(op, operand)
        if isinstance(node, cst.BooleanOperation):
            op = "and" if isinstance(node.operator, cst.And) else "or"
            left = self._expr(node.left)
            before = len(self.pending)
            right = self._expr(node.right)
            if len(self.pending) != before:
                self.error("PF106", f"a task call on the right of `{op}` may not run in Python", node.right,
                           help="call the task in its own statement first, or use an if statement")
                raise Unsupported
            values: list[ir.Expr] = []
            for v in (left, right):
                values.extend(v.values if isinstance(v, ir.BoolOp) and v.op == op else (v,))
            return ir.BoolOp(op, tuple(values))
        if isinstance(node, cst.Comparison):
            return self.comparison(node)
        if isinstance(node, cst.IfExp):
            test = self._expr(node.test)
            before = len(self.pending)
            body, orelse = self._expr(node.body), self._expr(node.orelse)
            if len(self.pending) != before:
                self.error("PF106", "a task call inside a conditional expression may not run in Python", node,
                           help="use an if statement")
                raise Unsupported
            return ir.IfExp(test, body, orelse)
        if isinstance(node, (cst.List, cst.Tuple)):
            items = []
            for el in node.elements:
                if isinstance(el, cst.StarredElement):
                    items.append(ir.Builtin("spread", (self._expr(el.value),)))
                else:
                    items.append(self._expr(el.value))
            if any(isinstance(i, ir.Builtin) and i.name == "spread" for i in items):
                return ir.Builtin("concat_lists", tuple(
                    i.args[0] if isinstance(i, ir.Builtin) and i.name == "spread" else ir.ListExpr((i,)) for i in items))
            return ir.ListExpr(tuple(items))
        if isinstance(node, cst.Dict):
            entries: list[tuple[ir.Expr | None, ir.Expr]] = []
            for el in node.elements:
                if isinstance(el, cst.StarredDictElement):
                    entries.append((None, self._expr(el.value)))
                else:
                    key = self._expr(el.key)
                    entries.append((key, self._expr(el.value)))
            return ir.DictExpr(tuple(entries))
        if isinstance(node, cst.FormattedString):
            return self.fstring(node)
        if isinstance(node, cst.Call):
            return self.call(node)
        if isinstance(node, cst.ListComp):
            return self.comprehension(node)
        if isinstance(node, (cst.GeneratorExp, cst.SetComp, cst.DictComp)):
            self.error("PF101", "only list comprehensions ([f(x) for x in xs]) become Map states", node,
                       help="use a for loop")
            raise Unsupported
        if isinstance(node, cst.Lambda):
            self.error("PF101", "lambda is only allowed as the function of pf.map", node)
            raise Unsupported
        if isinstance(node, cst.Set):
            self.error("PF101", "sets are not JSON values", node, help="use a list")
            raise Unsupported
        self.error("PF101", f"`{type(node).__name__}` expressions are not supported in a workflow", node,
                   help="compute this value in a @task")
        raise Unsupported

    def name(self, node: cst.Name) -> ir.Expr:
        value = node.value
        if value in self.locals:
            return ir.Var(self.renames.get(value, value))
        if value in ("None", "True", "False"):
            return ir.Const({"None": None, "True": True, "False": False}[value])
        if value in self.mod.constants:
            const = self.mod.constants[value]
            if _is_json(const):
                return ir.Const(_jsonify(const))
        self.error("PF103", f"name {value!r} is not defined in this workflow", node,
                   help="use a parameter, a local assigned earlier, or a module-level literal constant")
        raise Unsupported

    def attribute(self, node: cst.Attribute) -> ir.Expr:
        chain: list[str] = []
        cur: cst.BaseExpression = node
        while isinstance(cur, cst.Attribute):
            chain.append(cur.attr.value)
            cur = cur.value
        chain.reverse()
        if self.mod.pyflow_name(cur) == "context" or (isinstance(cur, cst.Name) and False):
            return self.context_path(chain, node)
        for q in self.mod.qualified(node):
            if q.startswith("pyflow.context.") or q.startswith("pyflow.api.context."):
                rest = q.split("context.", 1)[1].split(".")
                return self.context_path(rest, node)
        if isinstance(cur, cst.Name) and cur.value in self.locals and chain in (["error"], ["cause"]):
            return ir.Subscript(self.name(cur), ir.Const(chain[0].capitalize()))
        self.error("PF101", "attribute access is not supported here", node,
                   help="read dict fields with d[\"key\"]")
        raise Unsupported

    def context_path(self, chain: list[str], node: cst.CSTNode) -> ir.Expr:
        mapping = {
            ("execution", "id"): ("Execution", "Id"), ("execution", "name"): ("Execution", "Name"),
            ("execution", "start_time"): ("Execution", "StartTime"), ("execution", "role_arn"): ("Execution", "RoleArn"),
            ("execution", "input"): ("Execution", "Input"), ("state", "name"): ("State", "Name"),
            ("state", "entered_time"): ("State", "EnteredTime"), ("state", "retry_count"): ("State", "RetryCount"),
            ("state_machine", "id"): ("StateMachine", "Id"), ("state_machine", "name"): ("StateMachine", "Name"),
            ("task", "token"): ("Task", "Token"),
        }
        path = mapping.get(tuple(chain))
        if path is None:
            self.error("PF101", f"pf.context.{'.'.join(chain)} is not a Context object field", node,
                       help="use one of: " + ", ".join("pf.context." + ".".join(k) for k in mapping))
            raise Unsupported
        return ir.Context(path)

    def comparison(self, node: cst.Comparison) -> ir.Expr:
        left = self._expr(node.left)
        parts: list[ir.Expr] = []
        before = len(self.pending)
        for i, target in enumerate(node.comparisons):
            op = _CMPOPS.get(type(target.operator).__name__)
            if op is None:
                self.error("PF102", "this comparison operator is not supported", target.operator)
                raise Unsupported
            right = self._expr(target.comparator)
            if i > 0 and len(self.pending) != before:
                self.error("PF106", "a task call in a chained comparison may not run in Python", target.comparator,
                           help="call the task in its own statement first")
                raise Unsupported
            before = len(self.pending)
            parts.append(ir.Compare(op, left, right))
            left = right
        return parts[0] if len(parts) == 1 else ir.BoolOp("and", tuple(parts))

    def fstring(self, node: cst.FormattedString) -> ir.Expr:
        parts: list[str | ir.Expr] = []
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                text = part.value.replace("{{", "{").replace("}}", "}")
                try:
                    text = literal(cst.SimpleString('"' + text.replace('"', '\\"') + '"')) if "\\" in text else text
                except (ValueError, SyntaxError):
                    pass
                parts.append(text)
            else:
                assert isinstance(part, cst.FormattedStringExpression)
                if part.format_spec or part.conversion:
                    self.error("PF101", "format specs and conversions in f-strings are not supported", part,
                               help="format the value in a @task, or use str()")
                    raise Unsupported
                value = ir.Builtin("str", (self._expr(part.expression),))
                self.note_span(value, part.expression)
                parts.append(value)
        return ir.FString(tuple(parts))

    def call(self, node: cst.Call) -> ir.Expr:
        func = node.func
        task = self.task_for(func)
        if task is not None:
            if self.in_condition:
                pass
            op = self.task_call(node, task, None)
            tmp = self.temp(task.function + "_")
            op.target = tmp
            self.pending.append(op)
            return ir.Var(tmp)
        # libcst names `str(x).strip` "builtins.str": only a dotted name is looked up by qualified name
        dotted = _is_dotted(func)
        name = self.mod.pyflow_name(func) if dotted else None
        if name is not None:
            return self.pyflow_call(name, node)
        for q in self.mod.qualified(func) if dotted else ():
            if q in QUALIFIED_BUILTINS:
                return self.builtin(QUALIFIED_BUILTINS[q], node)
            if q.startswith("builtins.") and q[9:] in PY_BUILTINS:
                return self.builtin(q[9:], node)
        if isinstance(func, cst.Name) and func.value in PY_BUILTINS and func.value not in self.locals:
            return self.builtin(func.value, node)
        if isinstance(func, cst.Attribute) and func.attr.value in STRING_METHODS and not (
                dotted and _root_name(func) in self.mod.imports and _root_name(func) not in self.locals):
            return self.method(func, node)
        if self.client_of(func) is not None:
            op = self.service_call(node)
            op.target = self.temp(op.task + "_")
            self.pending.append(op)
            return ir.Var(op.target)
        if isinstance(func, cst.Attribute) and func.attr.value in ("encode", "decode") \
                and isinstance(func.value, cst.Call) and any(
                    q in ("base64.b64encode", "base64.b64decode") for q in self.mod.qualified(func.value.func)):
            self._expr(func.value)  # `base64.b64encode(s.encode()).decode()`: say why base64 is refused (PF111)
        shown = cst.Module([]).code_for_node(func)
        self.error("PF104", f"`{shown}` is not a task; a workflow can only call @task, @fragment and @workflow "
                   "functions and pyflow builtins", node, help="move this call into a @task function")
        raise Unsupported

    def pyflow_call(self, name: str, node: cst.Call) -> ir.Expr:
        args = [a for a in node.args]
        if name == "uuid":
            return ir.Builtin("uuid", ())
        if name == "hash":
            vals = [self._expr(a.value) for a in args]
            if len(vals) == 1:
                vals.append(ir.Const("SHA-256"))
            if len(vals) != 2 or not isinstance(vals[1], ir.Const) or vals[1].value not in (
                    "MD5", "SHA-1", "SHA-256", "SHA-384", "SHA-512"):
                self.error("PF111", "pf.hash(value, algorithm) needs a literal algorithm: MD5, SHA-1, SHA-256, "
                           "SHA-384 or SHA-512", node)
                raise Unsupported
            return ir.Builtin("hash", tuple(vals))
        if name == "is_timestamp":
            if len(args) != 1:
                self.error("PF111", "pf.is_timestamp() takes one value", node)
                raise Unsupported
            return ir.Builtin("is_timestamp", (self._expr(args[0].value),))
        if name == "timestamp":
            if len(args) != 1:
                self.error("PF111", "pf.timestamp() takes one ISO-8601 string", node)
                raise Unsupported
            return ir.Builtin("timestamp", (self._expr(args[0].value),))
        if name == "task_token":
            return ir.Context(("Task", "Token"))
        if name in ("wait", "fail", "custom_state"):
            self.error("PF111", f"pf.{name}() is a statement; it has no value", node,
                       help=f"call pf.{name}(...) on its own line")
            raise Unsupported
        if name == "map":
            return self.map_call(node)
        if name in ("sync", "options"):
            op = self.sync_or_options(node, name)
            op.target = self.temp(op.task + "_")
            self.pending.append(op)
            return ir.Var(op.target)
        if name in ("parallel", "branch"):
            self.error("PF116", f"pf.{name}() is used as `with pf.{name}():`", node)
            raise Unsupported
        self.error("PF104", f"pf.{name} is not a pyflow builtin that can be called in a workflow", node)
        raise Unsupported

    def builtin(self, name: str, node: cst.Call) -> ir.Expr:
        if any(a.keyword is not None or a.star for a in node.args) and name not in ("json_dumps", "sorted", "round"):
            self.error("PF111", f"{name}() takes positional arguments only here", node)
            raise Unsupported
        if name == "list" and len(node.args) == 1 and isinstance(node.args[0].value, cst.Call) \
                and isinstance(node.args[0].value.func, cst.Name) and node.args[0].value.func.value == "range":
            return self.range_call(node.args[0].value)
        if name == "isinstance":
            if len(node.args) != 2:
                self.error("PF111", "isinstance() takes two arguments", node)
                raise Unsupported
            value = self._expr(node.args[0].value)
            types_node = node.args[1].value
            elements = [e.value for e in types_node.elements] if isinstance(types_node, cst.Tuple) else [types_node]
            kinds = []
            for el in elements:
                kind = el.value if isinstance(el, cst.Name) else None
                if kind not in ("str", "int", "float", "bool", "dict", "list", "type(None)"):
                    self.error("PF111", "isinstance() works with str, int, float, bool, dict and list", el)
                    raise Unsupported
                kinds.append(kind)
            return ir.Builtin("isinstance", (value, ir.Const(kinds)))
        if name == "json_dumps":
            args = [a for a in node.args if a.keyword is None]
            kwargs = {a.keyword.value: a.value for a in node.args if a.keyword is not None}
            if len(args) != 1 or set(kwargs) - {"sort_keys"}:
                self.error("PF111", "json.dumps(value) is supported with no options other than sort_keys", node)
                raise Unsupported
            sort = False
            if "sort_keys" in kwargs:
                try:
                    sort = bool(literal(kwargs["sort_keys"]))
                except (ValueError, SyntaxError):
                    self.error("PF111", "sort_keys must be a literal", kwargs["sort_keys"])
                    raise Unsupported from None
            return ir.Builtin("json_dumps", (self._expr(args[0].value), ir.Const(sort)))
        if name in ("sorted", "round", "sum", "list"):
            if name == "list" and len(node.args) == 1:
                return ir.Builtin("list", (self._expr(node.args[0].value),))
            self.error("PF104", f"{name}() is not supported in a workflow", node, help="compute it in a @task")
            raise Unsupported
        arity = {"len": (1, 1), "str": (1, 1), "int": (1, 1), "float": (1, 1), "bool": (1, 1), "abs": (1, 1),
                 "min": (2, 9), "max": (2, 9), "json_loads": (1, 1), "fnmatch": (2, 2), "randint": (2, 2),
                 "floor": (1, 1), "ceil": (1, 1), "b64encode": (1, 1), "b64decode": (1, 1)}[name]
        if not arity[0] <= len(node.args) <= arity[1]:
            self.error("PF111", f"{name}() takes {arity[0]} argument{'s' if arity[0] != 1 else ''} here", node)
            raise Unsupported
        if name in ("b64encode", "b64decode"):
            self.error("PF111", f"base64.{name}() works on bytes, which workflow values are not; "
                       "JSONata's $base64encode/$base64decode read text as Latin-1, not UTF-8", node,
                       help="encode or decode in a @task: `return base64.b64encode(s.encode()).decode()`")
            raise Unsupported
        value = ir.Builtin(name, tuple(self._expr(a.value) for a in node.args))
        if name in ("str", "fnmatch"):  # builtins a backend may reject (PF101 points at the call)
            self.note_span(value, node)
        return value

    def note_span(self, value: ir.Expr, node: cst.CSTNode) -> None:
        try:
            self.expr_spans.setdefault(value, lambda: self.exact_span(node))  # computed only if reported
        except TypeError:  # a constant list or dict inside: not hashable, no span kept
            pass

    def method(self, func: cst.Attribute, node: cst.Call) -> ir.Expr:
        meth = func.attr.value
        lo, hi = STRING_METHODS[meth]
        if any(a.keyword is not None or a.star for a in node.args) or not lo <= len(node.args) <= hi:
            self.error("PF111", f".{meth}() takes {lo}{'-' + str(hi) if hi != lo else ''} positional arguments here", node)
            raise Unsupported
        obj = self._expr(func.value)
        if meth == "split" and not node.args:
            self.error("PF111", "str.split() needs an explicit separator here", node,
                       help="write s.split(\" \"); whitespace splitting has no faithful translation")
            raise Unsupported
        return ir.Builtin("m_" + meth, (obj, *(self._expr(a.value) for a in node.args)))


TASK_OPTIONS = {"timeout", "heartbeat", "retry", "memory", "runtime", "resource", "name", "environment", "architecture"}


def _non_literal(value: Any) -> str | None:
    if isinstance(value, dict):
        if "__unknown__" in value:
            return str(value["__unknown__"])
        value = list(value.values())
    if isinstance(value, list):
        for v in value:
            found = _non_literal(v)
            if found is not None:
                return found
    return None


class _LazySpan:
    """A span computed only if a diagnostic is actually reported."""

    def __init__(self, module: SourceModule, node: cst.CSTNode) -> None:
        self.module, self.node = module, node

    def get(self) -> Span:
        return self.module.span(self.node)


def check_options(info: FunctionInfo, reporter: Reporter) -> None:
    """PF112 for decorator options pyflow would otherwise drop silently: non-literal values, unknown task options."""
    kind = info.kind or "task"
    for key, node in info.option_nodes.items():
        span = _LazySpan(info.module, node)
        if kind == "task" and key not in TASK_OPTIONS:
            reporter.error("PF112", f"@task has no option {key!r}", span.get(),
                           help="options: " + ", ".join(sorted(TASK_OPTIONS)))
            continue
        value = info.options.get(key)
        bad = _non_literal(value)
        if bad is not None:
            reporter.error("PF112", f"@{kind}({key}=) must be a literal; `{bad}` is not",
                           span.get(), help="the compiler reads options without running the module: write the value itself")
        elif kind == "task" and key in ("timeout", "heartbeat", "memory") and not (
                isinstance(value, int) and not isinstance(value, bool) and value > 0):
            reporter.error("PF112", f"@task({key}=) must be a positive whole number", span.get())
        elif kind == "task" and key in ("name", "resource", "runtime", "architecture") and not isinstance(value, str):
            reporter.error("PF112", f"@task({key}=) must be a string", span.get())
        elif key == "retry":
            for problem in retry_problems(value):
                reporter.error("PF112", problem, span.get(), help="see Step Functions' Retry fields; pyflow.Retry documents each")


_BINOPS = {
    "Add": "+", "Subtract": "-", "Multiply": "*", "Divide": "/", "FloorDivide": "//", "Modulo": "%", "Power": "**",
}
_CMPOPS = {
    "Equal": "==", "NotEqual": "!=", "LessThan": "<", "LessThanEqual": "<=", "GreaterThan": ">",
    "GreaterThanEqual": ">=", "In": "in", "NotIn": "notin", "Is": "is", "IsNot": "isnot",
}


def _root_name(node: cst.BaseExpression) -> str | None:
    while isinstance(node, cst.Attribute):
        node = node.value
    return node.value if isinstance(node, cst.Name) else None


def _is_dotted(node: cst.BaseExpression) -> bool:
    """``name`` or ``a.b.c``: something a qualified name can be trusted for."""
    while isinstance(node, cst.Attribute):
        node = node.value
    return isinstance(node, cst.Name)


def _is_json(value: Any) -> bool:
    if value is None or isinstance(value, (bool, int, float, str)):
        return not (isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))))
    if isinstance(value, (list, tuple)):
        return all(_is_json(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_json(v) for k, v in value.items())
    return False


def _jsonify(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_jsonify(v) for v in value]
    if isinstance(value, list):
        return [_jsonify(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonify(v) for k, v in value.items()}
    return value
