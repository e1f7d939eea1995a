"""``d[k] = v`` with a str key on the JSONPath target: ``States.JsonMerge(d, {k: v}, false)``,
the one-entry dict made as JSON text by ``States.StringToJson(States.Format('{}{}:{}{}', "{",
JSON of k, JSON of v, "}"))`` (the braces are ``States.Base64Decode`` of constants: they are
reserved in intrinsic string literals, and moto does not unescape them). No state of its
own. Each program runs natively, on moto's Step Functions interpreter and on pyflow's local
runner with the same outcome (keys with quotes, backslashes, braces, control characters and
non-ASCII text; Python's TypeError where the value set is not a dict); what stays PF130 is
asserted with its reason."""
from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

from pyflow.diagnostics import CompileError
from pyflow.testing import assert_agrees
from tests.aslvalidator import validate_all
from tests.differential.engines import native
from tests.differential.programs import exprs, loops
from tests.jsonpath import setitem_programs as sp
from tests.jsonpath.test_jsonpath import (  # noqa: F401 - moto_runner is a fixture
    assert_jsonpath_agrees,
    assert_pf130,
    case_id,
    compile_jsonpath,
    moto_runner,
)

KEYS = ["k", "", "const", "a", "it's", 'say "hi"', "back\\slash", "{}", "{", "}}", "é☃ \n", "😀\t\u0001",
        "'\\\"{}"]
VALUES: list[Any] = [1, None, "v", {"z": [1, "}{\"", None]}, [], 2.5, True, "'\\{"]

CASES: dict[Any, list[dict[str, Any]]] = {
    sp.set_keys: [{"d": {"a": 0, "b": [1]}, "k": k, "v": v} for k, v in zip(KEYS, VALUES * 2)]
    + [{"d": {}, "k": "k", "v": v} for v in VALUES],
    sp.on_unknown: [{"d": d, "k": "k"} for d in ({}, {"k": 0, "j": 1}, [1], "s", None, 3, [])],
    sp.task_key: [{"words": []}, {"words": ["a", "b", "a"]}, {"words": ['"', "\\", "{x}", "ü"]}],
    sp.of_task_result: [{"d": {}, "k": "k"}, {"d": {"k": 1, "k!": 2}, "k": "k"}, {"d": {"x": None}, "k": "\"'"}],
    sp.in_branches: [{"k": k, "first": f} for k in ("a", "b", "new", "{\"") for f in (True, False)],
    sp.setter: [{"k": "x"}, {"k": "}{"}],
    sp.spreads: [{"d": d, "x": x, "k": k} for d, x, k in (({}, 1, "k"), ({"k": "old", "j": None}, [None], "n"),
                                                          ({"a": 1}, {"x": "{"}, "z"), ([1], 1, "k"), ("s", 1, "k"),
                                                          (None, 1, "k"))],
}

ALL = [(wf, i) for wf, inputs in CASES.items() for i in inputs]

REJECTED = {
    sp.on_list: "`d[k] = v` on a list",
    sp.untyped_key: "`d[k] = v` with a key not known to be a str",
    exprs.set_list_item: "`d[k] = v` on a list",
    exprs.set_untyped_item: "`d[k] = v` with a key not known to be a str",
    # str(x) of an item of unknown type: the key is not the trouble
    loops.subscript_write: "formatting a value of unknown type into a str",
}


@pytest.mark.parametrize("wf,execution_input", ALL, ids=case_id)
def test_agrees_with_native(wf: Any, execution_input: dict[str, Any], moto_runner: Any) -> None:
    assert_jsonpath_agrees(wf, execution_input, moto_runner)


@pytest.mark.parametrize("execution_input", [{"keys": []}, {"keys": ["a", "}{", "a"]}], ids=json.dumps)
def test_nested_workflow_in_map_runs_locally(execution_input: dict[str, Any]) -> None:
    """`in_map` starts `setter` as a nested execution (moto has none): pyflow's runner."""
    assert assert_agrees(sp.in_map, execution_input, query_language="jsonpath").error is None


def test_inputs_cover_every_outcome() -> None:
    assert native(sp.on_unknown, {"d": [1], "k": "k"}).error == "TypeError"
    assert native(sp.on_unknown, {"d": {"k": 0, "j": 1}, "k": "k"}).output == {"k": 1, "j": 1}
    assert native(sp.set_keys, {"d": {"a": 0}, "k": "a", "v": 1}).output["a"] == 1
    assert native(sp.task_key, {"words": ["a", "b", "a"]}).output == {"<a>": "a", "<b>": "b"}
    assert native(sp.spreads, {"d": [1], "x": 1, "k": "k"}).error == "TypeError"
    assert native(sp.spreads, {"d": {"k": "old"}, "x": 1, "k": "k"}).output[2:4] == [{"k": "old"}, {"k": 0}]


@pytest.mark.parametrize("wf", sorted(REJECTED, key=case_id), ids=case_id)
def test_what_stays_pf130(wf: Any) -> None:
    assert_pf130(wf, REJECTED[wf])


def test_every_definition_passes_asl_validator() -> None:
    problems = validate_all({wf.__name__: compile_jsonpath(wf).definition for wf in CASES})
    assert not problems, json.dumps(problems, indent=2)


def test_no_state_of_its_own() -> None:
    """`d[k] = 1; return d` (d of unknown type) is one Pass."""
    d = compile_jsonpath(sp.on_unknown).definition
    assert Counter(s["Type"] for s in d["States"].values()) == {"Pass": 1}
    assert d["States"][d["StartAt"]]["Parameters"]["return.$"] == (
        "States.JsonMerge($.d, States.StringToJson(States.Format('{}{}:{}{}', States.Base64Decode('ew=='), "
        "States.JsonToString($.k), '1', States.Base64Decode('fQ=='))), false)")
