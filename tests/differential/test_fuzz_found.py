"""What the expression fuzzer (tools/fuzz_exprs.py) found: native run == compiled run on
sfnx and on pyflow's runner (DESIGN §1), values compared strictly (``True`` is not ``1``;
only the documented integral-float difference is allowed)."""
from __future__ import annotations

import json
from typing import Any

import pytest

from pyflow.compiler import compile_workflow
from pyflow.local import run_definition
from tests.differential.engines import Outcome, check, native
from tests.differential.programs import fuzz_found as ff

CASES = {
    ff.bool_unary: [{"b": True, "u": True}, {"b": False, "u": 2.5}, {"b": True, "u": -3}, {"b": True, "u": "x"}],
    ff.bool_min_max: [{"b": True, "i": 3, "u": False}, {"b": True, "i": 1, "u": 0}, {"b": False, "i": -1, "u": 0.5},
                      {"b": True, "i": 0, "u": "x"}],
    ff.untyped_bool_arithmetic: [{"u": True, "v": True}, {"u": 0.5, "v": False}, {"u": 7, "v": 2}, {"u": "a", "v": 1},
                                 {"u": False, "v": 0}],
    ff.int_with_underscores: [{"s": "1_000"}, {"s": " -1_2 "}, {"s": "+4"}, {"s": "1__0"}, {"s": "_1"}, {"s": "1_"}],
    ff.known_float_isinstance: [{"i": 4}, {"i": 3}, {"i": 0}],
    ff.int_or_float_str: [{"i": 10, "b": False}, {"i": 3, "b": True}, {"i": 5, "b": False}],
    ff.replace_literally: [{"s": "abé", "old": "", "new": "-"}, {"s": "", "old": "", "new": "x"},
                           {"s": "aba", "old": "a", "new": "$0"}, {"s": "a$b", "old": "$", "new": "$$"},
                           {"s": "aaa", "old": "aa", "new": "b"}, {"s": "ab", "old": "b", "new": 1}],
    ff.dumps_non_ascii: [{"s": "é", "d": {"ä": ["中", 1.5]}}, {"s": "x\x7f\x01\t\"", "d": {}},
                         {"s": "\U0001F600", "d": {"k": "\u20ac"}}, {"s": "", "d": {"a": None}}],
    ff.float_text: [{"f": 1e-05, "u": 1.5e-07}, {"f": 1e16, "u": 0.5}, {"f": 1.25e17, "u": -123.456},
                    {"f": -0.0001, "u": -1.5e300}, {"f": 12345678901234.5, "u": 1e22}, {"f": 2.5, "u": "x"}],
    ff.get_with_any_key: [{"d": {"a": 1, "1": 2}, "k": 1}, {"d": {"a": 1}, "k": "a"}, {"d": {"a": 1}, "k": None},
                          {"d": {"True": 1}, "k": True}, {"d": {}, "k": [1]}],
    ff.get_on_untyped: [{"u": '{"a": 1}'}, {"u": "{}"}],
    ff.big_int_text: [{"i": 999999999999999, "f": 999999999999999.0}, {"i": -7, "f": 1e16}, {"i": 0, "f": 0.5}],
    ff.split_on_empty: [{"s": "a,b", "sep": ","}, {"s": "false", "sep": ""}, {"s": "", "sep": "x"}],
    ff.unused_failing_value: [{"u": 2, "s": "a"}, {"u": "a", "s": "a"}, {"u": 0, "s": "a"}, {"u": True, "s": 3},
                              {"u": 1.5, "s": None}, {"u": -1, "s": "b"}],
    ff.float_floordiv_mod: [{"a": 0.1, "b": 1e-05, "i": 1, "u": 0.1, "v": 1e-05},
                            {"a": -0.1, "b": 1e-05, "i": -7, "u": 7, "v": -2},
                            {"a": 0.1, "b": -1e-05, "i": 3, "u": True, "v": 0.5},
                            {"a": 1e17, "b": 3.0, "i": 10, "u": -7.5, "v": 2},
                            {"a": 7.5, "b": -2.0, "i": 0, "u": 1e17, "v": 3},
                            {"a": 1.0, "b": 0.0, "i": 1, "u": 1, "v": 1},  # ZeroDivisionError
                            {"a": 1.0, "b": 1.0, "i": 1, "u": 1.5, "v": 0},  # ZeroDivisionError
                            {"a": 1.0, "b": 1.0, "i": 1, "u": "a", "v": 2}],  # TypeError
    ff.fractional_power: [{"f": 2.25, "u": 4, "v": 0.5}, {"f": 0.0, "u": -8, "v": 2}, {"f": -2.5, "u": 4, "v": 0.5},
                          {"f": 2.25, "u": -8, "v": 1.5}, {"f": 1.0, "u": True, "v": -0.5}],
    ff.repr_of_unknown: [{"u": [1, "a", None, True, False, 2.5, 1e-05, [], {}]},
                         {"u": {"k": None, "b": True, "x": [1, {"y": "z"}]}},
                         {"u": ["it's", 'say "hi"', "both ' \"", "back\\slash", "tab\tnl\ncr\r"]},
                         {"u": {"it's": "\x01\x7f\x85\xa0\xad\xe9\xff", "": [[]]}},
                         {"u": ["中文", "Ж", "ǅ"]}, {"u": "text"}, {"u": 1.5}, {"u": None}],
    ff.failing_value_read_lazily: [{"b": True, "d": {"a": 1}}, {"b": False, "d": {}}],
    ff.failing_value_read_lazily_by_raise: [{"b": True}, {"b": False}],
}

ALL = [(wf, i) for wf, inputs in CASES.items() for i in inputs]


def _id(value: Any) -> str:
    return getattr(value, "__name__", None) or json.dumps(value)[:40]


def _strict(x: Any) -> Any:
    """JSON value with bools tagged (True is not 1) and integral floats as ints (documented)."""
    if isinstance(x, bool):
        return ["<bool>", x]
    if isinstance(x, float) and x == int(x):
        return int(x)
    if isinstance(x, list):
        return [_strict(i) for i in x]
    if isinstance(x, dict):
        return {k: _strict(v) for k, v in x.items()}
    return x


def _agree(expected: Outcome, got: Outcome) -> bool:
    if expected.error is None and got.error is None:
        return json.dumps(_strict(expected.output), sort_keys=True) == json.dumps(_strict(got.output), sort_keys=True)
    return expected.agrees_with(got)


def assert_sfnx_agrees(wf: Any, execution_input: dict[str, Any]) -> None:
    """Native == compiled on sfnx, floats and ints told apart (``_agree``)."""
    expected, compiled = check(wf, execution_input)
    assert _agree(expected, compiled), f"native={expected} sfnx={compiled}"


def assert_runner_agrees(wf: Any, execution_input: dict[str, Any]) -> None:
    """Native == compiled on pyflow's runner, floats and ints told apart (``_agree``)."""
    expected = native(wf, execution_input)
    compiled = compile_workflow(wf)
    ex = run_definition(compiled.definition, execution_input, tasks=compiled.task_functions())
    got = Outcome(output=ex.output) if ex.status == "SUCCEEDED" else Outcome(error=ex.error)
    assert _agree(expected, got), f"native={expected} local={got}"


@pytest.mark.parametrize("wf,execution_input", ALL, ids=_id)
def test_native_and_sfnx_agree(wf: Any, execution_input: dict[str, Any]) -> None:
    assert_sfnx_agrees(wf, execution_input)


@pytest.mark.parametrize("wf,execution_input", ALL, ids=_id)
def test_native_and_local_runner_agree(wf: Any, execution_input: dict[str, Any]) -> None:
    assert_runner_agrees(wf, execution_input)


def test_a_float_with_17_digits_fails_rather_than_print_15() -> None:
    """Step Functions' JSONata prints 15 significant digits: str(0.1 + 0.2) would be "0.3"
    compiled, "0.30000000000000004" natively; the compiled run fails instead (docs/semantics.md)."""
    execution_input = {"f": 0.1, "u": 0.30000000000000004}
    _, compiled = check(ff.float_text, execution_input)
    assert compiled.error == "States.QueryEvaluationError"
    definition = compile_workflow(ff.float_text).definition
    ex = run_definition(definition, execution_input)
    assert ex.status == "FAILED" and "15 significant digits" in (ex.cause or "")


def test_get_on_a_non_dict_fails() -> None:
    """json.loads("10").get("a"): AttributeError natively, a failed run compiled (was: the default)."""
    expected, compiled = check(ff.get_on_untyped, {"u": "10"})
    assert expected.error == "AttributeError" and compiled.error == "States.QueryEvaluationError"


@pytest.mark.parametrize("execution_input", [{"i": 1234567890123456, "f": 0.5}, {"i": 1, "f": 1e16 - 2.5}])
def test_sixteen_digits_fail_rather_than_print_fifteen(execution_input: dict[str, Any]) -> None:
    """pyflow's runner prints numbers as Step Functions does (15 significant digits): the
    compiled run fails where it would print digits Python does not."""
    definition = compile_workflow(ff.big_int_text).definition
    ex = run_definition(definition, execution_input)
    assert ex.status == "FAILED" and "15 significant digits" in (ex.cause or "")


@pytest.mark.parametrize("execution_input", [{"u": ["\U0001F600"]}, {"u": {"k": "\u0378"}}, {"u": ["\u2028"]}])
def test_repr_of_text_python_decides_by_unicode_category_fails(execution_input: dict[str, Any]) -> None:
    """Beyond Latin, Cyrillic and the common CJK ideographs, Python's repr() prints or escapes a
    character by its Unicode category (U+0378 is unassigned: '\\u0378'), which JSONata cannot
    see: the compiled run fails rather than print something else (docs/semantics.md)."""
    expected, compiled = check(ff.repr_of_unknown, execution_input)
    assert expected.error is None and compiled.error == "States.QueryEvaluationError"
    ex = run_definition(compile_workflow(ff.repr_of_unknown).definition, execution_input)
    assert ex.status == "FAILED" and "Unicode category" in (ex.cause or "")


def test_fractional_power_of_a_negative_number_fails_by_name() -> None:
    """(-2.5) ** 0.5 is a complex number: the compiled run fails with a cause that says so, on
    both engines (sfnx's jsonata-python raised a Python TypeError from $power before)."""
    execution_input = {"f": -2.5, "u": 4, "v": 0.5}
    expected, compiled = check(ff.fractional_power, execution_input)
    assert expected.error == "TypeError" and compiled.error == "States.QueryEvaluationError"
    ex = run_definition(compile_workflow(ff.fractional_power).definition, execution_input)
    assert ex.status == "FAILED" and "complex number" in (ex.cause or "")
