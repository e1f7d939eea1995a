"""`+` of lists on the JSONPath target: a Pass stores ``States.Array(a, b)`` in a field
(``ResultPath``, the document kept), the state after it reads ``$.field[*][*]``, which
flattens exactly one level (AWS documents ``$[*][*]`` for flattening an array of arrays).
Each program runs natively, on moto's Step Functions interpreter and on pyflow's local
runner with the same outcome; what stays PF130 is asserted with its reason."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from pyflow.compiler import compile_file
from pyflow.diagnostics import CompileError
from pyflow.local import run_definition
from tests.aslvalidator import validate_all
from tests.differential.engines import Outcome, native
from tests.differential.programs import exprs, loops
from tests.jsonpath import concat_programs as cp
from tests.jsonpath.test_jsonpath import (  # noqa: F401 - moto_runner is a fixture
    assert_pf130,
    case_id,
    compile_jsonpath,
    _load_example,
    moto_runner,
    run_local,
    run_moto,
)
from tests.jsonpath.test_structured import run_local

wait_for_trigger_time = _load_example("wait_states").wait_for_trigger_time

CASES = [
    (cp.append, {"xs": [], "x": 1}),
    (cp.append, {"xs": [1, [2]], "x": [3]}),
    (cp.append, {"xs": [{"a": None}], "x": None}),
    (cp.append, {"xs": [None], "x": {"k": []}}),
    (cp.append, {"x": 1}),
    # a parameter annotated `list` that is not one: Python's TypeError, States.ArrayLength's
    # failure compiled (`[*]` alone would take a dict's values and skip a str)
    (cp.append, {"xs": {"a": 1}, "x": 2}),
    (cp.append, {"xs": "ab", "x": 2}),
    (cp.append, {"xs": None, "x": 2}),
    (cp.empties, {"xs": {"a": 1}}),
    (cp.in_branches, {"xs": "ab"}),
    (cp.prepend_and_append, {"xs": [], "a": 1, "b": "z"}),
    (cp.prepend_and_append, {"xs": [[1], {"d": 2}, None, False, 0.5, ""], "a": [], "b": {}}),
    (cp.empties, {"xs": []}),
    (cp.empties, {"xs": [[], [[]]]}),
    (cp.nested_items, {"xs": [], "ys": []}),
    (cp.nested_items, {"xs": [[1, [2]]], "ys": [[3], {"y": [4]}]}),
    (cp.star_display, {"xs": [], "x": 3}),
    (cp.star_display, {"xs": ["a", ["b"]], "x": 3}),
    (cp.while_accumulator, {"n": 0}),
    (cp.while_accumulator, {"n": 3}),
    (cp.for_with_break, {"xs": []}),
    (cp.for_with_break, {"xs": [1, "a", [2], {"b": 3}]}),
    (cp.for_with_break, {"xs": [1, "stop", 2]}),
    (cp.caught, {"xs": [], "n": 1}),
    (cp.caught, {"xs": [[0]], "n": -1}),
    (cp.in_branches, {"xs": []}),
    (cp.in_branches, {"xs": [1, [2]]}),
    (cp.in_map, {"groups": []}),
    (cp.in_map, {"groups": [[], [1, [2]], [{"a": 1}]]}),
    (cp.map_over_joined, {"xs": []}),
    (cp.map_over_joined, {"xs": [5, -1]}),
    (wait_for_trigger_time, {"trigger_time": "2020-01-01T00:00:00Z", "delay": 0}),
]

# Still PF130, each with the reason the diagnostic gives.
REJECTED = {
    cp.two_computed: "`+` of lists that may both be empty",
    cp.inside_call: "`+` of lists inside another expression",
    cp.untyped_side: "`+` of a list and a value of type any",
    # `for k in d` of an untyped d: Python iterates a str or a dict too
    exprs.iterate_untyped: "a for loop over a value of unknown type",
}


@pytest.mark.parametrize("wf,execution_input", CASES, ids=case_id)
def test_concat_agrees_with_native(wf: Any, execution_input: dict[str, Any], moto_runner: Any) -> None:  # noqa: F811
    compiled = compile_jsonpath(wf)
    assert '"Assign"' not in compiled.json and "{%" not in compiled.json
    expected = native(wf, execution_input)
    on_moto = run_moto(moto_runner, compiled, execution_input)
    if expected.error in ("pyflow.MissingInput", "MissingInput") and on_moto.error == "Exception":
        # moto deviation: a missing top-level field in Parameters fails the run as "Exception"
        # (AWS: States.Runtime); the run fails as it must.
        on_moto = Outcome(error="States.Runtime")
    assert expected.agrees_with(on_moto), f"native={expected} moto={on_moto}"
    on_local = run_local(compiled, execution_input)
    assert expected.agrees_with(on_local), f"native={expected} local={on_local}"


@pytest.mark.parametrize("wf", list(REJECTED), ids=case_id)
def test_what_stays_pf130(wf: Any) -> None:
    assert_pf130(wf, REJECTED[wf])


def test_concat_definitions_pass_asl_validator() -> None:
    definitions = {wf.__name__: compile_jsonpath(wf).definition for wf, _ in CASES}
    for wf in (loops.with_break, loops.accumulate_onto_list):
        definitions[wf.__name__] = compile_jsonpath(wf).definition
    problems = validate_all(definitions)
    assert not problems, json.dumps(problems, indent=2)


def _states(definition: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for state in definition["States"].values():
        out.append(state)
        for sub in state.get("Branches", []) + ([state["ItemProcessor"]] if "ItemProcessor" in state else []):
            out += _states(sub)
    return out


def test_flattening_reads_the_staged_pair() -> None:
    """`xs + [x]` in the first state: one Pass stores the pair beside the input (and checks
    that the parameter annotated `list` is one), the return reads it flattened (2 states)."""
    d = compile_jsonpath(cp.append).definition
    first = d["States"][d["StartAt"]]
    assert first == {"Type": "Pass", "Parameters": {"c1.$": "States.Array($.xs, States.Array($.x))",
                                                    "list1.$": "States.ArrayLength($.xs)"},
                     "ResultPath": "$.pf_s2", "Next": "Return"}
    assert d["States"]["Return"] == {"Type": "Pass", "OutputPath": "$.pf_s2.c1[*][*]", "End": True}


def test_displays_join_without_a_pass() -> None:
    """`[] + [a] + [b]` (the wait_states example) is one States.Array: no staging at all."""
    d = compile_file(Path(__file__).resolve().parents[2] / "examples" / "wait_states.py", "wait_for_trigger_time",
                     "jsonpath").definition
    assert "[*]" not in json.dumps(d)
    assert d["States"]["Return"]["Parameters"] == {"return.$": "States.Array($.pf_start_the_work_1, "
                                                   "$.pf_start_the_work_2, $.pf_start_the_work_3, "
                                                   "$.pf_start_the_work_4, $.pf_start_the_work_5)"}


def test_accumulator_loop_cost() -> None:
    """`for x in xs: if x > 5: break; out = out + [x]` (a Choice loop): per item the loop test,
    the Pass that reads the item, the `if`, and two Passes for the append: 5 transitions, one
    more than if an intrinsic concatenated arrays (a hand-written JSONPath machine needs the
    same two Passes: no single state can build the pair and read it flattened)."""
    compiled = compile_jsonpath(loops.with_break)
    kinds = Counter(s["Type"] for s in compiled.definition["States"].values())
    # the Fail is Python's TypeError for `x > 5` when an item is not a number (guarded rule)
    assert kinds == {"Pass": 5, "Choice": 2, "Fail": 1}
    concat = compiled.definition["States"]["Concat_out"]
    # `out` is a list by construction: no States.ArrayLength check
    assert concat["Parameters"] == {"c1.$": "States.Array($.out, States.Array($.x))"}
    assert compiled.definition["States"]["Set_out"]["Parameters"]["out.$"] == "$.pf_s3.c1[*][*]"
    ex = run_definition(compiled.definition, {"xs": [1, 2, 3]}, tasks=compiled.task_functions())
    assert ex.output == [1, 2, 3]
    assert ex.transitions == 1 + 3 * 5 + 2  # Start, 3 items, the last loop test and the return
