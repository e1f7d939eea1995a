"""Check a definition the way Step Functions' CreateStateMachine does, before running it.

Every problem found is collected (not just the first), each as
``<where>: <what>``, and reported together in one ``DefinitionError``:
missing ``StartAt``, dangling ``Next``/``Default``/``Catch`` targets, unreachable
states, duplicate or bad state names, missing ``End``/``Next``, fields not
allowed for the state type or query language, malformed paths, intrinsics,
JSONata expressions and Choice rules, bad Retry/Catch, Wait and Fail fields.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from pyflow.local import jsonata_eval as ata
from pyflow.local.choice import OPERATORS, compile_rule
from pyflow.local.clock import is_timestamp
from pyflow.local.errors import DefinitionError
from pyflow.local.intrinsics import IntrinsicSyntaxError
from pyflow.local.paths import PathError, compile_path, compile_template

JSONPATH = "JSONPath"
JSONATA = "JSONata"
STATE_TYPES = ("Task", "Pass", "Wait", "Choice", "Parallel", "Map", "Succeed", "Fail")
TOP_FIELDS = {"Comment", "StartAt", "States", "TimeoutSeconds", "Version", "QueryLanguage"}
MAX_DEFINITION = 1_048_576

_COMMON = {"Type", "Comment", "QueryLanguage"}
_FLOW = {"Next", "End"}
_PATH_IO = {"InputPath", "OutputPath"}
_FIELDS: dict[tuple[str, str], set[str]] = {
    ("Task", JSONPATH): _FLOW | _PATH_IO | {"Resource", "Parameters", "ResultSelector", "ResultPath", "Retry", "Catch",
                                            "TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds",
                                            "HeartbeatSecondsPath", "Credentials", "Assign"},
    ("Task", JSONATA): _FLOW | {"Resource", "Arguments", "Output", "Assign", "Retry", "Catch", "TimeoutSeconds",
                                "HeartbeatSeconds", "Credentials"},
    ("Pass", JSONPATH): _FLOW | _PATH_IO | {"Parameters", "Result", "ResultPath", "Assign"},
    ("Pass", JSONATA): _FLOW | {"Output", "Assign"},
    ("Wait", JSONPATH): _FLOW | _PATH_IO | {"Seconds", "Timestamp", "SecondsPath", "TimestampPath", "Assign"},
    ("Wait", JSONATA): _FLOW | {"Seconds", "Timestamp", "Output", "Assign"},
    ("Choice", JSONPATH): _PATH_IO | {"Choices", "Default", "Assign"},
    ("Choice", JSONATA): {"Choices", "Default", "Output", "Assign"},
    ("Parallel", JSONPATH): _FLOW | _PATH_IO | {"Branches", "Parameters", "ResultSelector", "ResultPath", "Retry",
                                                "Catch", "Assign"},
    ("Parallel", JSONATA): _FLOW | {"Branches", "Arguments", "Output", "Assign", "Retry", "Catch"},
    ("Map", JSONPATH): _FLOW | _PATH_IO | {"ItemProcessor", "Iterator", "ItemsPath", "ItemSelector", "Parameters",
                                           "MaxConcurrency", "MaxConcurrencyPath", "ItemReader", "ResultWriter",
                                           "ItemBatcher", "ToleratedFailureCount", "ToleratedFailureCountPath",
                                           "ToleratedFailurePercentage", "ToleratedFailurePercentagePath", "Label",
                                           "ResultSelector", "ResultPath", "Retry", "Catch", "Assign"},
    ("Map", JSONATA): _FLOW | {"ItemProcessor", "Items", "ItemSelector", "MaxConcurrency", "ItemReader",
                               "ResultWriter", "ItemBatcher", "ToleratedFailureCount", "ToleratedFailurePercentage",
                               "Label", "Output", "Assign", "Retry", "Catch"},
    ("Succeed", JSONPATH): _PATH_IO,
    ("Succeed", JSONATA): {"Output"},
    ("Fail", JSONPATH): {"Error", "Cause", "ErrorPath", "CausePath"},
    ("Fail", JSONATA): {"Error", "Cause"},
}
_RETRY_FIELDS = {"ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds", "JitterStrategy",
                 "Comment"}
_CATCH_FIELDS = {JSONPATH: {"ErrorEquals", "Next", "ResultPath", "Assign", "Comment"},
                 JSONATA: {"ErrorEquals", "Next", "Output", "Assign", "Comment"}}
_BAD_NAME_CHARS = set("\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u000b\u000c\u000e\u000f"
                      "\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d"
                      "\u001e\u001f\u007f")


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


class _Checker:
    def __init__(self, machine_type: str = "STANDARD") -> None:
        self.machine_type = machine_type
        self.problems: list[str] = []
        self.names: dict[str, str] = {}
        self._siblings: dict[str, Any] = {}

    def add(self, where: str, what: str) -> None:
        self.problems.append(f"{where}: {what}")

    # ------------------------------------------------------------------ scopes
    def scope(self, spec: Any, where: str, ql: str, top_ql: str) -> None:
        if not isinstance(spec, dict):
            self.add(where, "must be an object with StartAt and States")
            return
        if "QueryLanguage" in spec:
            ql = self.query_language(spec["QueryLanguage"], where, top_ql)
        states = spec.get("States")
        start = spec.get("StartAt")
        if "StartAt" not in spec:
            self.add(where, "missing required field StartAt")
        elif not isinstance(start, str):
            self.add(where, "StartAt must be a string")
        if not isinstance(states, dict) or not states:
            self.add(where, "States must be a non-empty object")
            return
        if isinstance(start, str) and start not in states:
            self.add(where, f"StartAt {start!r} is not a state in this scope")
        for name, body in states.items():
            self.state(name, body, states, f"{where}.States[{name!r}]" if where != "definition" else f"state {name!r}", ql, top_ql)
        if isinstance(start, str) and start in states:
            reached = self.reachable(start, states)
            for name in states:
                if name not in reached:
                    self.add(f"state {name!r}", "is unreachable from StartAt")

    def query_language(self, value: Any, where: str, top_ql: str) -> str:
        if value not in (JSONPATH, JSONATA):
            self.add(where, f"QueryLanguage must be 'JSONPath' or 'JSONata', not {value!r}")
            return top_ql
        if top_ql == JSONATA and value == JSONPATH:
            self.add(where, "a state cannot use JSONPath when the state machine's QueryLanguage is JSONata")
        return value

    @staticmethod
    def targets(body: Any) -> Iterable[str]:
        if not isinstance(body, dict):
            return
        for key in ("Next", "Default"):
            if isinstance(body.get(key), str):
                yield body[key]
        for rule in body.get("Choices", []) if isinstance(body.get("Choices"), list) else []:
            if isinstance(rule, dict) and isinstance(rule.get("Next"), str):
                yield rule["Next"]
        for catcher in body.get("Catch", []) if isinstance(body.get("Catch"), list) else []:
            if isinstance(catcher, dict) and isinstance(catcher.get("Next"), str):
                yield catcher["Next"]

    def reachable(self, start: str, states: dict[str, Any]) -> set[str]:
        seen = {start}
        todo = [start]
        while todo:
            for target in self.targets(states.get(todo.pop())):
                if target in states and target not in seen:
                    seen.add(target)
                    todo.append(target)
        return seen

    # ------------------------------------------------------------------ states
    def state(self, name: str, body: Any, siblings: dict[str, Any], where: str, ql: str, top_ql: str) -> None:
        previous = self._siblings
        self._siblings = siblings  # Choice targets are checked against this scope
        try:
            self._state(name, body, siblings, where, ql, top_ql)
        finally:
            self._siblings = previous

    def _state(self, name: str, body: Any, siblings: dict[str, Any], where: str, ql: str, top_ql: str) -> None:
        if not isinstance(name, str) or not 1 <= len(name) <= 80:
            self.add(where, "a state name must be 1 to 80 characters long")
        elif any(c in _BAD_NAME_CHARS for c in name):
            self.add(where, "a state name must not contain control characters")
        if name in self.names:
            self.add(where, f"duplicate state name (also in {self.names[name]}); names must be unique in the whole state machine")
        else:
            self.names[name] = where
        if not isinstance(body, dict):
            self.add(where, "must be an object")
            return
        kind = body.get("Type")
        if kind not in STATE_TYPES:
            self.add(where, f"Type must be one of {', '.join(STATE_TYPES)}, not {kind!r}")
            return
        if "QueryLanguage" in body:
            ql = self.query_language(body["QueryLanguage"], where, top_ql)
        allowed = _COMMON | _FIELDS[(kind, ql)]
        for key in body:
            if key not in allowed:
                other = JSONATA if ql == JSONPATH else JSONPATH
                hint = f" (a {other} field; this state uses {ql})" if key in _FIELDS[(kind, other)] else ""
                self.add(where, f"field {key!r} is not allowed in a {kind} state{hint}")
        self.flow(kind, body, siblings, where)
        if ql == JSONPATH:
            self.jsonpath_fields(kind, body, where)
        else:
            self.jsonata_fields(body, where)
        if kind in ("Task", "Parallel", "Map"):
            self.retry_catch(body, siblings, where, ql)
        getattr(self, f"state_{kind.lower()}")(body, where, ql, top_ql)

    def flow(self, kind: str, body: dict[str, Any], siblings: dict[str, Any], where: str) -> None:
        has_next, has_end = "Next" in body, "End" in body
        if kind in ("Choice", "Succeed", "Fail"):
            return
        if has_next and has_end:
            self.add(where, "has both Next and End")
        elif not has_next and not has_end:
            self.add(where, "needs Next or \"End\": true")
        if has_end and body["End"] is not True:
            self.add(where, "End must be true")
        if has_next:
            if not isinstance(body["Next"], str):
                self.add(where, "Next must be a state name")
            elif body["Next"] not in siblings:
                self.add(where, f"Next {body['Next']!r} is not a state in this scope")

    def path(self, value: Any, where: str, field: str, allow_null: bool = True, intrinsic: bool = False) -> None:
        if value is None and allow_null:
            return
        if not isinstance(value, str):
            self.add(where, f"{field} must be a path string")
            return
        try:
            if intrinsic and value.startswith("States."):
                from pyflow.local.intrinsics import compile_intrinsic

                compile_intrinsic(value)
            else:
                compile_path(value)
        except (PathError, IntrinsicSyntaxError) as exc:
            self.add(where, f"{field}: {exc}")

    def template(self, value: Any, where: str, field: str) -> None:
        try:
            compile_template(value, field)
        except (PathError, IntrinsicSyntaxError) as exc:
            self.add(where, f"{field}: {exc}")

    def jsonpath_fields(self, kind: str, body: dict[str, Any], where: str) -> None:
        for key in ("InputPath", "OutputPath"):
            if key in body:
                self.path(body[key], where, key)
        if "ResultPath" in body:
            rp = body["ResultPath"]
            self.path(rp, where, "ResultPath")
            if isinstance(rp, str) and rp.startswith("$") and not rp.startswith("$$"):
                try:
                    p = compile_path(rp)
                    if p.root != "data" or not p.is_reference:
                        self.add(where, "ResultPath must be a reference path into the state data")
                except PathError:
                    pass
        for key in ("Parameters", "ResultSelector", "ItemSelector"):
            if key in body:
                self.template(body[key], where, key)
        if "Assign" in body:
            self.assign(body["Assign"], where, jsonpath=True)

    def jsonata_fields(self, body: dict[str, Any], where: str) -> None:
        def walk(value: Any, field: str) -> None:
            if isinstance(value, str):
                if ata.is_template(value):
                    try:
                        ata.compile_expression(value[2:-2].strip())
                    except ata.JsonataSyntaxError as exc:
                        self.add(where, f"{field}: {exc}")
            elif isinstance(value, dict):
                for k, v in value.items():
                    # AWS accepts such a key in Output, kept as written (a recorded execution)
                    if isinstance(k, str) and k.endswith(".$") and not field.startswith("Output"):
                        self.add(where, f"{field}: key {k!r} ends in '.$', which JSONata states do not use")
                    walk(v, field)
            elif isinstance(value, list):
                for v in value:
                    walk(v, field)

        for key in ("Arguments", "Output", "Assign", "Items", "ItemSelector", "Seconds", "Timestamp", "TimeoutSeconds",
                    "HeartbeatSeconds", "MaxConcurrency", "ToleratedFailureCount", "ToleratedFailurePercentage",
                    "Error", "Cause"):
            if key in body:
                walk(body[key], key)
        if "Assign" in body:
            self.assign(body["Assign"], where, jsonpath=False)

    def assign(self, value: Any, where: str, jsonpath: bool) -> None:
        if ata.is_template(value):
            return
        if not isinstance(value, dict):
            self.add(where, "Assign must be an object")
            return
        for key in value:
            name = key[:-2] if jsonpath and key.endswith(".$") else key
            if not name.isidentifier() or not name.isascii():
                self.add(where, f"Assign: {name!r} is not a valid variable name")
            elif name == "states":
                self.add(where, "Assign: 'states' is a reserved variable name")
            elif len(name) > 80:
                self.add(where, f"Assign: variable name {name!r} is longer than 80 characters")
        if jsonpath:
            self.template(value, where, "Assign")

    def retry_catch(self, body: dict[str, Any], siblings: dict[str, Any], where: str, ql: str) -> None:
        retry = body.get("Retry", [])
        if not isinstance(retry, list):
            self.add(where, "Retry must be an array")
            retry = []
        for i, r in enumerate(retry):
            w = f"{where} Retry[{i}]"
            if not isinstance(r, dict):
                self.add(w, "must be an object")
                continue
            for key in r:
                if key not in _RETRY_FIELDS:
                    self.add(w, f"field {key!r} is not allowed in a retrier")
            self.error_equals(r, w, last=i == len(retry) - 1)
            if "IntervalSeconds" in r and not (_is_int(r["IntervalSeconds"]) and r["IntervalSeconds"] >= 1):
                self.add(w, "IntervalSeconds must be a positive integer")
            if "MaxAttempts" in r and not (_is_int(r["MaxAttempts"]) and r["MaxAttempts"] >= 0):
                self.add(w, "MaxAttempts must be a non-negative integer")
            if "BackoffRate" in r and not (_is_num(r["BackoffRate"]) and r["BackoffRate"] >= 1.0):
                self.add(w, "BackoffRate must be a number >= 1.0")
            if "MaxDelaySeconds" in r and not (_is_int(r["MaxDelaySeconds"]) and r["MaxDelaySeconds"] >= 1):
                self.add(w, "MaxDelaySeconds must be a positive integer")
            if "JitterStrategy" in r and r["JitterStrategy"] not in ("FULL", "NONE"):
                self.add(w, "JitterStrategy must be FULL or NONE")
        catch = body.get("Catch", [])
        if not isinstance(catch, list):
            self.add(where, "Catch must be an array")
            catch = []
        for i, c in enumerate(catch):
            w = f"{where} Catch[{i}]"
            if not isinstance(c, dict):
                self.add(w, "must be an object")
                continue
            for key in c:
                if key not in _CATCH_FIELDS[ql]:
                    self.add(w, f"field {key!r} is not allowed in a catcher of a {ql} state")
            self.error_equals(c, w, last=i == len(catch) - 1)
            if "Next" not in c:
                self.add(w, "missing Next")
            elif c["Next"] not in siblings:
                self.add(w, f"Next {c['Next']!r} is not a state in this scope")
            if "ResultPath" in c and ql == JSONPATH:
                self.path(c["ResultPath"], w, "ResultPath")
            if "Assign" in c:
                self.assign(c["Assign"], w, jsonpath=ql == JSONPATH)

    def error_equals(self, spec: dict[str, Any], where: str, last: bool) -> None:
        errors = spec.get("ErrorEquals")
        if not isinstance(errors, list) or not errors or not all(isinstance(e, str) for e in errors):
            self.add(where, "ErrorEquals must be a non-empty array of strings")
            return
        if "States.ALL" in errors:
            if len(errors) != 1:
                self.add(where, "States.ALL must appear alone in ErrorEquals")
            if not last:
                self.add(where, "a States.ALL retrier or catcher must be the last one")

    # ------------------------------------------------------------------ per type
    def state_task(self, body: dict[str, Any], where: str, ql: str, top_ql: str) -> None:
        resource = body.get("Resource")
        if not isinstance(resource, str) or not resource:
            self.add(where, "a Task needs a Resource string")
        elif self.machine_type == "EXPRESS":
            # Express workflows do not wait for a job or a callback: AWS refuses both patterns
            for suffix in (".sync", ".waitForTaskToken"):
                if resource.endswith(suffix) or suffix + ":" in resource:
                    self.add(where, f"Express state machine does not support '{suffix}' service integration")
        if "Credentials" in body:
            creds = body["Credentials"]
            if not isinstance(creds, dict) or not any(k in creds for k in ("RoleArn", "RoleArn.$")):
                self.add(where, "Credentials: the field 'RoleArn' is required")
        for key in ("TimeoutSeconds", "HeartbeatSeconds"):
            if key in body and not ata.is_template(body[key]) and not (_is_int(body[key]) and body[key] >= 1):
                self.add(where, f"{key} must be a positive integer")
            if key in body and key + "Path" in body:
                self.add(where, f"{key} and {key}Path are mutually exclusive")
            if key + "Path" in body:
                self.path(body[key + "Path"], where, key + "Path", allow_null=False)
        t, h = body.get("TimeoutSeconds"), body.get("HeartbeatSeconds")
        if _is_int(t) and _is_int(h) and h >= t:
            self.add(where, "HeartbeatSeconds must be smaller than TimeoutSeconds")

    def state_pass(self, body: dict[str, Any], where: str, ql: str, top_ql: str) -> None:
        return

    def state_succeed(self, body: dict[str, Any], where: str, ql: str, top_ql: str) -> None:
        return

    def state_wait(self, body: dict[str, Any], where: str, ql: str, top_ql: str) -> None:
        given = [k for k in ("Seconds", "Timestamp", "SecondsPath", "TimestampPath") if k in body]
        if len(given) != 1:
            self.add(where, "a Wait needs exactly one of Seconds, Timestamp, SecondsPath, TimestampPath")
            return
        key = given[0]
        value = body[key]
        if ql == JSONATA and ata.is_template(value):
            return
        if key == "Seconds" and not (_is_int(value) and 0 <= value <= 99_999_999):
            self.add(where, "Seconds must be an integer from 0 to 99999999")
        elif key == "Timestamp" and not is_timestamp(value):
            self.add(where, f"Timestamp {value!r} is not an RFC 3339 timestamp")
        elif key.endswith("Path"):
            self.path(value, where, key, allow_null=False)

    def state_fail(self, body: dict[str, Any], where: str, ql: str, top_ql: str) -> None:
        for key in ("Error", "Cause"):
            if key in body and key + "Path" in body:
                self.add(where, f"{key} and {key}Path are mutually exclusive")
            if key in body and not isinstance(body[key], str):
                self.add(where, f"{key} must be a string")
            if key + "Path" in body:
                self.path(body[key + "Path"], where, key + "Path", allow_null=False, intrinsic=True)

    def state_choice(self, body: dict[str, Any], where: str, ql: str, top_ql: str) -> None:
        choices = body.get("Choices")
        if not isinstance(choices, list) or not choices:
            self.add(where, "a Choice needs a non-empty Choices array")
            choices = []
        if "Default" in body and not isinstance(body["Default"], str):
            self.add(where, "Default must be a state name")
        elif "Default" in body and body["Default"] not in self._siblings:
            self.add(where, f"Default {body['Default']!r} is not a state in this scope")
        for i, rule in enumerate(choices):
            w = f"{where} Choices[{i}]"
            if not isinstance(rule, dict):
                self.add(w, "must be an object")
                continue
            if "Next" not in rule:
                self.add(w, "a top-level Choice rule needs Next")
            elif rule["Next"] not in self._siblings:
                self.add(w, f"Next {rule['Next']!r} is not a state in this scope")
            if ql == JSONATA:
                for key in rule:
                    if key not in ("Condition", "Next", "Assign", "Output", "Comment"):
                        self.add(w, f"field {key!r} is not allowed in a JSONata Choice rule (use Condition)")
                if "Condition" not in rule:
                    self.add(w, "a JSONata Choice rule needs a Condition")
                for key in ("Condition", "Output", "Assign"):
                    if key in rule:
                        self.jsonata_fields({key: rule[key]}, w)
            else:
                self.rule(rule, w, top=True)
                if "Assign" in rule:
                    self.assign(rule["Assign"], w, jsonpath=True)

    def rule(self, rule: Any, where: str, top: bool) -> None:
        if not isinstance(rule, dict):
            self.add(where, "a Choice rule must be an object")
            return
        ops = [k for k in rule if k in OPERATORS]
        extra = [k for k in rule if k not in OPERATORS and k not in ("Variable", "Comment") and not (top and k in ("Next", "Assign"))]
        for k in extra:
            self.add(where, f"field {k!r} is not allowed in {'a' if top else 'a nested'} Choice rule")
        if len(ops) != 1:
            self.add(where, "a Choice rule needs exactly one comparison operator")
            return
        op = ops[0]
        if op in ("And", "Or"):
            subs = rule[op]
            if not isinstance(subs, list) or not subs:
                self.add(where, f"{op} needs a non-empty array of rules")
                return
            for j, sub in enumerate(subs):
                self.rule(sub, f"{where}.{op}[{j}]", top=False)
            return
        if op == "Not":
            self.rule(rule[op], f"{where}.Not", top=False)
            return
        if "Variable" not in rule:
            self.add(where, f"a {op} rule needs a Variable")
            return
        self.path(rule["Variable"], where, "Variable", allow_null=False)
        if op.endswith("Path"):
            self.path(rule[op], where, op, allow_null=False)
        try:
            compile_rule({k: v for k, v in rule.items() if k not in ("Next", "Assign", "Comment")})
        except (ValueError, PathError) as exc:
            self.add(where, str(exc))

    def state_parallel(self, body: dict[str, Any], where: str, ql: str, top_ql: str) -> None:
        branches = body.get("Branches")
        if not isinstance(branches, list) or not branches:
            self.add(where, "a Parallel needs a non-empty Branches array")
            return
        for i, branch in enumerate(branches):
            self.nested(branch, f"{where} Branches[{i}]", ql, top_ql)

    def state_map(self, body: dict[str, Any], where: str, ql: str, top_ql: str) -> None:
        has_proc, has_iter = "ItemProcessor" in body, "Iterator" in body
        if has_proc == has_iter:
            self.add(where, "a Map needs exactly one of ItemProcessor and Iterator")
        proc = body.get("ItemProcessor", body.get("Iterator"))
        if isinstance(proc, dict):
            config = proc.get("ProcessorConfig", {})
            if isinstance(config, dict) and config.get("Mode", "INLINE") not in ("INLINE", "DISTRIBUTED"):
                self.add(where, "ProcessorConfig.Mode must be INLINE or DISTRIBUTED")
            inner = {k: v for k, v in proc.items() if k != "ProcessorConfig"}
            self.nested(inner, f"{where} ItemProcessor", ql, top_ql)
        elif proc is not None:
            self.add(where, "ItemProcessor must be an object")
        if "ItemSelector" in body and "Parameters" in body:
            self.add(where, "ItemSelector and Parameters are mutually exclusive")
        if ql == JSONPATH and "ItemsPath" in body:
            self.path(body["ItemsPath"], where, "ItemsPath", allow_null=False)
        if "MaxConcurrency" in body and not ata.is_template(body["MaxConcurrency"]) and not (
            _is_int(body["MaxConcurrency"]) and body["MaxConcurrency"] >= 0
        ):
            self.add(where, "MaxConcurrency must be a non-negative integer")
        pct = body.get("ToleratedFailurePercentage")
        if pct is not None and not ata.is_template(pct) and not (_is_num(pct) and 0 <= pct <= 100):
            self.add(where, "ToleratedFailurePercentage must be a number from 0 to 100")
        count = body.get("ToleratedFailureCount")
        if count is not None and not ata.is_template(count) and not (_is_int(count) and count >= 0):
            self.add(where, "ToleratedFailureCount must be a non-negative integer")

    def nested(self, spec: Any, where: str, ql: str, top_ql: str) -> None:
        self.scope(spec, where, ql, top_ql)


def validate_definition(definition: Any, state_machine_type: str = "STANDARD") -> dict[str, Any]:
    """Parse (if a string) and check a definition; return it, or raise ``DefinitionError``.

    ``state_machine_type`` ``"EXPRESS"`` adds the Express rules (no ``.sync`` or
    ``.waitForTaskToken`` integrations).
    """
    problems: list[str] = []
    if isinstance(definition, (bytes, bytearray)):
        definition = definition.decode("utf-8")
    if isinstance(definition, str):
        if len(definition.encode("utf-8")) > MAX_DEFINITION:
            problems.append("definition: larger than the 1 MB limit")
        duplicates: list[str] = []

        def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
            seen: dict[str, Any] = {}
            for k, v in items:
                if k in seen:
                    duplicates.append(k)
                seen[k] = v
            return seen

        try:
            definition = json.loads(definition, object_pairs_hook=pairs)
        except ValueError as exc:
            raise DefinitionError([f"definition: not valid JSON: {exc}"]) from None
        for key in duplicates:
            problems.append(f"definition: duplicate key {key!r}")
    if not isinstance(definition, dict):
        raise DefinitionError(["definition: must be a JSON object"])
    checker = _Checker(state_machine_type)
    top_ql = definition.get("QueryLanguage", JSONPATH)
    if top_ql not in (JSONPATH, JSONATA):
        checker.add("definition", f"QueryLanguage must be 'JSONPath' or 'JSONata', not {top_ql!r}")
        top_ql = JSONPATH
    for key in definition:
        if key not in TOP_FIELDS:
            checker.add("definition", f"unknown top-level field {key!r}")
    if "TimeoutSeconds" in definition and not (_is_int(definition["TimeoutSeconds"]) and definition["TimeoutSeconds"] > 0):
        checker.add("definition", "TimeoutSeconds must be a positive integer")
    checker.scope({k: v for k, v in definition.items() if k != "QueryLanguage"}, "definition", top_ql, top_ql)
    problems.extend(checker.problems)
    if problems:
        raise DefinitionError(problems)
    return definition
