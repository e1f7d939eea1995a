"""The ``States.*`` intrinsic functions of JSONPath states, with a real parser.

Intrinsics appear as the value of a ``.$`` key: ``States.Format('{} of {}',
$.a, States.ArrayLength($.b))``.  Arguments are string literals (single-quoted,
backslash escapes ``\\'`` ``\\{`` ``\\}`` ``\\\\``), numbers, ``true``/``false``/
``null``, paths (``$.x``, ``$$.Execution.Id``, ``$var``) or nested calls.  An
expression is parsed once into a tree of closures; a function given the wrong
arguments fails the state with ``States.IntrinsicFailure``, as the service does.
"""
from __future__ import annotations

import base64
import hashlib
import json
import math
import random
import uuid as _uuid
from collections.abc import Callable
from typing import Any

from pyflow.local.errors import RUNTIME, StatesError
from pyflow.local.paths import PathError, Scope, compile_path

Evaluator = Callable[[Any, Scope], Any]


class IntrinsicSyntaxError(ValueError):
    """An intrinsic expression that cannot be parsed (a definition error)."""


class _Literal:
    """A string literal keeps its raw text too: ``States.Format`` reads ``\\{`` from it."""

    __slots__ = ("value", "raw")

    def __init__(self, value: str, raw: str) -> None:
        self.value = value
        self.raw = raw


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0

    def error(self, message: str) -> IntrinsicSyntaxError:
        return IntrinsicSyntaxError(f"{message} at offset {self.i} in intrinsic {self.text!r}")

    def skip(self) -> None:
        while self.i < len(self.text) and self.text[self.i] in " \t\r\n":
            self.i += 1

    def parse(self) -> tuple[Evaluator, Any]:
        self.skip()
        node = self.call()
        self.skip()
        if self.i != len(self.text):
            raise self.error("unexpected text after the call")
        return node

    def call(self) -> tuple[Evaluator, Any]:
        start = self.i
        while self.i < len(self.text) and (self.text[self.i].isalnum() or self.text[self.i] in "._"):
            self.i += 1
        name = self.text[start:self.i]
        if not name.startswith("States.") or name not in FUNCTIONS:
            self.i = start
            raise self.error(f"unknown intrinsic function {name!r}")
        self.skip()
        if self.i >= len(self.text) or self.text[self.i] != "(":
            raise self.error("expected '('")
        self.i += 1
        args: list[tuple[Evaluator, Any]] = []
        self.skip()
        if self.i < len(self.text) and self.text[self.i] == ")":
            self.i += 1
        else:
            while True:
                self.skip()
                args.append(self.argument())
                self.skip()
                if self.i >= len(self.text):
                    raise self.error("unclosed '('")
                ch = self.text[self.i]
                self.i += 1
                if ch == ")":
                    break
                if ch != ",":
                    raise self.error("expected ',' or ')'")
        fn = FUNCTIONS[name]
        _check_arity(name, len(args), self)
        evaluators = [a[0] for a in args]
        literals = [a[1] for a in args]

        def evaluate(data: Any, scope: Scope) -> Any:
            values = [e(data, scope) for e in evaluators]
            try:
                return fn(values, literals, scope)
            except StatesError:
                raise
            except Exception as exc:  # noqa: BLE001 - any failure inside is the function's
                # The service reports a failing intrinsic as States.Runtime (LocalStack's
                # AWS-recorded snapshots agree), not States.IntrinsicFailure.
                raise StatesError(RUNTIME, f"{name}: {exc}") from None

        return evaluate, None

    def argument(self) -> tuple[Evaluator, Any]:
        text = self.text
        if self.i >= len(text):
            raise self.error("expected an argument")
        ch = text[self.i]
        if ch == "'":
            return self.string()
        if ch == "$":
            return self.path()
        if text.startswith("States.", self.i):
            return self.call()
        for word, value in (("true", True), ("false", False), ("null", None)):
            if text.startswith(word, self.i):
                self.i += len(word)
                return (lambda d, s, v=value: v), value
        start = self.i
        while self.i < len(text) and (text[self.i].isdigit() or text[self.i] in "+-.eE"):
            self.i += 1
        number = text[start:self.i]
        if not number:
            raise self.error("expected an argument")
        try:
            value = float(number) if any(c in number for c in ".eE") else int(number)
        except ValueError:
            raise self.error(f"bad number {number!r}") from None
        return (lambda d, s, v=value: v), value

    def string(self) -> tuple[Evaluator, Any]:
        text = self.text
        self.i += 1
        start = self.i
        out: list[str] = []
        while True:
            if self.i >= len(text):
                raise self.error("unterminated string")
            ch = text[self.i]
            if ch == "\\" and self.i + 1 < len(text):
                out.append(text[self.i + 1])
                self.i += 2
                continue
            if ch == "'":
                raw = text[start:self.i]
                self.i += 1
                lit = _Literal("".join(out), raw)
                return (lambda d, s, v=lit.value: v), lit
            out.append(ch)
            self.i += 1

    def path(self) -> tuple[Evaluator, Any]:
        text = self.text
        start = self.i
        depth = 0
        quote = ""
        while self.i < len(text):
            ch = text[self.i]
            if quote:
                if ch == "\\":
                    self.i += 1
                elif ch == quote:
                    quote = ""
            elif ch in "'\"" and depth:
                quote = ch
            elif ch in "[(":
                depth += 1
            elif ch in "])":
                if depth == 0:
                    break
                depth -= 1
            elif ch == "," and depth == 0:
                break
            self.i += 1
        source = text[start:self.i].strip()
        try:
            path = compile_path(source)
        except PathError as exc:
            raise self.error(str(exc)) from None

        def read(data: Any, scope: Scope) -> Any:
            try:
                return path.resolve(data, scope)
            except PathError as exc:
                raise StatesError(RUNTIME, f"The JSONPath '{source}' could not be found: {exc}") from None

        return read, None


_ARITY: dict[str, tuple[int, int | None]] = {
    "States.Format": (1, None), "States.StringToJson": (1, 1), "States.JsonToString": (1, 1),
    "States.Array": (0, None), "States.ArrayPartition": (2, 2), "States.ArrayContains": (2, 2),
    "States.ArrayRange": (3, 3), "States.ArrayGetItem": (2, 2), "States.ArrayLength": (1, 1),
    "States.ArrayUnique": (1, 1), "States.Base64Encode": (1, 1), "States.Base64Decode": (1, 1),
    "States.Hash": (2, 2), "States.JsonMerge": (3, 3), "States.MathRandom": (2, 3),
    "States.MathAdd": (2, 2), "States.StringSplit": (2, 2), "States.UUID": (0, 0),
}


def _check_arity(name: str, count: int, parser: _Parser) -> None:
    low, high = _ARITY[name]
    if count < low or (high is not None and count > high):
        want = f"{low}" if low == high else f"{low}..{high if high is not None else 'n'}"
        raise parser.error(f"{name} takes {want} argument(s), got {count}")


# --------------------------------------------------------------------------- functions
def _is_int(v: Any) -> bool:
    return (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer())


def _need(cond: bool, message: str) -> None:
    if not cond:
        raise ValueError(message)


def _format_value(v: Any) -> str:
    """An argument as ``States.Format`` writes it: JSON scalars; objects and arrays as
    AWS (Java's ``toString``) does: ``{Arg1=1, Arg2=[]}``, ``[a, b]``, strings unquoted."""
    if isinstance(v, str):
        return v
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}={_format_value(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(_format_value(x) for x in v) + "]"
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False)


def _format(values: list[Any], literals: list[Any], scope: Scope) -> str:
    template = values[0]
    _need(isinstance(template, str), "the template must be a string")
    raw = literals[0].raw if isinstance(literals[0], _Literal) else template
    args = values[1:]
    out: list[str] = []
    i = 0
    used = 0
    while i < len(raw):
        ch = raw[i]
        if ch == "\\" and i + 1 < len(raw):
            out.append(raw[i + 1])
            i += 2
            continue
        if raw.startswith("{}", i):
            _need(used < len(args), "more {} placeholders than arguments")
            arg = args[used]
            out.append(_format_value(arg))
            used += 1
            i += 2
            continue
        out.append(ch)
        i += 1
    _need(used == len(args), "fewer {} placeholders than arguments")
    return "".join(out)


def _string_to_json(values: list[Any], literals: list[Any], scope: Scope) -> Any:
    _need(isinstance(values[0], str), "the argument must be a string")
    if not values[0].strip():
        return None  # AWS: an empty or blank string is JSON null
    return json.loads(values[0])


def _json_to_string(values: list[Any], literals: list[Any], scope: Scope) -> str:
    return json.dumps(values[0], separators=(",", ":"), ensure_ascii=False)


def _array(values: list[Any], literals: list[Any], scope: Scope) -> list[Any]:
    return list(values)


def _array_partition(values: list[Any], literals: list[Any], scope: Scope) -> list[Any]:
    arr, size = values
    _need(isinstance(arr, list), "the first argument must be an array")
    _need(_is_int(size) and size > 0, "the chunk size must be a positive integer")
    size = int(size)
    return [arr[i:i + size] for i in range(0, len(arr), size)]


def _array_contains(values: list[Any], literals: list[Any], scope: Scope) -> bool:
    arr, item = values
    _need(isinstance(arr, list), "the first argument must be an array")
    return any(_json_equal(x, item) for x in arr)


def _json_equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return a == b


def _array_range(values: list[Any], literals: list[Any], scope: Scope) -> list[int]:
    start, end, step = values
    _need(all(_is_int(v) for v in values), "start, end and step must be integers")
    start, end, step = int(start), int(end), int(step)
    _need(step > 0, "step must be a positive integer")
    out = list(range(start, end + (1 if step > 0 else -1), step))
    _need(len(out) <= 1000, "the range has more than 1000 items")
    return out


def _array_get_item(values: list[Any], literals: list[Any], scope: Scope) -> Any:
    arr, index = values
    _need(isinstance(arr, list), "the first argument must be an array")
    _need(_is_int(index) and 0 <= int(index) < len(arr), f"index {index!r} is out of range")
    return arr[int(index)]


def _array_length(values: list[Any], literals: list[Any], scope: Scope) -> int:
    _need(isinstance(values[0], list), "the argument must be an array")
    return len(values[0])


def _array_unique(values: list[Any], literals: list[Any], scope: Scope) -> list[Any]:
    arr = values[0]
    _need(isinstance(arr, list), "the argument must be an array")
    seen: set[str] = set()
    out = []
    for item in arr:
        key = json.dumps(item, sort_keys=True)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def _b64encode(values: list[Any], literals: list[Any], scope: Scope) -> str:
    _need(isinstance(values[0], str), "the argument must be a string")
    _need(len(values[0]) <= 10_000, "the input is longer than 10,000 characters")
    return base64.b64encode(values[0].encode("utf-8")).decode("ascii")


def _b64decode(values: list[Any], literals: list[Any], scope: Scope) -> str:
    _need(isinstance(values[0], str), "the argument must be a string")
    _need(len(values[0]) <= 10_000, "the input is longer than 10,000 characters")
    return base64.b64decode(values[0].encode("ascii"), validate=True).decode("utf-8")


_HASHES = {"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512"}


def _hash(values: list[Any], literals: list[Any], scope: Scope) -> str:
    data, algorithm = values
    _need(algorithm in _HASHES, f"unsupported algorithm {algorithm!r}; use one of {', '.join(_HASHES)}")
    text = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    _need(len(text) <= 10_000, "the input is longer than 10,000 characters")
    return hashlib.new(_HASHES[algorithm], text.encode("utf-8")).hexdigest()


def _json_merge(values: list[Any], literals: list[Any], scope: Scope) -> dict[str, Any]:
    a, b, deep = values
    _need(isinstance(a, dict) and isinstance(b, dict), "both arguments must be objects")
    _need(deep is False, "only shallow merging (false) is supported")
    merged = dict(a)
    merged.update(b)
    return merged


def _math_random(values: list[Any], literals: list[Any], scope: Scope) -> int:
    """A random integer from start to end, both included; non-integers are truncated."""
    _need(all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values), "start, end (and seed) must be numbers")
    start, end = int(values[0]), int(values[1])
    _need(start <= end, "start must not be greater than end")
    rng = random.Random(int(values[2])) if len(values) == 3 else getattr(scope, "rng", random)
    return rng.randint(start, end)


def _java_round(v: float) -> int:
    """Step Functions rounds non-integer MathAdd arguments as Java's ``Math.round``: halves up (-1.5 -> -1)."""
    return int(math.floor(v + 0.5))


def _math_add(values: list[Any], literals: list[Any], scope: Scope) -> int:
    _need(all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values), "arguments must be numbers")
    _need(all(math.isfinite(v) for v in values), "arguments must be finite")
    a, b = (v if isinstance(v, int) else _java_round(v) for v in values)
    return a + b


def _string_split(values: list[Any], literals: list[Any], scope: Scope) -> list[str]:
    text, delimiters = values
    _need(isinstance(text, str) and isinstance(delimiters, str), "both arguments must be strings")
    out: list[str] = []
    current: list[str] = []
    for ch in text:
        if ch in delimiters:
            if current:
                out.append("".join(current))
            current = []
        else:
            current.append(ch)
    if current:
        out.append("".join(current))
    return out


def _uuid4(values: list[Any], literals: list[Any], scope: Scope) -> str:
    rng = getattr(scope, "rng", None)
    if rng is None:
        return str(_uuid.uuid4())
    return str(_uuid.UUID(int=rng.getrandbits(128), version=4))


FUNCTIONS: dict[str, Callable[[list[Any], list[Any], Scope], Any]] = {
    "States.Format": _format,
    "States.StringToJson": _string_to_json,
    "States.JsonToString": _json_to_string,
    "States.Array": _array,
    "States.ArrayPartition": _array_partition,
    "States.ArrayContains": _array_contains,
    "States.ArrayRange": _array_range,
    "States.ArrayGetItem": _array_get_item,
    "States.ArrayLength": _array_length,
    "States.ArrayUnique": _array_unique,
    "States.Base64Encode": _b64encode,
    "States.Base64Decode": _b64decode,
    "States.Hash": _hash,
    "States.JsonMerge": _json_merge,
    "States.MathRandom": _math_random,
    "States.MathAdd": _math_add,
    "States.StringSplit": _string_split,
    "States.UUID": _uuid4,
}


def compile_intrinsic(text: str) -> Evaluator:
    """Parse an intrinsic call into a function of (data, scope); raises ``IntrinsicSyntaxError``."""
    evaluator, _ = _Parser(text).parse()
    return evaluator


def evaluate_intrinsic(text: str, data: Any, scope: Any = None) -> Any:
    """Parse and evaluate once (convenient in tests and the REPL)."""
    return compile_intrinsic(text)(data, scope)
