"""JSONPath in Step Functions: reference paths, payload templates, ResultPath.

Step Functions reads paths in three roots: the state data (``$``), the Context
object (``$$``) and, since Variables, a workflow variable (``$name``).  Most paths
in real definitions are *reference paths* (``$.a.b[0]``): those are compiled here
into a tuple of keys walked directly, which is both faithful (a missing key is an
error, never ``null``) and an order of magnitude faster than a general JSONPath
engine.  Paths with wildcards, filters, slices, unions or ``..`` are handed to
jsonpath-ng (its ``ext`` parser, which knows filters) and, like Jayway's
indefinite paths in the service, always yield a list.

Templates (``Parameters``, ``ResultSelector``, ``ItemSelector`` and JSONPath
``Assign``) are compiled once per state into closures; static sub-trees are
returned as-is (the engine never mutates values in place, so sharing is safe).
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from pyflow.local.errors import RESULT_PATH, RUNTIME, StatesError


class PathError(Exception):
    """A path selected nothing (or could not be parsed); callers pick the ASL error."""


class Scope(Protocol):
    """What a path or template may read besides the state data."""

    @property
    def context(self) -> Any: ...

    @property
    def variables(self) -> Mapping[str, Any]: ...


_MISSING = object()
_VAR_RE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_NAME_CHARS = re.compile(r"[^.\[\]]+")
_INDEX = re.compile(r"\[(-?\d+)\]")
_QUOTED = re.compile(r"""\[\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*\]""")


def parse_reference(rest: str) -> tuple[str | int, ...] | None:
    """Split the part after the root into keys, or ``None`` if it is not a reference path."""
    keys: list[str | int] = []
    i = 0
    n = len(rest)
    while i < n:
        ch = rest[i]
        if ch == ".":
            if rest.startswith("..", i):
                return None
            m = _NAME_CHARS.match(rest, i + 1)
            if not m:
                return None
            name = m.group(0)
            if name == "*" or "(" in name or "*" in name:
                return None
            keys.append(name)
            i = m.end()
        elif ch == "[":
            m = _INDEX.match(rest, i)
            if m:
                keys.append(int(m.group(1)))
                i = m.end()
                continue
            m = _QUOTED.match(rest, i)
            if m:
                # only the quote's own escape is one (Jayway, as AWS: a backslash before
                # anything else, even the other quote, is the key's own character)
                if m.group(1) is not None:
                    keys.append(m.group(1).replace("\\'", "'"))
                else:
                    keys.append(m.group(2).replace('\\"', '"'))
                i = m.end()
                continue
            return None
        else:
            return None
    return tuple(keys)


def _walk(value: Any, keys: tuple[str | int, ...]) -> Any:
    for key in keys:
        if isinstance(key, int):
            if isinstance(value, list) and -len(value) <= key < len(value):
                value = value[key]
                continue
            return _MISSING
        if isinstance(value, dict):
            value = value.get(key, _MISSING)
            if value is _MISSING:
                return _MISSING
            continue
        return _MISSING
    return value


class Path:
    """A compiled JSONPath: ``resolve(data, scope)`` returns the selected value.

    Raises ``PathError`` when a reference path selects nothing.
    """

    __slots__ = ("source", "root", "var", "keys", "_general")

    def __init__(self, source: str) -> None:
        if not isinstance(source, str) or not source.startswith("$"):
            raise PathError(f"a path must start with '$': {source!r}")
        self.source = source
        self.var: str | None = None
        self._general: Any = None
        if source.startswith("$$"):
            self.root = "context"
            rest = source[2:]
        else:
            m = _VAR_RE.match(source)
            if m:
                self.root = "variable"
                self.var = m.group(1)
                rest = source[m.end():]
            else:
                self.root = "data"
                rest = source[1:]
        keys = parse_reference(rest)
        self.keys = keys
        if keys is None:
            self._general = _compile_general("$" + rest, source)

    @property
    def is_reference(self) -> bool:
        """Whether this path names one node (no wildcard, filter, slice or union)."""
        return self.keys is not None

    def root_value(self, data: Any, scope: Scope | None) -> Any:
        if self.root == "data":
            return data
        if scope is None:
            raise PathError(f"{self.source}: no context here")
        if self.root == "context":
            return scope.context
        variables = scope.variables
        if self.var not in variables:
            raise PathError(f"variable ${self.var} is not defined")
        return variables[self.var]

    def resolve(self, data: Any, scope: Scope | None = None) -> Any:
        root = self.root_value(data, scope)
        if self.keys is not None:
            value = _walk(root, self.keys) if self.keys else root
            if value is _MISSING:
                raise PathError(f"path {self.source} selected nothing")
            return value
        try:
            return [m.value for m in self._general.find(root)]
        except Exception as exc:  # noqa: BLE001 - jsonpath-ng raises assorted errors on odd data
            raise PathError(f"path {self.source} could not be evaluated: {exc}") from None

    def exists(self, data: Any, scope: Scope | None = None) -> bool:
        """``IsPresent``: whether the path selects something."""
        try:
            value = self.resolve(data, scope)
        except PathError:
            return False
        if self.keys is None:
            return bool(value)
        return True


def _compile_general(expr: str, source: str) -> Any:
    try:
        from jsonpath_ng.ext import parse  # local: only odd paths pay for the import
    except ImportError as exc:  # pragma: no cover - declared dependency
        raise PathError(f"{source}: jsonpath-ng is needed for this path") from exc
    try:
        return parse(expr)
    except Exception as exc:  # noqa: BLE001 - parser errors vary by version
        raise PathError(f"invalid JSONPath {source!r}: {exc}") from None


_CACHE: dict[str, Path] = {}


def compile_path(source: str) -> Path:
    """Compile (and cache) a path; raises ``PathError`` if it is malformed."""
    path = _CACHE.get(source)
    if path is None:
        path = Path(source)
        if len(_CACHE) < 10_000:
            _CACHE[source] = path
    return path


def dumps(value: Any) -> str:
    """Compact JSON, as Step Functions writes payloads into history and causes."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


# --------------------------------------------------------------------------- InputPath/OutputPath
def select(path: str | None, data: Any, scope: Scope, field: str) -> Any:
    """Apply ``InputPath``/``OutputPath``/``ItemsPath``: ``None`` (JSON null) gives ``{}``."""
    if path is None:
        return {}
    try:
        compiled = compile_path(path)
        return compiled.resolve(data, scope)
    except PathError:
        raise StatesError(RUNTIME, f"Invalid path '{path}' : {_missing(compiled, data, field)}") from None


def _bracketed(keys: tuple[str | int, ...]) -> str:
    return "$" + "".join(f"[{k}]" if isinstance(k, int) else f"['{k}']" for k in keys)


def _missing(path: Path, data: Any, field: str) -> str:
    """Why a reference path selected nothing, as AWS words it.

    A missing last step: ``No results for path: $['a']['b']``; a missing step on
    the way: ``Missing property in path $['a']`` (up to that step).
    """
    if path.keys and path.root == "data":
        value = data
        for i, key in enumerate(path.keys):
            value = _walk(value, (key,))
            if value is _MISSING:
                if i == len(path.keys) - 1:
                    return f"No results for path: {_bracketed(path.keys)}"
                return f"Missing property in path {_bracketed(path.keys[:i + 1])}"
    return f"No results for path: {field} '{path.source}' could not be found in the input '{_short(data)}'"


def _short(data: Any) -> str:
    text = dumps(data)
    return text if len(text) <= 1000 else text[:1000] + "..."


# --------------------------------------------------------------------------- ResultPath
def apply_result_path(result_path: str | None, state_input: Any, result: Any, has_field: bool) -> Any:
    """Combine a state's input and result as ``ResultPath`` says.

    ``$`` (the default) keeps the result; ``null`` keeps the input; ``$.a.b`` copies
    the input along that path only (no deep copy) and sets the result there,
    creating missing objects, failing with ``States.ResultPathMatchFailure`` where
    the input holds a non-object on the way.
    """
    if not has_field or result_path == "$":
        return result
    if result_path is None:
        return state_input
    compiled = compile_path(result_path)
    if compiled.root != "data" or compiled.keys is None:
        raise StatesError(RESULT_PATH, f"ResultPath {result_path!r} is not a reference path")
    if not compiled.keys:
        return result
    return _set(state_input, compiled.keys, result, result_path)


def _set(node: Any, keys: tuple[str | int, ...], value: Any, source: str) -> Any:
    key = keys[0]
    rest = keys[1:]
    if isinstance(key, int):
        if not isinstance(node, list) or not 0 <= key < len(node):
            raise StatesError(RESULT_PATH, f"Unable to apply ResultPath \"{source}\" to input {_short(node)}")
        copy = list(node)
        copy[key] = _set(copy[key], rest, value, source) if rest else value
        return copy
    if not isinstance(node, dict):
        raise StatesError(
            RESULT_PATH, f"Unable to apply ResultPath \"{source}\" to input {_short(node)}"
        )
    copy = dict(node)
    if rest:
        child = copy.get(key, _MISSING)
        copy[key] = _set({} if child is _MISSING else child, rest, value, source)
    else:
        copy[key] = value
    return copy


# --------------------------------------------------------------------------- templates
Template = Callable[[Any, Scope], Any]


def compile_template(template: Any, field: str = "Parameters") -> Template:
    """Compile a payload template (``Parameters`` and friends) to a function of (data, scope).

    Keys ending in ``.$`` take a path or an intrinsic function call; everything else
    is copied.  A path that selects nothing fails the state with ``States.Runtime``,
    as the service does.
    """
    built = _build(template, field)
    if built is None:
        return lambda data, scope, _t=template: _t
    return built


def _build(node: Any, field: str) -> Template | None:
    """A closure for ``node``, or ``None`` if it is static."""
    if isinstance(node, dict):
        parts: list[tuple[str, Template | None, Any]] = []
        dynamic = False
        for key, value in node.items():
            if key.endswith(".$"):
                fn = _dynamic_value(key, value, field)
                parts.append((key[:-2], fn, None))
                dynamic = True
            else:
                sub = _build(value, field)
                parts.append((key, sub, value))
                dynamic = dynamic or sub is not None
        if not dynamic:
            return None

        def build_dict(data: Any, scope: Scope) -> Any:
            out: dict[str, Any] = {}
            for key, fn, static in parts:
                out[key] = fn(data, scope) if fn is not None else static
            return out

        return build_dict
    if isinstance(node, list):
        items = [(_build(v, field), v) for v in node]
        if all(fn is None for fn, _ in items):
            return None

        def build_list(data: Any, scope: Scope) -> Any:
            return [fn(data, scope) if fn is not None else v for fn, v in items]

        return build_list
    return None


def _dynamic_value(key: str, expr: Any, field: str) -> Template:
    if not isinstance(expr, str):
        raise PathError(f"{field}: the value of {key!r} must be a path or an intrinsic function string")
    if expr.startswith("States."):
        from pyflow.local.intrinsics import compile_intrinsic  # local: avoids a cycle

        return compile_intrinsic(expr)
    path = compile_path(expr)

    def read(data: Any, scope: Scope) -> Any:
        try:
            return path.resolve(data, scope)
        except PathError:
            # AWS names the state's input even for a $$ path
            where = "variables" if path.root == "variable" else "input"
            raise StatesError(
                RUNTIME,
                f"The JSONPath '{expr}' specified for the field '{key}' could not be found in the {where} '{_short(data if path.root != 'variable' else None)}'",
            ) from None

    return read
