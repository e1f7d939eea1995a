"""The Lambda entry point of every task, and the checked call natives use too.

Binding is the contract between the compiler and the runtime: the compiler sends
``{"<param>": value, ...}`` built from the task's signature; here the event's
fields are bound back to those parameters and checked with typeguard.
"""
from __future__ import annotations

import contextlib
import importlib
import inspect
import os
import weakref
from collections.abc import Callable, Mapping
from typing import Any

from typeguard import TypeCheckError, check_type


def _check(value: Any, annotation: Any, what: str) -> None:
    if annotation is inspect.Parameter.empty:
        return
    try:
        check_type(value, annotation)
    except TypeCheckError as exc:
        raise TypeError(f"{what}: {exc}") from None


def call_checked(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Any:
    """Call ``fn`` checking its annotated parameters and return value."""
    sig = _signature(fn)
    try:
        bound = sig.bind(*args, **kwargs)
    except TypeError as exc:
        raise TypeError(f"{fn.__name__}(): {exc}") from None
    hints = _hints(fn)
    for name, value in bound.arguments.items():
        _check(value, hints.get(name, inspect.Parameter.empty), f"argument {name!r} of {fn.__name__}()")
    result = fn(*bound.args, **bound.kwargs)
    _check(result, hints.get("return", inspect.Parameter.empty), f"return value of {fn.__name__}()")
    return result


# A task is called many times (a loop, a Map, warm Lambda invocations): its signature
# and resolved hints are computed once. Hints that do not resolve yet are not cached,
# so a forward reference defined later in the module is checked once it exists.
_signatures: "weakref.WeakKeyDictionary[Any, inspect.Signature]" = weakref.WeakKeyDictionary()
_resolved_hints: "weakref.WeakKeyDictionary[Any, dict[str, Any]]" = weakref.WeakKeyDictionary()


def _signature(fn: Callable[..., Any]) -> inspect.Signature:
    try:
        return _signatures[fn]
    except (KeyError, TypeError):
        sig = inspect.signature(fn)
        with contextlib.suppress(TypeError):
            _signatures[fn] = sig
        return sig


def _hints(fn: Callable[..., Any]) -> dict[str, Any]:
    try:
        return _resolved_hints[fn]
    except (KeyError, TypeError):
        pass
    try:
        import typing

        hints = typing.get_type_hints(fn)
    except Exception:  # noqa: BLE001 - unresolvable hints are not checked
        return {}
    with contextlib.suppress(TypeError):
        _resolved_hints[fn] = hints
    return hints


def invoke(fn: Callable[..., Any], event: Any) -> Any:
    """Bind a Lambda-shaped event (``{"<param>": value}``) to ``fn`` and call it checked."""
    target = getattr(fn, "fn", fn)
    if not isinstance(event, Mapping):
        raise TypeError(f"{target.__name__}() expects a JSON object payload, got {type(event).__name__}")
    params = inspect.signature(target).parameters
    unknown = [k for k in event if k not in params]
    if unknown and not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        raise TypeError(f"{target.__name__}() got unexpected fields {sorted(unknown)}")
    return call_checked(target, (), dict(event))


def resolve(ref: str) -> Callable[..., Any]:
    """``"module:function"`` to the function object."""
    module_name, _, attr = ref.partition(":")
    obj: Any = importlib.import_module(module_name)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def handler(event: Any, context: Any = None) -> Any:
    """Lambda entry point: ``PYFLOW_TASK=module:function`` names the task to run."""
    ref = os.environ.get("PYFLOW_TASK")
    if not ref:
        raise RuntimeError("PYFLOW_TASK is not set: it must name the task as module:function")
    return invoke(resolve(ref), event)
