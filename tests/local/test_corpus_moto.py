"""Differential: every corpus definition on pyflow's runner and on moto's interpreter.

Same output or same error name (and, for errors raised by Fail states and Lambda
functions, the same cause).  moto's known deviations (TOOLING.md) are asserted
explicitly: a Choice without a match and without Default fails there with
``States.Runtime`` where AWS (and pyflow) say ``States.NoChoiceMatched``.
"""
from __future__ import annotations

import json
from typing import Any

import pytest

from conftest import Lambdas, corpus_cases
from pyflow.local import run_definition

CASES = corpus_cases()

# moto's deviations from AWS, each asserted as observed: corpus name ->
# (pyflow's result, moto's result), a result being {"error": ...} or {"output": ...}.
MOTO_DEVIATIONS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    # TOOLING.md: AWS fails with States.NoChoiceMatched, moto with States.Runtime.
    "choice_no_match": ({"error": "States.NoChoiceMatched"}, {"error": "States.Runtime"}),
    # AWS fails a Choice whose Variable selects nothing ("Invalid path ... The choice
    # state's condition path references an invalid value."); moto logs the error and
    # takes the Default branch.
    "choice_missing_variable": ({"error": "States.Runtime"}, {"output": "default"}),
    # The ASL spec: in StringMatches, "\\*" is a literal star; moto treats it as a wildcard.
    "choice_string_matches": ({"output": "rule1"}, {"output": "rule2"}),
    # AWS names a ResultPath that cannot be applied States.ResultPathMatchFailure;
    # moto reports the Python TypeError as States.Runtime.
    "result_path_match_failure": ({"error": "States.ResultPathMatchFailure"}, {"error": "States.Runtime"}),
}


def _result(status: str, output: Any, error: str | None) -> dict[str, Any]:
    return {"output": output} if status == "SUCCEEDED" else {"error": error}


def _same_cause(ours: str | None, theirs: str | None) -> bool:
    """Lambda's error document: moto re-serialises it compactly, AWS keeps Lambda's spacing."""
    try:
        return json.loads(ours or "") == json.loads(theirs or "")
    except ValueError:
        return ours == theirs


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 30


@pytest.mark.parametrize("name,case", CASES, ids=[c[0] for c in CASES])
def test_same_as_moto(name: str, case: dict[str, Any], moto: Any, lambdas: Lambdas) -> None:
    lambdas.reset()
    ours = run_definition(case["definition"], case["input"], tasks=lambdas.mapping())
    if "expect" in case:
        assert ours.output == case["expect"]
    if case.get("moto_skip"):
        assert ours.status in ("FAILED", "TIMED_OUT", "SUCCEEDED")
        pytest.skip(case["moto_skip"])
    lambdas.reset()
    theirs = moto.run(case["definition"], case["input"])
    if name in MOTO_DEVIATIONS:
        expected_ours, expected_moto = MOTO_DEVIATIONS[name]
        assert _result(ours.status, ours.output, ours.error) == expected_ours
        assert _result(theirs["status"], theirs["output"], theirs["error"]) == expected_moto
        return
    assert ours.status == theirs["status"], (ours.error, ours.cause, theirs["error"], theirs["cause"])
    if ours.status == "SUCCEEDED":
        assert ours.output == theirs["output"]
    else:
        assert ours.error == theirs["error"], (ours.cause, theirs["cause"])
        if not ours.error.startswith("States."):
            assert _same_cause(ours.cause, theirs["cause"])
