"""A definition compiled once into objects the engine walks quickly.

Every path, template, intrinsic, Choice rule and JSONata expression of a state
is compiled here, ahead of the run, so that executing a transition is a few
attribute reads and closure calls.  A definition that reached this module has
passed ``validate``; anything that still fails to compile is reported as a
``DefinitionError`` too.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pyflow.local import jsonata_eval as ata
from pyflow.local.choice import Predicate, compile_rule
from pyflow.local.errors import QUERY_ERROR, DefinitionError, StatesError
from pyflow.local.integrations import ResourceInfo, parse_resource
from pyflow.local.paths import Template, compile_path, compile_template

JSONPATH = "JSONPath"
JSONATA = "JSONata"
_UNSET = object()


@dataclass
class Retrier:
    errors: list[str]
    interval: float = 1.0
    max_attempts: int = 3
    backoff: float = 2.0
    max_delay: float | None = None
    jitter: str = "NONE"


@dataclass
class Catcher:
    errors: list[str]
    next: str
    result_path: Any = "$"  # JSONPath: "$", a path, or None (JSON null)
    has_result_path: bool = False
    output: ata.FieldEvaluator | None = None  # JSONata
    assign: Any = None  # JSONPath template or JSONata evaluator


@dataclass
class ChoiceRule:
    next: str
    predicate: Predicate | None = None  # JSONPath
    condition: ata.FieldEvaluator | None = None  # JSONata
    assign: Any = None
    output: ata.FieldEvaluator | None = None


@dataclass
class State:
    """One compiled state; which fields are set depends on its type and query language."""

    name: str
    type: str
    ql: str
    raw: dict[str, Any]
    next: str | None = None
    end: bool = False
    needs_context: bool = False
    # JSONPath fields
    input_path: Any = "$"
    output_path: Any = "$"
    result_path: Any = "$"
    has_result_path: bool = False
    parameters: Template | None = None
    result_selector: Template | None = None
    assign: Any = None
    # JSONata fields
    arguments: ata.FieldEvaluator | None = None
    output: ata.FieldEvaluator | None = None
    # shared
    retriers: list[Retrier] = field(default_factory=list)
    catchers: list[Catcher] = field(default_factory=list)
    # type specific
    resource: ResourceInfo | None = None
    timeout: Any = None  # number, path (JSONPath) or evaluator (JSONata)
    heartbeat: Any = None
    result: Any = _UNSET  # Pass
    wait: tuple[str, Any] | None = None  # Wait: (kind, value)
    rules: list[ChoiceRule] = field(default_factory=list)
    default: str | None = None
    branches: list[Graph] = field(default_factory=list)  # Parallel
    processor: Graph | None = None  # Map
    items_path: Any = "$"
    items: ata.FieldEvaluator | None = None
    items_source: str | None = None
    max_concurrency_path: Any = None
    item_selector: Any = None
    max_concurrency: Any = 0
    tolerated_count: Any = None
    tolerated_percentage: Any = None
    error: Any = None  # Fail
    cause: Any = None
    error_path: Any = None
    cause_path: Any = None


@dataclass
class Graph:
    """A ``StartAt`` + ``States`` scope: the machine, a Parallel branch or a Map processor."""

    start: str
    states: dict[str, State]
    ql: str


@dataclass
class Machine:
    graph: Graph
    timeout_seconds: float | None
    definition: dict[str, Any]


def _path_or_intrinsic(value: Any) -> Any:
    if isinstance(value, str) and value.startswith("States."):
        from pyflow.local.intrinsics import compile_intrinsic

        return compile_intrinsic(value)
    return compile_path(value)


def _jsonpath_assign(assign: Any) -> Template | None:
    if assign is None:
        return None
    return compile_template(assign, "Assign")


def _jsonata_assign(assign: Any) -> Any:
    if assign is None:
        return None
    return jsonata_field(assign, "Assign")


def jsonata_field(value: Any, name: str) -> Any:
    """``ata.compile_field`` whose failures name the field, as AWS's causes do.

    AWS: ``The JSONata expression '<expr>' specified for the field 'Output/result'
    returned nothing (undefined).`` (a template nested in an object is named by
    its path of keys).
    """
    built = _jsonata_build(value, name)
    return ata.Constant(value) if built is None else built


def _jsonata_build(value: Any, name: str) -> Any:
    if ata.is_template(value):
        source = value[2:-2].strip()
        expr = ata.compile_expression(source)

        def evaluate(env: Any) -> Any:
            try:
                return expr.evaluate(env.states, env.variables, env.functions)
            except StatesError as err:
                raise _named(err, source, name) from None

        return evaluate
    if isinstance(value, dict):
        parts = [(k, _jsonata_build(v, f"{name}/{k}"), v) for k, v in value.items()]
        if all(fn is None for _, fn, _ in parts):
            return None
        return lambda env: {k: (fn(env) if fn is not None else v) for k, fn, v in parts}
    if isinstance(value, list):
        items = [(_jsonata_build(v, f"{name}/{i}"), v) for i, v in enumerate(value)]
        if all(fn is None for fn, _ in items):
            return None
        return lambda env: [fn(env) if fn is not None else v for fn, v in items]
    return None


def _named(err: StatesError, source: str, name: str) -> StatesError:
    if err.error != QUERY_ERROR or err.cause is None or err.located:
        return err
    expression = f"The JSONata expression '{source}'"
    if err.cause == f"{expression} returned nothing (undefined).":
        err.cause = f"{expression} specified for the field '{name}' returned nothing (undefined)."
    else:
        generic = f"An error occurred while evaluating the expression '{source}': "
        if err.cause.startswith(generic):
            err.cause = (f"{expression} specified for the field '{name}' threw an error during evaluation. "
                         + err.cause[len(generic):])
    return err


def compile_graph(spec: dict[str, Any], default_ql: str) -> Graph:
    ql = spec.get("QueryLanguage", default_ql)
    states = {name: compile_state(name, body, ql) for name, body in spec["States"].items()}
    return Graph(spec["StartAt"], states, ql)


def compile_state(name: str, raw: dict[str, Any], inherited_ql: str) -> State:
    ql = raw.get("QueryLanguage", inherited_ql)
    kind = raw["Type"]
    st = State(name=name, type=kind, ql=ql, raw=raw, next=raw.get("Next"), end=bool(raw.get("End", False)))
    text = json.dumps(raw)
    st.needs_context = ("$$" in text) if ql == JSONPATH else ("context" in text)
    if kind in ("Task", "Parallel", "Map"):
        st.retriers = [
            Retrier(
                errors=list(r.get("ErrorEquals", [])),
                interval=float(r.get("IntervalSeconds", 1)),
                max_attempts=int(r.get("MaxAttempts", 3)),
                backoff=float(r.get("BackoffRate", 2.0)),
                max_delay=float(r["MaxDelaySeconds"]) if "MaxDelaySeconds" in r else None,
                jitter=str(r.get("JitterStrategy", "NONE")),
            )
            for r in raw.get("Retry", [])
        ]
        for c in raw.get("Catch", []):
            catcher = Catcher(errors=list(c.get("ErrorEquals", [])), next=c["Next"])
            if ql == JSONPATH:
                catcher.has_result_path = "ResultPath" in c
                catcher.result_path = c.get("ResultPath", "$")
                catcher.assign = _jsonpath_assign(c.get("Assign"))
            else:
                catcher.output = jsonata_field(c["Output"], "Output") if "Output" in c else None
                catcher.assign = _jsonata_assign(c.get("Assign"))
            st.catchers.append(catcher)
    if ql == JSONPATH:
        st.input_path = raw.get("InputPath", "$")
        st.output_path = raw.get("OutputPath", "$")
        st.has_result_path = "ResultPath" in raw
        st.result_path = raw.get("ResultPath", "$")
        if "Parameters" in raw and kind != "Map":
            st.parameters = compile_template(raw["Parameters"], "Parameters")
        if "ResultSelector" in raw:
            st.result_selector = compile_template(raw["ResultSelector"], "ResultSelector")
        st.assign = _jsonpath_assign(raw.get("Assign"))
        for p in (st.input_path, st.output_path):
            if p is not None:
                compile_path(p)
    else:
        if "Arguments" in raw:
            st.arguments = jsonata_field(raw["Arguments"], "Arguments")
        if "Output" in raw:
            st.output = jsonata_field(raw["Output"], "Output")
        st.assign = _jsonata_assign(raw.get("Assign"))

    if kind == "Task":
        st.resource = parse_resource(raw["Resource"])
        st.timeout = _number_field(raw, "TimeoutSeconds", ql)
        st.heartbeat = _number_field(raw, "HeartbeatSeconds", ql)
    elif kind == "Pass":
        st.result = raw.get("Result", _UNSET)
    elif kind == "Wait":
        for key in ("Seconds", "Timestamp", "SecondsPath", "TimestampPath"):
            if key in raw:
                value = raw[key]
                if ql == JSONATA and key in ("Seconds", "Timestamp"):
                    value = jsonata_field(value, key)
                elif key.endswith("Path"):
                    value = compile_path(value)
                st.wait = (key, value)
    elif kind == "Choice":
        st.default = raw.get("Default")
        for rule in raw.get("Choices", []):
            cr = ChoiceRule(next=rule["Next"])
            if ql == JSONPATH:
                body = {k: v for k, v in rule.items() if k not in ("Next", "Assign", "Comment")}
                cr.predicate = compile_rule(body)
                cr.assign = _jsonpath_assign(rule.get("Assign"))
            else:
                cr.condition = jsonata_field(rule["Condition"], "Condition")
                cr.assign = _jsonata_assign(rule.get("Assign"))
                cr.output = jsonata_field(rule["Output"], "Output") if "Output" in rule else None
            st.rules.append(cr)
    elif kind == "Parallel":
        st.branches = [compile_graph(b, ql) for b in raw["Branches"]]
    elif kind == "Map":
        proc = raw.get("ItemProcessor") or raw.get("Iterator")
        st.processor = compile_graph(proc, ql)
        selector = raw.get("ItemSelector", raw.get("Parameters"))
        if ql == JSONPATH:
            st.items_path = raw.get("ItemsPath", "$")
            if st.items_path is not None:
                compile_path(st.items_path)
            st.item_selector = compile_template(selector, "ItemSelector") if selector is not None else None
            st.max_concurrency = raw["MaxConcurrencyPath"] if "MaxConcurrencyPath" in raw else raw.get("MaxConcurrency", 0)
            if "MaxConcurrencyPath" in raw:
                st.max_concurrency_path = ("path", compile_path(raw["MaxConcurrencyPath"]))
        else:
            st.items = jsonata_field(raw["Items"], "Items") if "Items" in raw else None
            st.items_source = raw["Items"][2:-2].strip() if ata.is_template(raw.get("Items")) else (
                json.dumps(raw["Items"]) if "Items" in raw else None)
            st.item_selector = jsonata_field(selector, "ItemSelector") if selector is not None else None
            st.max_concurrency = jsonata_field(raw.get("MaxConcurrency", 0), "MaxConcurrency")
        st.tolerated_count = _number_field(raw, "ToleratedFailureCount", ql)
        st.tolerated_percentage = _number_field(raw, "ToleratedFailurePercentage", ql)
    elif kind == "Fail":
        if ql == JSONPATH:
            st.error = raw.get("Error")
            st.cause = raw.get("Cause")
            st.error_path = _path_or_intrinsic(raw["ErrorPath"]) if "ErrorPath" in raw else None
            st.cause_path = _path_or_intrinsic(raw["CausePath"]) if "CausePath" in raw else None
        else:
            st.error = jsonata_field(raw["Error"], "Error") if "Error" in raw else None
            st.cause = jsonata_field(raw["Cause"], "Cause") if "Cause" in raw else None
    return st


def _number_field(raw: dict[str, Any], key: str, ql: str) -> Any:
    """A number field: a constant, a ``...Path`` (JSONPath) or a template (JSONata)."""
    if ql == JSONPATH and key + "Path" in raw:
        return ("path", compile_path(raw[key + "Path"]))
    if key not in raw:
        return None
    value = raw[key]
    if ql == JSONATA and ata.is_template(value):
        return ("jsonata", jsonata_field(value, key))
    return ("const", value)


def compile_machine(definition: dict[str, Any]) -> Machine:
    """Compile a validated definition."""
    try:
        graph = compile_graph(definition, definition.get("QueryLanguage", JSONPATH))
    except DefinitionError:
        raise
    except Exception as exc:  # noqa: BLE001 - validation should have caught it; still no traceback
        raise DefinitionError([f"cannot compile the definition: {exc}"]) from None
    timeout = definition.get("TimeoutSeconds")
    return Machine(graph, float(timeout) if timeout is not None else None, definition)


Unset = _UNSET
__all__ = ["Catcher", "ChoiceRule", "Graph", "JSONATA", "JSONPATH", "Machine", "Retrier", "State",
           "Unset", "compile_graph", "compile_machine", "compile_state"]
