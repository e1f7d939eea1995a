"""The smaller JSONata text keeps every answer (DESIGN §1): helper functions bound once per
expression (str() of unknown types, ints, floats, json.dumps), and products of unknown kind
inside arithmetic.
Native == compiled on sfnx and on pyflow's runner; the helpers also on npm jsonata."""
from __future__ import annotations

import json
from typing import Any

import pytest

from pyflow.compiler import compile_workflow
from pyflow.local import run_definition
from tests.differential.engines import native
from tests.differential.programs import size
from tests.differential.test_fuzz_found import assert_runner_agrees, assert_sfnx_agrees
from tests.differential.test_number_format import output_on_javascript_jsonata

ODD = ["ab", [1, [2]], None, {"k": 1}, "", []]
NUMBERS = [2, -3, 2.5, True, False, 1e-05, 0.1]

CASES = {
    size.product_in_arithmetic: [{"u": u, "v": v, "n": 7} for u in NUMBERS + ODD for v in (3, 1.5, True)]
    + [{"u": 2, "v": v, "n": 7} for v in ODD],
    size.product_left_to_right: [{"u": "ab", "d": {}, "n": 1}, {"u": 2, "d": {"k": 3}, "n": 1},
                                 {"u": "ab", "d": {"k": 2}, "n": 1}, {"u": True, "d": {"k": 2.5}, "n": 1}],
    size.product_outside_arithmetic: [{"u": u, "n": 4} for u in ["ab", [1], 2, 2.5, True, None]],
    size.dumps_a_local_named_d: [{"n": 1}, {"n": -20}],
    size.str_of_unknown_values: [{"u": u, "v": v, "n": n} for u, v, n in [
        ("x", [1, "a", None, True, 2.5, 1e-05, {"k": "it's"}], 3), (1.5, {"a": [True, "q\"'"]}, -8),
        (None, "tab\t\\", 10**14), (True, [[], {}], 0), ([12345.678, -0.0001, 123456789012345, -1.5e-07], "é中Ж", 7),
        ({"it's": "\x01\x7f\xad"}, 0.1, 2)]],
}
ALL = [(wf, i) for wf, inputs in CASES.items() for i in inputs]


def _id(value: Any) -> str:
    return getattr(value, "__name__", None) or json.dumps(value)[:40]


@pytest.mark.parametrize("wf,execution_input", ALL, ids=_id)
def test_native_and_sfnx_agree(wf: Any, execution_input: dict[str, Any]) -> None:
    assert_sfnx_agrees(wf, execution_input)


@pytest.mark.parametrize("wf,execution_input", ALL, ids=_id)
def test_native_and_local_runner_agree(wf: Any, execution_input: dict[str, Any]) -> None:
    assert_runner_agrees(wf, execution_input)


def test_a_str_repetition_inside_arithmetic_fails_with_typeerror() -> None:
    """"ab" * 3 + 7 is a TypeError natively; compiled it fails at the product, saying so."""
    execution_input = {"u": "ab", "v": 3, "n": 7}
    assert native(size.product_in_arithmetic, execution_input).error == "TypeError"
    compiled = compile_workflow(size.product_in_arithmetic)
    ex = run_definition(compiled.definition, execution_input)
    assert ex.status == "FAILED" and (ex.cause or "").endswith("TypeError: unsupported operand types for *")
    assert "$join" not in json.dumps(compiled.definition)  # no repetition branch is emitted


def test_the_left_operand_of_a_product_fails_first() -> None:
    """u * d["k"] with d missing "k": KeyError, as Python evaluates d["k"] before multiplying."""
    execution_input = {"u": "ab", "d": {}, "n": 1}
    assert native(size.product_left_to_right, execution_input).error == "KeyError"
    ex = run_definition(compile_workflow(size.product_left_to_right).definition, execution_input)
    assert ex.status == "FAILED" and (ex.cause or "").endswith("KeyError: 'k'")


def test_a_helper_is_bound_once_per_expression() -> None:
    """str_of_unknown_values prints two values of unknown type and three numbers in one f-string:
    one definition of the str() helper in that expression, however many calls."""
    text = json.dumps(compile_workflow(size.str_of_unknown_values).definition)
    assert text.count("$__str := function") == 1 and text.count("$__str(") >= 3


def test_str_helpers_on_javascript_jsonata() -> None:
    """The str()/number/json.dumps helpers on JSONata's JavaScript implementation (npm jsonata),
    whose $string writes numbers as JavaScript does: Python's text for each input."""
    inputs = CASES[size.str_of_unknown_values]
    results = output_on_javascript_jsonata(size.str_of_unknown_values, inputs)
    for execution_input, result in zip(inputs, results, strict=True):
        assert result == {"output": native(size.str_of_unknown_values, execution_input).output}, execution_input
