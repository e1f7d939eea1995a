"""Negative constant indices on the JSONPath target: ``xs[-k]`` is
``States.ArrayGetItem`` of the first chunk of ``States.ArrayPartition(xs, len(xs) - k + 1)``
at ``len(xs) - k``: a list shorter than ``k`` makes a chunk size below 1, which fails the run
(Python's IndexError; ``States.ArrayGetItem`` alone indexes from the end on moto). Each
program runs natively, on moto's Step Functions interpreter and on pyflow's local runner
with the same outcome; what stays PF130 is asserted with its reason."""
from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

from pyflow.diagnostics import CompileError
from tests.aslvalidator import validate_all
from tests.differential.engines import native
from tests.jsonpath import index_programs as ip
from tests.jsonpath.test_jsonpath import (  # noqa: F401 - moto_runner is a fixture
    assert_jsonpath_agrees,
    assert_pf130,
    case_id,
    compile_jsonpath,
    moto_runner,
)

LISTS: list[Any] = [[], [1], [1, "b"], ["a", None, {"k": [1]}], [[1], [2, 3], [], 4.5, True]]

CASES: dict[Any, list[dict[str, Any]]] = {
    ip.last: [{"xs": xs} for xs in LISTS],
    ip.from_end: [{"xs": xs} for xs in LISTS],
    ip.of_task_result: [{"n": n} for n in (0, 1, 2, 5)],
    ip.in_test: [{"xs": xs} for xs in ([], ["stop"], ["go", "stop"], ["stop", "go"], [None])],
    ip.as_argument: [{"xs": xs, "n": n} for xs in ([], [1], [1, 2]) for n in (0, 1)],
    ip.in_loop: [{"rows": []}, {"rows": [1, 3]}, {"rows": [2, 0, 1]}],
    ip.in_map: [{"rows": []}, {"rows": [1, 3]}, {"rows": [2, 0]}],
}

ALL = [(wf, i) for wf, inputs in CASES.items() for i in inputs]


REJECTED = {
    ip.of_unknown: "a negative index of a value not known to be a list",
}


@pytest.mark.parametrize("wf,execution_input", ALL, ids=case_id)
def test_agrees_with_native(wf: Any, execution_input: dict[str, Any], moto_runner: Any) -> None:
    assert_jsonpath_agrees(wf, execution_input, moto_runner)


def test_inputs_cover_every_outcome() -> None:
    """Not vacuous: an index out of range fails natively, one just in range does not."""
    assert native(ip.last, {"xs": []}).error == "IndexError"
    assert native(ip.from_end, {"xs": [1, "b"]}).error == "IndexError"
    assert native(ip.from_end, {"xs": ["a", None, {"k": [1]}]}).output == ["a", None, {"k": [1]}, "a"]
    assert native(ip.of_task_result, {"n": 1}).error == "IndexError"
    assert native(ip.in_loop, {"rows": [2, 0, 1]}).error == "IndexError"
    assert native(ip.as_argument, {"xs": [1], "n": 1}).error == "IndexError"
    assert native(ip.as_argument, {"xs": [1], "n": 0}).output == 1


@pytest.mark.parametrize("wf", sorted(REJECTED, key=case_id), ids=case_id)
def test_what_stays_pf130(wf: Any) -> None:
    assert_pf130(wf, REJECTED[wf])


def test_every_definition_passes_asl_validator() -> None:
    problems = validate_all({wf.__name__: compile_jsonpath(wf).definition for wf in CASES})
    assert not problems, json.dumps(problems, indent=2)


def test_no_state_of_its_own() -> None:
    """`return xs[-1]` is one Pass: the index is an intrinsic expression, no state computes it."""
    d = compile_jsonpath(ip.last).definition
    assert Counter(s["Type"] for s in d["States"].values()) == {"Pass": 1}
    value = d["States"][d["StartAt"]]["Parameters"]["return.$"]
    assert value == ("States.ArrayGetItem(States.ArrayGetItem(States.ArrayPartition($.xs, States.ArrayLength($.xs)), "
                     "0), States.MathAdd(States.ArrayLength($.xs), -1))")
