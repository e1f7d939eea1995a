"""Name and aliasing analyses of a function body, on the libcst tree, before lowering:
which names a body assigns, mentions, loads and reads, and which ``x[k] = v``
statements change an object another variable also reaches (Python shares the
object, compiled values are copies: ``shared_item_assignments``).
"""
from __future__ import annotations

from collections import Counter

import libcst as cst

from pyflow.frontend.subset import _children

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


def _assigned_names(body: cst.CSTNode | None) -> Counter:
    """How often each name is bound by a statement in ``body`` (assignments, loop
    targets, ``except ... as``), walking statements only: fast on large workflows."""
    counts: Counter = Counter()
    if body is None:
        return counts

    def target(t: cst.BaseExpression) -> None:
        if isinstance(t, cst.Name):
            counts[t.value] += 1
        elif isinstance(t, (cst.Tuple, cst.List)):
            for el in t.elements:
                target(el.value)

    stack: list[cst.CSTNode] = [body]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.SimpleStatementLine):
            for small in node.body:
                if isinstance(small, cst.Assign):
                    for t in small.targets:
                        target(t.target)
                elif isinstance(small, cst.AnnAssign):
                    if small.value is not None:
                        target(small.target)
                elif isinstance(small, cst.AugAssign):
                    target(small.target)
            continue
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)) and node is not body:
            continue
        if isinstance(node, cst.For):
            target(node.target)
        elif isinstance(node, cst.ExceptHandler) and node.name is not None:
            target(node.name.name)
        elif isinstance(node, cst.SimpleStatementSuite):
            stack.append(cst.SimpleStatementLine(body=node.body))
            continue
        for child in node.children:
            if isinstance(child, (cst.BaseStatement, cst.BaseSuite, cst.Else, cst.Finally, cst.ExceptHandler,
                                  cst.If)):
                stack.append(child)
    return counts


def _comprehension_targets(node: cst.CSTNode) -> set[str]:
    names: set[str] = set()
    comp = getattr(node, "for_in", None)
    while comp is not None:
        stack = [comp.target]
        while stack:
            t = stack.pop()
            if isinstance(t, cst.Name):
                names.add(t.value)
            elif isinstance(t, (cst.Tuple, cst.List)):
                stack.extend(el.value for el in t.elements)
        comp = comp.inner_for_in
    return names


def _mention_counts(body: cst.CSTNode) -> Counter:
    """How often each name of the function's scope appears in ``body``, read or
    written: a comprehension's or lambda's own variables are their scope's, not counted."""
    counts: Counter = Counter()
    scopes: list[set[str]] = []

    class V(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:  # noqa: N802
            if not any(node.value in scope for scope in scopes):
                counts[node.value] += 1

        def on_visit(self, node: cst.CSTNode) -> bool:
            if isinstance(node, (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)):
                scopes.append(_comprehension_targets(node))
            elif isinstance(node, cst.Lambda):
                scopes.append({p.name.value for p in node.params.params})
            return super().on_visit(node)

        def on_leave(self, original_node: cst.CSTNode) -> None:
            if isinstance(original_node, (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp, cst.Lambda)):
                scopes.pop()
            super().on_leave(original_node)

    body.visit(V())
    return counts


def _loaded_names(body: cst.CSTNode) -> set[str]:
    """Every name the block mentions (a superset of what it reads)."""
    names: set[str] = set()

    class V(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:  # noqa: N802
            names.add(node.value)

    body.visit(V())
    return names


def _read_names(body: cst.CSTNode) -> set[str]:
    names: set[str] = set()

    class V(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:  # noqa: N802
            names.add(node.value)

    body.visit(V())
    return names - set(_assigned_names(body))
