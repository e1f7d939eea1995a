"""A bool formatted into a str on the JSONPath target (``str(flag)``, ``f"{flag}"``): Python
writes True/False where States.Format and States.JsonToString write true/false. The JSON
text split at "u" has two pieces for true and one for false: the count, less one, picks
the word from ``States.Array('False', 'True')``. No state of its own. Each program runs
natively, on moto's Step Functions interpreter and on pyflow's local runner with the same
outcome."""
from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

from tests.aslvalidator import validate_all
from tests.differential.engines import native
from tests.jsonpath import text_programs as tp
from tests.jsonpath.test_jsonpath import (  # noqa: F401 - moto_runner is a fixture
    assert_jsonpath_agrees,
    case_id,
    compile_jsonpath,
    moto_runner,
)

CASES: dict[Any, list[dict[str, Any]]] = {
    tp.bool_text: [{"n": n, "flag": f} for n in (0, 4) for f in (True, False)],
    tp.of_task_result: [{"n": 2}, {"n": 3}],
    tp.in_test: [{"flag": True}, {"flag": False}],
    tp.in_map: [{"xs": []}, {"xs": [0, 1, 2, 1.5]}, {"xs": [2, "a"]}],
    tp.in_loop: [{"n": 0}, {"n": 3}],
}

ALL = [(wf, i) for wf, inputs in CASES.items() for i in inputs]


@pytest.mark.parametrize("wf,execution_input", ALL, ids=case_id)
def test_agrees_with_native(wf: Any, execution_input: dict[str, Any], moto_runner: Any) -> None:
    assert_jsonpath_agrees(wf, execution_input, moto_runner)


def test_inputs_cover_every_outcome() -> None:
    assert native(tp.bool_text, {"n": 4, "flag": False}).output == [
        "True", "False", "n > 3 is True, flag is False!", "xTrue", "True", "FalseTrueNone4"]
    assert native(tp.in_map, {"xs": [2, "a"]}).error == "TypeError"
    assert native(tp.in_loop, {"n": 3}).output == "False,True,False,"


def test_every_definition_passes_asl_validator() -> None:
    problems = validate_all({wf.__name__: compile_jsonpath(wf).definition for wf in CASES})
    assert not problems, json.dumps(problems, indent=2)


def test_no_state_of_its_own() -> None:
    """`{"even": f"{even}", "text": label(f"even={even}")}` after the task: the text is an
    intrinsic expression in the task's Parameters and in the returning Pass."""
    d = compile_jsonpath(tp.of_task_result).definition
    assert Counter(s["Type"] for s in d["States"].values()) == {"Task": 2, "Pass": 1}
    text = ("States.ArrayGetItem(States.Array('False', 'True'), States.MathAdd(States.ArrayLength("
            "States.StringSplit(States.JsonToString($.even), 'u')), -1))")
    assert d["States"]["label"]["Parameters"] == {"text.$": f"States.Format('even={{}}', {text})"}
    assert d["States"]["Return"]["Parameters"]["even.$"] == text
