"""Source modules as the compiler sees them: parsed, indexed, never imported.

A ``SourceModule`` knows its decorated functions (by the qualified name of the
decorator, so ``import pyflow as pf`` and ``from pyflow import task as t`` both
work), its exception classes, its literal module-level constants, its imports
and its boto3 clients. ``ModuleLoader`` finds sibling modules that tasks are
imported from, caching each file once and reporting import cycles.
"""
from __future__ import annotations

import ast
import hashlib
import re
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider, QualifiedNameProvider

from pyflow.diagnostics import Reporter, Span

PYFLOW_NAMES = ("pyflow", "pyflow.api")
DECORATOR_KINDS = ("workflow", "task", "fragment")
import builtins as _builtins

BUILTIN_EXCEPTIONS = frozenset(
    name for name, value in vars(_builtins).items()
    if isinstance(value, type) and issubclass(value, BaseException)
)


@dataclass
class FunctionInfo:
    name: str
    node: cst.FunctionDef
    kind: str | None  # workflow / task / fragment / None
    options: dict[str, Any]
    option_nodes: dict[str, cst.BaseExpression]
    module: "SourceModule"


@dataclass
class SourceModule:
    path: Path
    name: str  # dotted name relative to root
    root: Path
    text: str
    wrapper: MetadataWrapper
    module: cst.Module
    positions: Any
    qualnames: Any
    functions: dict[str, FunctionInfo] = field(default_factory=dict)
    classes: dict[str, cst.ClassDef] = field(default_factory=dict)
    constants: dict[str, Any] = field(default_factory=dict)
    imports: dict[str, str] = field(default_factory=dict)  # local name -> qualified name
    clients: dict[str, str] = field(default_factory=dict)  # local name -> boto3 service
    activities: dict[str, str] = field(default_factory=dict)  # local name -> activity name
    display: str = ""  # the path as diagnostics show it (relative to the working directory)
    statement_spans: dict[int, Span] | None = None

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()

    def span(self, node: cst.CSTNode) -> Span:
        """The exact span of ``node`` (libcst's PositionProvider, resolved on first use:
        diagnostics need it, states only need ``statement_span``)."""
        if self.positions is None:
            try:
                self.positions = self.wrapper.resolve(PositionProvider)
            except (RecursionError, KeyError):  # nested too deeply for libcst's code generator (which may turn
                self.positions = {}                # the RecursionError into a KeyError): no exact spans
        try:
            rng = self.positions[node]
        except KeyError:
            return Span(self.display or str(self.path), 1, 1)
        if callable(rng):
            rng = rng()
        return Span(self.display or str(self.path), rng.start.line, rng.start.column + 1, rng.end.line, rng.end.column + 1)

    def statement_span(self, node: cst.CSTNode) -> Span | None:
        """The span of a statement from Python's own parser (cheap), or None."""
        if self.statement_spans is None:
            self.statement_spans = _statement_spans(self.module, self.text)
        return self.statement_spans.get(id(node))

    def name_span(self, node: cst.FunctionDef | cst.ClassDef) -> Span:
        """The span of a definition's name, from its statement's line (cheap) rather
        than libcst's positions, which cost a code generation of the whole module."""
        stmt = self.statement_span(node)
        if stmt is not None:
            line = self.lines[stmt.line - 1] if stmt.line <= len(self.lines) else ""
            match = re.compile(r"\b(?:def|class)\s+(" + re.escape(node.name.value) + r")\b").search(line)
            if match:
                return Span(stmt.path, stmt.line, match.start(1) + 1, stmt.line, match.end(1) + 1)
        return self.span(node.name)

    def qualified(self, node: cst.CSTNode) -> set[str]:
        """Qualified names of ``node``: libcst's ``QualifiedNameProvider`` for module-level
        code (decorators, imports, module constants), and for names inside function
        bodies the same resolution through the module's import table (running scope
        analysis over every body would dominate the compile time of large workflows)."""
        try:
            value = self.qualnames[node]
        except KeyError:
            return self._resolve_dotted(node)
        if not isinstance(value, (set, frozenset, list, tuple)):
            value = value()  # libcst may hand out lazy values
        return {q.name for q in value}

    def _resolve_dotted(self, node: cst.CSTNode) -> set[str]:
        parts: list[str] = []
        cur: cst.CSTNode = node
        while isinstance(cur, cst.Attribute):
            parts.append(cur.attr.value)
            cur = cur.value
        if not isinstance(cur, cst.Name):
            return set()
        parts.append(cur.value)
        parts.reverse()
        first, rest = parts[0], parts[1:]
        if first in self.imports:
            base = self.imports[first]
        elif first in self.functions or first in self.classes or first in self.constants or first in self.clients:
            base = f"{self.name}.{first}"
        elif first in _BUILTIN_NAMES:
            base = f"builtins.{first}"
        else:
            return set()
        return {".".join([base, *rest])}

    def pyflow_name(self, node: cst.CSTNode) -> str | None:
        """``"task"`` if ``node`` names ``pyflow.task`` (however imported), else None."""
        for q in self.qualified(node):
            for prefix in PYFLOW_NAMES:
                if q.startswith(prefix + "."):
                    rest = q[len(prefix) + 1 :]
                    if rest.startswith("api."):
                        rest = rest[4:]
                    return rest
        return None


_BUILTIN_NAMES = frozenset(vars(_builtins))


def _resolve(blame: Any) -> Span | None:
    """A blame span may be lazy (an object with ``get()``): exact positions cost a
    whole-module pass, so they are computed only when a diagnostic is reported."""
    return blame.get() if hasattr(blame, "get") else blame
_PASS_BODY = cst.IndentedBlock(body=[cst.SimpleStatementLine(body=[cst.Pass()])])


_COMPOUND = (cst.If, cst.While, cst.For, cst.With, cst.Try, cst.TryStar, cst.FunctionDef, cst.ClassDef, cst.Match)


def _statement_spans(module: cst.Module, text: str) -> dict[int, Span]:
    """Statement positions from ``ast`` (fast), matched to libcst's statements: both
    list the statements of a file in source order, one for one (a libcst line with
    several small statements matches as many ast statements)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {}
    ast_stmts: list[ast.stmt] = [n for n in ast.walk(tree) if isinstance(n, ast.stmt)]
    ast_stmts.sort(key=lambda n: (n.lineno, n.col_offset))
    cst_stmts: list[cst.CSTNode] = []

    def visit(node: cst.CSTNode) -> None:
        if isinstance(node, cst.SimpleStatementLine):
            cst_stmts.extend(node.body)
            return
        if isinstance(node, _COMPOUND):
            cst_stmts.append(node)
        for child in node.children:
            if isinstance(child, (cst.BaseStatement, cst.BaseSuite, cst.BaseSmallStatement, cst.Else, cst.Finally,
                                  cst.ExceptHandler, cst.ExceptStarHandler, cst.MatchCase)):
                visit(child)

    for stmt in module.body:
        visit(stmt)
    if len(cst_stmts) != len(ast_stmts):
        return {}
    path = ""
    out: dict[int, Span] = {}
    for c, a in zip(cst_stmts, ast_stmts):
        out[id(c)] = Span(path, a.lineno, a.col_offset + 1, a.end_lineno or a.lineno, (a.end_col_offset or 0) + 1)
    return out


def _skeleton(module: cst.Module) -> cst.Module:
    """The module with every function and class body replaced by ``pass``."""
    body = []
    for stmt in module.body:
        if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            stmt = stmt.with_changes(body=_PASS_BODY)
        body.append(stmt)
    return module.with_changes(body=body)


def display_path(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def literal(node: cst.BaseExpression) -> Any:
    """The value of a literal expression, or raise ValueError."""
    code = cst.Module([]).code_for_node(node)
    return ast.literal_eval(code)


def _decorator_kind(mod: SourceModule, dec: cst.Decorator) -> tuple[str | None, cst.Call | None]:
    expr = dec.decorator
    call = expr if isinstance(expr, cst.Call) else None
    target = call.func if call else expr
    name = mod.pyflow_name(target)
    if name in DECORATOR_KINDS:
        return name, call
    return None, None


def package_root(directory: Path) -> Path:
    """The directory to put on ``sys.path`` for a module in ``directory``: above every
    package around it, so ``shop/tasks.py`` is ``shop.tasks`` and its ``from .helpers
    import ...`` resolves, in the compiler as in Lambda (a bare ``tasks`` cannot import
    relatively)."""
    directory = directory.resolve()
    while (directory / "__init__.py").is_file() and directory.parent != directory:
        directory = directory.parent
    return directory


class ModuleLoader:
    """Parses each source file once; resolves imported names to their modules."""

    def __init__(self, reporter: Reporter) -> None:
        self.reporter = reporter
        self.cache: dict[Path, SourceModule | None] = {}
        self._loading: list[Path] = []
        # module files looked for and not found: creating one would change what an
        # import resolves to, so they are inputs of the compile as much as the files read
        self.absent: set[Path] = set()
        self.digests: dict[Path, str] = {}  # SHA-256 of each file as read

    def load(self, path: Path, root: Path | None = None, blame: Span | None = None) -> SourceModule | None:
        path = path.resolve()
        if path in self.cache:
            return self.cache[path]
        root = (root or package_root(path.parent)).resolve()
        try:
            raw = path.read_bytes()
            self.digests[path] = hashlib.sha256(raw).hexdigest()
        except OSError as exc:
            self.reporter.error("PF002", f"cannot read {display_path(path)}: {exc.strerror or exc}", _resolve(blame))
            self.cache[path] = None
            return None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line_start = raw.rfind(b"\n", 0, exc.start) + 1
            where = Span(display_path(path), raw.count(b"\n", 0, exc.start) + 1, exc.start - line_start + 1)
            self.reporter.error(
                "PF002", f"{display_path(path)} is not UTF-8 (byte {exc.start}: {raw[exc.start:exc.start+1]!r})",
                _resolve(blame) or where, help="save the file as UTF-8",
            )
            self.cache[path] = None
            return None
        try:
            module = cst.parse_module(text)
        except cst.ParserSyntaxError as exc:
            message, line, col = exc.message, exc.raw_line, exc.raw_column + 1
            try:  # libcst's native parser often points at column 1; CPython's parser knows where
                ast.parse(text)
            except SyntaxError as py_exc:
                if py_exc.lineno:
                    message, line, col = str(py_exc.msg), py_exc.lineno, max(1, py_exc.offset or 1)
            except (ValueError, RecursionError, MemoryError):
                pass
            self.reporter.error(
                "PF001", f"syntax error: {message}", Span(display_path(path), line, col),
                help="fix the syntax; the file must be valid Python",
            )
            self.cache[path] = None
            return None
        except (RecursionError, MemoryError):
            self.reporter.error("PF001", "the file is nested too deeply to parse", Span(display_path(path), 1, 1))
            self.cache[path] = None
            return None
        try:
            rel = path.relative_to(root).with_suffix("")
            dotted = ".".join(rel.parts)
        except ValueError:
            dotted = path.stem
        if dotted.endswith(".__init__"):
            dotted = dotted[: -len(".__init__")]
        try:
            wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
            positions = None  # resolved lazily by SourceModule.span
            # scope analysis on the module without its function bodies: same node objects
            # for decorators, imports and module-level values, a fraction of the cost
            skeleton = MetadataWrapper(_skeleton(wrapper.module), unsafe_skip_copy=True)
            qualnames = skeleton.resolve(QualifiedNameProvider)
        except RecursionError:
            self.reporter.error("PF001", "the file is nested too deeply to analyse", Span(display_path(path), 1, 1))
            self.cache[path] = None
            return None
        mod = SourceModule(path, dotted, root, text, wrapper, wrapper.module, positions, qualnames)
        mod.display = display_path(path)
        if mod.statement_spans is None:
            spans = _statement_spans(mod.module, text)
            mod.statement_spans = {k: Span(mod.display, v.line, v.col, v.end_line, v.end_col) for k, v in spans.items()}
        self.cache[path] = mod
        self._index(mod)
        return mod

    def _index(self, mod: SourceModule) -> None:
        for stmt in mod.module.body:
            if isinstance(stmt, cst.FunctionDef):
                self._index_function(mod, stmt)
            elif isinstance(stmt, cst.ClassDef):
                mod.classes[stmt.name.value] = stmt
            elif isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    self._index_small(mod, small)

    def _index_function(self, mod: SourceModule, node: cst.FunctionDef) -> None:
        kind: str | None = None
        options: dict[str, Any] = {}
        option_nodes: dict[str, cst.BaseExpression] = {}
        for dec in node.decorators:
            k, call = _decorator_kind(mod, dec)
            if k is None:
                continue
            kind = k
            if call is not None:
                for arg in call.args:
                    if arg.keyword is None:
                        self.reporter.error(
                            "PF112", f"@{k} takes keyword options only", mod.span(arg),
                            help=f"write @{k}(name=value, ...)",
                        )
                        continue
                    key = arg.keyword.value
                    option_nodes[key] = arg.value
                    try:
                        options[key] = literal(arg.value)
                    except (ValueError, SyntaxError, TypeError, RecursionError, MemoryError):
                        options[key] = _option_expr(mod, arg.value)
        mod.functions[node.name.value] = FunctionInfo(node.name.value, node, kind, options, option_nodes, mod)

    def _index_small(self, mod: SourceModule, small: cst.BaseSmallStatement) -> None:
        if isinstance(small, cst.ImportFrom):
            if isinstance(small.names, cst.ImportStar):
                return
            base = _dotted(small.module) if small.module else ""
            dots = "." * len(small.relative)
            for alias in small.names:
                local = alias.asname.name.value if alias.asname else _dotted(alias.name)
                assert isinstance(local, str)
                mod.imports[local] = f"{dots}{base}.{_dotted(alias.name)}" if base else f"{dots}{_dotted(alias.name)}"
        elif isinstance(small, cst.Import):
            for alias in small.names:
                full = _dotted(alias.name)
                local = alias.asname.name.value if alias.asname else full.split(".")[0]
                mod.imports[local] = full if alias.asname else full.split(".")[0]
        elif isinstance(small, cst.Assign) and len(small.targets) == 1:
            target = small.targets[0].target
            if isinstance(target, cst.Name):
                self._index_value(mod, target.value, small.value)
        elif isinstance(small, cst.AnnAssign) and small.value is not None and isinstance(small.target, cst.Name):
            self._index_value(mod, small.target.value, small.value)

    def _index_value(self, mod: SourceModule, name: str, value: cst.BaseExpression) -> None:
        service = boto3_client_service(mod, value)
        if service is not None:
            mod.clients[name] = service
            return
        if isinstance(value, cst.Call) and mod.pyflow_name(value.func) == "Activity" and value.args:
            try:
                mod.activities[name] = str(literal(value.args[0].value))
            except (ValueError, SyntaxError):
                pass
            return
        try:
            mod.constants[name] = literal(value)
        except (ValueError, SyntaxError, TypeError, RecursionError, MemoryError):
            pass

    def resolve_import(self, mod: SourceModule, qualified: str, blame: Span | None) -> tuple[SourceModule, str] | None:
        """``tasks.submit_job`` (as imported into ``mod``) to the module that defines it."""
        module_part, _, attr = qualified.rpartition(".")
        if not module_part:
            return None
        base = mod.path.parent
        if module_part.startswith("."):
            stripped = module_part.lstrip(".")
            ups = len(module_part) - len(stripped) - 1
            for _ in range(ups):
                base = base.parent
            module_part = stripped
        candidates = []
        rel = Path(*module_part.split(".")) if module_part else Path()
        for root in (base, mod.root):
            candidates.append(root / rel.with_suffix(".py") if module_part else None)
            candidates.append(root / rel / "__init__.py")
        for cand in candidates:
            if cand is not None and not cand.is_file():
                self.absent.add(cand.absolute())
            elif cand is not None:
                if cand.resolve() in self._loading:
                    self.reporter.error(
                        "PF004", f"circular import: {cand.name} imports back into a module being read", _resolve(blame),
                        help="move the shared tasks into a module that imports neither",
                    )
                    return None
                self._loading.append(cand.resolve())
                try:
                    loaded = self.load(cand, root=mod.root, blame=blame)
                finally:
                    self._loading.pop()
                if loaded is None:
                    return None
                return loaded, attr
        return None


    def resolve_function(self, mod: SourceModule, local: str, blame: Span | None) -> FunctionInfo | None:
        """The function ``local`` names in ``mod``, following ``from x import f`` re-exports (PF004 on a cycle)."""
        seen: set[tuple[Path, str]] = set()
        cur, name = mod, local
        while True:
            info = cur.functions.get(name)
            if info is not None or name not in cur.imports:
                return info
            if (cur.path, name) in seen:
                self.reporter.error(
                    "PF004", f"circular import: {local!r} is imported in a cycle and is never defined", _resolve(blame),
                    help="import each task from the module that defines it; task modules must not import each other in a cycle",
                )
                return None
            seen.add((cur.path, name))
            resolved = self.resolve_import(cur, cur.imports[name], blame)
            if resolved is None:
                return None
            cur, name = resolved


def _option_expr(mod: SourceModule, node: cst.BaseExpression) -> Any:
    """Non-literal decorator options the compiler still understands (Retry(...), lists of them)."""
    if isinstance(node, cst.Call) and mod.pyflow_name(node.func) == "Retry":
        out: dict[str, Any] = {"__retry__": True}
        for arg in node.args:
            key = arg.keyword.value if arg.keyword else "errors"
            if key == "errors" and isinstance(arg.value, (cst.List, cst.Tuple)):
                names = []
                for el in arg.value.elements:
                    names.append(_error_ref(mod, el.value))
                out[key] = names
            else:
                try:
                    out[key] = literal(arg.value)
                except (ValueError, SyntaxError, TypeError, RecursionError, MemoryError):
                    out[key] = None
                    out.setdefault("__unknown__", cst.Module([]).code_for_node(arg.value))
        return out
    if isinstance(node, (cst.List, cst.Tuple)):
        return [_option_expr(mod, el.value) for el in node.elements]
    return {"__unknown__": cst.Module([]).code_for_node(node)}


MAX_SECONDS = 99_999_999  # Step Functions' ceiling for every seconds field


def retry_problems(value: Any) -> list[str]:
    """What Step Functions would reject (or pyflow would drop) in a ``retry=`` value:
    each ``Retry(...)`` must hold literals within the retrier fields' ranges."""
    problems: list[str] = []
    for r in value if isinstance(value, list) else [value]:
        if not isinstance(r, dict) or not r.get("__retry__"):
            code = r.get("__unknown__") if isinstance(r, dict) else None
            problems.append(f"retry= takes Retry(...) or a list of them; `{code}` is not" if code
                            else "retry= takes Retry(...) or a list of them")
            continue
        if "__unknown__" in r:
            problems.append(f"Retry() arguments must be literals; `{r['__unknown__']}` is not")
        problems.extend(_retrier_field_problems(r))
    return problems


def _retrier_field_problems(r: dict[str, Any]) -> list[str]:
    def whole(v: Any) -> bool:
        return isinstance(v, int) and not isinstance(v, bool)

    out = []
    interval, attempts, rate = r.get("interval"), r.get("max_attempts"), r.get("backoff_rate")
    delay, jitter = r.get("max_delay"), r.get("jitter")
    if interval is not None and not (whole(interval) and 1 <= interval <= MAX_SECONDS):
        out.append(f"Retry(interval=) must be a whole number of seconds from 1 to {MAX_SECONDS:,}, not {interval!r}")
    if attempts is not None and not (whole(attempts) and 0 <= attempts <= MAX_SECONDS):
        out.append(f"Retry(max_attempts=) must be a whole number from 0 to {MAX_SECONDS:,}, not {attempts!r}")
    if rate is not None and not (isinstance(rate, (int, float)) and not isinstance(rate, bool) and rate >= 1.0):
        out.append(f"Retry(backoff_rate=) must be a number of at least 1.0, not {rate!r}")
    if delay is not None and not (whole(delay) and 1 <= delay <= MAX_SECONDS):
        out.append(f"Retry(max_delay=) must be a whole number of seconds from 1 to {MAX_SECONDS:,}, not {delay!r}")
    if jitter is not None and jitter not in ("FULL", "NONE"):
        out.append(f"Retry(jitter=) must be \"FULL\" or \"NONE\", not {jitter!r}")
    return out


def _error_ref(mod: SourceModule, node: cst.BaseExpression) -> str:
    """An exception class reference to its ASL error name."""
    if isinstance(node, cst.SimpleString):
        try:
            return str(literal(node))
        except ValueError:
            return "States.ALL"
    for q in mod.qualified(node):
        if q.startswith("pyflow.errors."):
            name = q.rsplit(".", 1)[1]
            return "pyflow.MissingInput" if name == "MissingInput" else f"States.{name}"
        if q in ("builtins.Exception", "builtins.BaseException"):
            return "States.ALL"
    code = cst.Module([]).code_for_node(node)
    return code.rsplit(".", 1)[-1]


def error_ref(mod: SourceModule, node: cst.BaseExpression) -> str:
    return _error_ref(mod, node)


def boto3_client_service(mod: SourceModule, value: cst.BaseExpression) -> str | None:
    """``boto3.client("dynamodb")`` -> ``"dynamodb"``."""
    if not isinstance(value, cst.Call) or not value.args:
        return None
    if "boto3.client" not in mod.qualified(value.func) and "boto3.session.Session.client" not in mod.qualified(value.func):
        return None
    first = value.args[0].value
    if isinstance(first, cst.SimpleString):
        try:
            return str(literal(first))
        except ValueError:
            return None
    return None


def _dotted(node: cst.BaseExpression | cst.Attribute | cst.Name) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return cst.Module([]).code_for_node(node)
