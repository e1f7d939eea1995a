"""Fields of a parsed dict (``inner = json.loads(s)`` then ``inner["k"]``) read by a return
right after it on the JSONPath target: a path cannot follow ``States.StringToJson``, so a
Pass stores the dict and the return reads ``$.inner.k``. Each program runs natively, on
moto's Step Functions interpreter and on pyflow's local runner with the same outcome (a
missing key fails the run, as Python's KeyError)."""
from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

from pyflow.testing import assert_agrees
from tests.aslvalidator import validate_all
from tests.differential.engines import native
from tests.differential.programs import boundaries
from tests.jsonpath import lookup_programs as lp
from tests.jsonpath.test_jsonpath import (  # noqa: F401 - moto_runner is a fixture
    assert_jsonpath_agrees,
    case_id,
    compile_jsonpath,
    moto_runner,
)

# (not a text that is no JSON: Python's error is JSONDecodeError, which the differential
# harness does not count among the data errors an engine may report as its own)
DOCS = ['{"a": 1, "b": [2]}', '{"a": {"x": null}, "b": "é"}', '{"a": 1}', '{}', '[1]', '"s"']

CASES: dict[Any, list[dict[str, Any]]] = {
    lp.parsed_fields: [{"doc": d} for d in DOCS],
    lp.parsed_after_task: [{"doc": d} for d in DOCS],
    lp.parsed_in_branch: [{"doc": d, "first": f} for d in DOCS for f in (True, False)],
}

ALL = [(wf, i) for wf, inputs in CASES.items() for i in inputs]


@pytest.mark.parametrize("wf,execution_input", ALL, ids=case_id)
def test_agrees_with_native(wf: Any, execution_input: dict[str, Any], moto_runner: Any) -> None:
    assert_jsonpath_agrees(wf, execution_input, moto_runner)


def test_inputs_cover_every_outcome() -> None:
    assert native(lp.parsed_fields, {"doc": '{"a": 1}'}).error == "KeyError"
    assert native(lp.parsed_fields, {"doc": '[1]'}).error == "TypeError"
    assert native(lp.parsed_in_branch, {"doc": "[1]", "first": False}).output == "[1]"


@pytest.mark.parametrize("x", [2, -1, 0])
def test_nested_failure_cause_runs_locally(x: int) -> None:
    """`boundaries.parent` reads the fields of a failed nested execution's parsed cause (moto
    has no nested executions: pyflow's runner)."""
    outcome = assert_agrees(boundaries.parent, {"x": x}, query_language="jsonpath")
    assert outcome.error is None


def test_every_definition_passes_asl_validator() -> None:
    problems = validate_all({wf.__name__: compile_jsonpath(wf).definition for wf in list(CASES) + [boundaries.parent]})
    assert not problems, json.dumps(problems, indent=2)


def test_one_pass_stores_the_dict() -> None:
    d = compile_jsonpath(lp.parsed_fields).definition
    assert Counter(s["Type"] for s in d["States"].values()) == {"Pass": 2}
    first = d["States"][d["StartAt"]]
    assert first["Parameters"] == {"inner.$": "States.StringToJson($.doc)"}
    assert d["States"][first["Next"]]["Parameters"] == {"return.$": "States.Array($.inner.a, $.inner.b)"}
