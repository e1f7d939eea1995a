"""Replaying the executions recorded on real AWS (``shared/aws-conformance``) on the local runner.

``replay(entry)`` runs one recorded execution's definition and input, answering
every Lambda task with the outcome AWS's Lambda gave (``lambda_calls``), and
``differences(entry, execution)`` lists how the run differs from what AWS
recorded: status, output, error, cause and, where recorded, the history's event
types.  LocalStack's placeholders are honoured: a ``<...>`` in an expected string
matches any text, ``replace`` pairs are applied to the runner's strings first and
``match_anything`` words match anything.

Run as a script (``python tests/local/aws_conformance.py``) it prints the
executions that differ and the counts.
"""
from __future__ import annotations

import json
import os
import pathlib
import re
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parents[2]
_RELATIVE = pathlib.Path("shared") / "aws-conformance" / "executions.json"
# ``../shared`` beside the repository (a CI clone); a git worktree under ``wt/`` looks one level higher;
# PYFLOW_AWS_CONFORMANCE names the file explicitly.
_CANDIDATES = [pathlib.Path(p) for p in [os.environ.get("PYFLOW_AWS_CONFORMANCE", "")] if p] + [
    ROOT.parent / _RELATIVE, ROOT.parent.parent / _RELATIVE]
DATA = next((p for p in _CANDIDATES if p.exists()), ROOT.parent / _RELATIVE)

ROLE_MASKS = ("snf_role_arn", "sfn_role_arn")
TIME_MASKS = ("date", "start-time", "entered-time")
_ROLE = re.compile(r"arn:aws[\w-]*:iam::\d{12}:role/\S+")
_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")
RUNNER_ACCOUNT = "123456789012"
AWS_ACCOUNT = "111111111111"


def load() -> dict[str, Any] | None:
    """The recorded set, or None when ``shared/`` is not beside the repository."""
    if not DATA.exists():
        return None
    return json.loads(DATA.read_text(encoding="utf-8"))


_PLACEHOLDER = re.compile(r"<[^<>]*>")


class Matcher:
    """Compares the runner's values to AWS's masked ones."""

    def __init__(self, placeholders: dict[str, Any]) -> None:
        self.replace = [(a, m) for a, m in placeholders.get("replace", []) if a]
        self.anything = [w for w in placeholders.get("match_anything", []) if w]
        self._patterns: dict[str, re.Pattern[str]] = {}

    def normalize(self, text: str) -> str:
        for actual, masked in self.replace:
            text = text.replace(actual, masked)
        return text.replace(RUNNER_ACCOUNT, AWS_ACCOUNT)

    def pattern(self, expected: str) -> re.Pattern[str]:
        pat = self._patterns.get(expected)
        if pat is None:
            wild = _PLACEHOLDER
            if self.anything:
                wild = re.compile("|".join([_PLACEHOLDER.pattern, *(re.escape(w) for w in self.anything)]))
            pieces = wild.split(expected)
            pat = self._patterns[expected] = re.compile(".*?".join(re.escape(p) for p in pieces), re.S)
        return pat

    def strings(self, expected: str, actual: str) -> bool:
        actual = self.normalize(actual)
        if expected == actual:
            return True
        if expected in ROLE_MASKS:  # LocalStack's mask of the execution role's ARN
            return _ROLE.fullmatch(actual) is not None
        if expected in TIME_MASKS:  # LocalStack's mask of a timestamp
            return _TIMESTAMP.fullmatch(actual) is not None
        if _PLACEHOLDER.search(expected) is None and not any(w in expected for w in self.anything):
            return False
        return self.pattern(expected).fullmatch(actual) is not None

    def values(self, expected: Any, actual: Any) -> bool:
        if isinstance(expected, str):
            if isinstance(actual, str):
                if self.strings(expected, actual):
                    return True
                parsed_e, parsed_a = _json(expected), _json(actual)
                if isinstance(parsed_e, (dict, list)) and isinstance(parsed_a, (dict, list)):
                    return self.values(parsed_e, parsed_a)
                return False
            # a masked value stands for any value (a number, an object...)
            return expected in self.anything or _PLACEHOLDER.fullmatch(expected) is not None
        if isinstance(expected, dict):
            if isinstance(actual, str):
                actual = _json(actual)
            if not isinstance(actual, dict):
                return False
            exp = {self.normalize(k): v for k, v in expected.items()}
            act = {self.normalize(k): v for k, v in actual.items()}
            if set(exp) != set(act):
                return False
            return all(self.values(v, act[k]) for k, v in exp.items())
        if isinstance(expected, list):
            if isinstance(actual, str):
                actual = _json(actual)
            return isinstance(actual, list) and len(actual) == len(expected) and all(
                self.values(e, a) for e, a in zip(expected, actual))
        if isinstance(expected, bool) or isinstance(actual, bool):
            return expected is actual
        if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
            return expected == actual
        return expected == actual


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


class RecordedLambdas:
    """Answers each Lambda task with the next recorded outcome for its state (and payload)."""

    def __init__(self, calls: list[dict[str, Any]], matcher: Matcher) -> None:
        self.calls = list(calls)
        self.matcher = matcher
        self.made = 0

    def __call__(self, state: str, resource: str, payload: Any) -> Any:
        from pyflow.local.errors import StatesError

        self.made += 1
        same_state = [c for c in self.calls if c["state"] == state]
        chosen = next((c for c in same_state if self.matcher.values(c["payload"], payload)), None)
        if chosen is None and same_state:
            chosen = same_state[0]
        if chosen is None:
            raise StatesError("Replay.NoRecordedCall", f"AWS made no (further) Lambda call from state {state!r}")
        self.calls.remove(chosen)
        outcome = chosen["outcome"]
        if "result" in outcome:
            return json.loads(json.dumps(outcome["result"]))
        cause = outcome.get("cause")
        if cause is not None and not isinstance(cause, str):
            cause = json.dumps(cause, separators=(",", ":"))
        raise StatesError(str(outcome.get("error")), cause)


def replay(entry: dict[str, Any]) -> Any:
    """Run one recorded execution on the local runner; the ``Execution``."""
    from pyflow.local import run_definition

    placeholders = entry.get("placeholders") or {}
    matcher = Matcher(placeholders)
    lambdas = RecordedLambdas(entry.get("lambda_calls") or [], matcher)
    role = next((a for a, m in placeholders.get("replace", []) if m in ROLE_MASKS), None)
    return run_definition(
        entry["definition"], entry.get("input"), tasks=lambdas,
        state_machine_type=entry.get("state_machine_type", "STANDARD"), role_arn=role,
    )


def differences(entry: dict[str, Any], ex: Any) -> list[str]:
    """How the run ``ex`` differs from AWS's recorded execution (empty: it agrees)."""
    matcher = Matcher(entry.get("placeholders") or {})
    exp = entry["expected"]
    found: list[str] = []
    if ex.status != exp["status"]:
        found.append(f"status: AWS {exp['status']}, runner {ex.status} ({ex.error}: {ex.cause})")
        return found
    if exp["status"] == "SUCCEEDED":
        expected_output = exp["output"]
        if isinstance(expected_output, str):  # recorded as the output's JSON text when not an object
            parsed = _json(expected_output)
            if parsed is not None or expected_output == "null":
                expected_output = parsed
        if not matcher.values(expected_output, ex.output):
            found.append(f"output: AWS {json.dumps(exp['output'])[:600]}, runner {json.dumps(ex.output)[:600]}")
    else:
        if exp.get("error") is not None and not matcher.values(exp["error"], ex.error or ""):
            found.append(f"error: AWS {exp['error']!r}, runner {ex.error!r}")
        elif exp.get("cause") is not None and not matcher.values(exp["cause"], ex.cause or ""):
            found.append(f"cause: AWS {exp['cause']!r}, runner {ex.cause!r}")
    if exp.get("event_types") is not None:
        got = [e["type"] for e in ex.history]
        want = exp["event_types"]
        if got != want:
            i = next((i for i, (a, b) in enumerate(zip(want, got)) if a != b), min(len(want), len(got)))
            found.append(f"history: event #{i + 1} is {want[i] if i < len(want) else 'none'} on AWS, "
                         f"{got[i] if i < len(got) else 'none'} here; AWS {want}, runner {got}")
    return found


def check(entry: dict[str, Any]) -> list[str]:
    """``differences`` of a replay; a crash or a refused definition is a difference too."""
    from pyflow.local import DefinitionError

    try:
        ex = replay(entry)
    except DefinitionError as exc:
        return [f"rejected: {exc.problems}"]
    except Exception as exc:  # noqa: BLE001 - a crash is what is reported
        return [f"crash: {type(exc).__name__}: {exc}"]
    return differences(entry, ex)


def reason(diffs: list[str]) -> str:
    """A short reason for KNOWN_DIFFERENCES from the differences found."""
    short = []
    for d in diffs:
        kind = d.split(":", 1)[0]
        if kind == "history":
            short.append(d.split(";", 1)[0])
        elif kind == "cause":
            short.append("cause worded unlike AWS's")
        else:
            short.append(d[:200])
    return "; ".join(short)


def main() -> None:
    import collections
    import sys

    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    data = load()
    if data is None:
        sys.exit(f"{DATA} is absent")
    kinds: collections.Counter[str] = collections.Counter()
    history_recorded = history_differ = 0
    for entry in data["executions"]:
        diffs = check(entry)
        if entry["expected"].get("event_types") is not None:
            history_recorded += 1
            history_differ += any(d.startswith("history") for d in diffs)
        main_diffs = [d for d in diffs if not d.startswith("history")]
        if main_diffs:
            kinds[main_diffs[0].split(":", 1)[0]] += 1
        if diffs and "--known" in sys.argv:
            print(f"    {entry['id']!r}:\n        {reason(diffs)!r},")
        if diffs and "-v" in sys.argv:
            print(entry["id"])
            for d in diffs:
                print("   ", d[:1500])
    agree = len(data["executions"]) - sum(kinds.values())
    if "--known" in sys.argv:
        return
    print(f"agree {agree} / {len(data['executions'])}; differ by kind {dict(kinds)}; "
          f"history differs in {history_differ} of {history_recorded}")


if __name__ == "__main__":
    main()
