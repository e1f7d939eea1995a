"""JSONata in Step Functions: ``{% %}`` templates evaluated with jsonata-python.

A JSONata-mode field (``Arguments``, ``Output``, ``Assign``, ``Condition``,
``Items``, ``ItemSelector``, ``Seconds``, ``Timestamp``, ``TimeoutSeconds`` ...)
is either a ``"{% expr %}"`` string or a JSON value whose strings may be such
templates.  Each expression is parsed once per definition.  At evaluation the
reserved variable ``$states`` (``input``, ``result``, ``errorOutput``,
``context``) and the workflow Variables are bound, plus the functions Step
Functions adds: ``$partition $range $hash $random $uuid $parse``.

Faithfulness notes: an expression that is *undefined* (a missing field) fails
with ``States.QueryEvaluationError`` instead of silently producing nothing, and
numbers that JSONata computed as whole doubles come out as integers, as the
service (a JavaScript/Java engine) prints them; ``%`` is the remainder of the
doubles (see ``javascript_numeric``).
"""
from __future__ import annotations

import hashlib
import json
import math
import random
import re
import uuid as _uuid
from collections.abc import Callable, Mapping
from typing import Any

import jsonata
from jsonata.utils import Utils

from pyflow.local.errors import QUERY_ERROR, StatesError

NULL = Utils.NULL_VALUE
_NAME = re.compile(r"\$([^\W\d]\w*)")
_UNDEFINED = object()

Evaluator = Callable[[Mapping[str, Any], Mapping[str, Any]], Any]


class JsonataSyntaxError(ValueError):
    """A ``{% %}`` expression that does not parse (a definition error)."""


def is_template(value: Any) -> bool:
    """Whether a string is a JSONata template ``{% ... %}``."""
    return isinstance(value, str) and value.startswith("{%") and value.endswith("%}") and len(value) >= 4


def _to_json(value: Any) -> Any:
    """jsonata-python's values to plain JSON values (JList to list, NULL to None, 2.0 to 2)."""
    if value is NULL:
        return None
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 2**53:
            return int(value)
        return value
    if isinstance(value, dict):
        return {k: _to_json(v) for k, v in value.items() if v is not None or k is None}
    if isinstance(value, list):
        return [_to_json(v) for v in value if v is not None]
    if callable(value):
        raise StatesError(QUERY_ERROR, "a JSONata expression returned a function, which is not a JSON value")
    return value


def _with_nulls(value: Any) -> Any:
    """A JSON value as jsonata-python reads it: JSON null is ``NULL``, since a Python
    ``None`` means *undefined* there (and would vanish from objects and arrays).
    Returns ``value`` itself, not a copy, when it holds no null."""
    if value is None:
        return NULL
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return value
    out: Any = None
    for key, item in items:
        converted = _with_nulls(item)
        if converted is not item:
            if out is None:
                out = type(value)(value)
            out[key] = converted
    return value if out is None else out


class _NullsCache:
    """``_with_nulls`` of the values bound most recently, by identity: the runner never
    changes a value in place, and a workflow's input, variables and results are bound
    again and again, state after state, so each is converted once."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self.entries: dict[int, tuple[Any, Any]] = {}

    def get(self, value: Any) -> Any:
        if not isinstance(value, (dict, list)):
            return NULL if value is None else value
        entry = self.entries.get(id(value))
        if entry is not None and entry[0] is value:
            return entry[1]
        converted = _with_nulls(value)
        if len(self.entries) >= self.size:
            self.entries.clear()
        self.entries[id(value)] = (value, converted)  # holding value keeps its id from being reused
        return converted



# --------------------------------------------------------------------------- Step Functions' functions
class _Functions:
    """The functions Step Functions adds to JSONata; ``rng`` makes them deterministic."""

    def __init__(self, rng: random.Random | None) -> None:
        self.rng = rng or random.Random()
        self._bound: dict[str, Any] | None = None
        self.values = _NullsCache()  # per run, so nothing outlives the execution

    def bound(self) -> dict[str, Any]:
        """The functions wrapped for a JSONata frame (built once per run)."""
        if self._bound is None:
            self._bound = {
                "partition": jsonata.Jsonata.JLambda(self.partition),
                "range": jsonata.Jsonata.JLambda(self.range),
                "hash": jsonata.Jsonata.JLambda(self.hash),
                "random": jsonata.Jsonata.JLambda(self.random),
                "uuid": jsonata.Jsonata.JLambda(self.uuid),
                "parse": jsonata.Jsonata.JLambda(self.parse),
                "eval": jsonata.Jsonata.JLambda(self.no_eval),
            }
        return self._bound

    def no_eval(self, *args: Any) -> Any:
        raise ValueError("$eval is not available in Step Functions; use $parse")

    def partition(self, array: Any, size: Any) -> Any:
        if not isinstance(array, list) or not isinstance(size, (int, float)) or size < 1 or int(size) != size:
            raise ValueError("$partition(array, size) needs an array and a positive integer size")
        n = int(size)
        return [list(array[i:i + n]) for i in range(0, len(array), n)]

    def range(self, start: Any, end: Any, step: Any) -> Any:
        values = (start, end, step)
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and float(v).is_integer() for v in values):
            raise ValueError("$range(start, end, step) needs integers")
        s, e, st = (int(v) for v in values)
        if st == 0:
            raise ValueError("$range step must not be 0")
        out = list(range(s, e + (1 if st > 0 else -1), st))
        if len(out) > 1000:
            raise ValueError("$range produces more than 1000 items")
        return out

    def hash(self, value: Any, algorithm: Any = "SHA-256") -> Any:
        names = {"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512"}
        if algorithm not in names:
            raise ValueError(f"$hash: unsupported algorithm {algorithm!r}")
        text = value if isinstance(value, str) else json.dumps(_to_json(value), separators=(",", ":"))
        return hashlib.new(names[algorithm], text.encode("utf-8")).hexdigest()

    def random(self, seed: Any = None) -> Any:
        if seed is not None and seed is not NULL:
            return random.Random(seed).random()
        return self.rng.random()

    def uuid(self) -> Any:
        return str(_uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def parse(self, text: Any) -> Any:
        if not isinstance(text, str):
            raise ValueError("$parse needs a string")
        return _with_nulls(json.loads(text))


_NUMERIC = jsonata.Jsonata.evaluate_numeric_expression


def javascript_numeric(self: jsonata.Jsonata, lhs: Any, rhs: Any, op: Any) -> Any:
    """jsonata-python's arithmetic, with ``%`` as JSONata computes it: the remainder of the two
    doubles (JavaScript's ``%``, C's ``fmod``: exact, with the dividend's sign; jsonata-java's
    ``%`` too). jsonata-python truncates it to an int (``7.5 % 2`` is 1 there, 1.5 in JSONata),
    and pyflow's float ``//`` and ``%`` are built on fmod. A divisor of zero is left to
    jsonata-python, which fails the expression."""
    if op == "%" and Utils.is_numeric(lhs) and Utils.is_numeric(rhs) and rhs != 0:
        return Utils.convert_number(math.fmod(float(lhs), float(rhs)))
    return _NUMERIC(self, lhs, rhs, op)


def use_javascript_remainder() -> None:
    """Give jsonata-python JSONata's ``%`` (``javascript_numeric``), for the whole process: it
    evaluates every expression of a thread on a copy of the first ``Jsonata`` that thread
    evaluated (its per-thread instance), so a subclass would not be used reliably."""
    jsonata.Jsonata.evaluate_numeric_expression = javascript_numeric


use_javascript_remainder()


class Expression:
    """One parsed JSONata expression."""

    __slots__ = ("source", "_expr", "_names")

    def __init__(self, source: str) -> None:
        self.source = source
        try:
            self._expr = jsonata.Jsonata(source)
        except Exception as exc:  # noqa: BLE001 - jsonata raises JException and others
            raise JsonataSyntaxError(f"invalid JSONata {source!r}: {exc}") from None
        self._expr.set_output_convert_nulls(False)
        # The names the expression can read: binding only those (not every Variable of
        # the workflow) keeps an evaluation's cost independent of the workflow's size.
        # A name inside a string literal is bound needlessly, which is harmless.
        self._names = frozenset(_NAME.findall(source))

    def evaluate(self, states: Mapping[str, Any], variables: Mapping[str, Any], functions: _Functions) -> Any:
        expr = self._expr
        frame = expr.create_frame()
        bound = functions.bound()
        values = functions.values
        for name in self._names:
            if name == "states":
                frame.bind("states", {key: values.get(value) for key, value in states.items()})
            elif name in variables:
                frame.bind(name, values.get(variables[name]))
            elif name in bound:
                frame.bind(name, bound[name])
        try:
            result = expr.evaluate(None, frame)
        except StatesError:
            raise
        except Exception as exc:  # noqa: BLE001 - every evaluation failure is a query error
            raise StatesError(QUERY_ERROR, f"An error occurred while evaluating the expression '{self.source}': {exc}") from None
        if result is None:
            raise StatesError(
                QUERY_ERROR,
                f"The JSONata expression '{self.source}' returned nothing (undefined).",
            )
        return _to_json(result)


_CACHE: dict[str, Expression] = {}


def compile_expression(source: str) -> Expression:
    """Parse (and cache) the body of a ``{% %}`` template."""
    expr = _CACHE.get(source)
    if expr is None:
        expr = Expression(source)
        if len(_CACHE) < 10_000:
            _CACHE[source] = expr
    return expr


class Env:
    """What a JSONata field is evaluated against."""

    __slots__ = ("states", "variables", "functions")

    def __init__(self, states: Mapping[str, Any], variables: Mapping[str, Any], functions: _Functions) -> None:
        self.states = states
        self.variables = variables
        self.functions = functions


FieldEvaluator = Callable[[Env], Any]


class Constant:
    """A field without templates: its value, whatever the environment (the runner
    skips building an environment for states whose fields are all constant)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __call__(self, env: Env | None) -> Any:
        return self.value


def compile_field(value: Any) -> FieldEvaluator:
    """Compile a JSONata-mode field: templates anywhere in the JSON value are evaluated."""
    built = _build(value)
    if built is None:
        return Constant(value)
    return built


def _build(value: Any) -> FieldEvaluator | None:
    if is_template(value):
        expr = compile_expression(value[2:-2].strip())
        return lambda env: expr.evaluate(env.states, env.variables, env.functions)
    if isinstance(value, dict):
        parts = [(k, _build(v), v) for k, v in value.items()]
        if all(fn is None for _, fn, _ in parts):
            return None
        return lambda env: {k: (fn(env) if fn is not None else v) for k, fn, v in parts}
    if isinstance(value, list):
        items = [(_build(v), v) for v in value]
        if all(fn is None for fn, _ in items):
            return None
        return lambda env: [fn(env) if fn is not None else v for fn, v in items]
    return None


def make_functions(rng: random.Random | None = None) -> _Functions:
    """The Step Functions JSONata functions bound to a run's random generator."""
    return _Functions(rng)
