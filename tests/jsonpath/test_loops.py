"""``for`` loops lowered to a Map with MaxConcurrency 1, on the JSONPath target: the
programs of ``tests/differential/test_loops.py`` run on moto's Step Functions interpreter
and on pyflow's runner with the native outcome, or are rejected with PF130; the loops
that stay Choice loops append with `acc + [x]` (a Pass stores `States.Array(acc, [x])`,
the next reads it flattened with `[*][*]`)."""
from __future__ import annotations

from typing import Any

import pytest

from pyflow.diagnostics import CompileError
from pyflow.local import run_definition
from tests.differential.engines import Outcome, native
from tests.differential.programs import loops
from tests.differential.test_loops import CASES, MAPPED, states
from tests.jsonpath.test_jsonpath import case_id, compile_jsonpath, moto_runner, run_moto  # noqa: F401 - the fixture

# the programs JSONPath cannot express (`+` of untyped numbers, a comparison or formatting of
# an untyped value, `d[k] = v`, indexing an untyped value with a variable, a `finally` that
# would catch a data error of the try body or of a handler); everything else
# compiles, `acc + [x]` included, and runs on both engines
REJECTED = {loops.inside_while, loops.nested_while_effects, loops.carried, loops.reads_accumulator,
            loops.with_raise, loops.inner_loop_writes_outer, loops.finally_outside,
            loops.handler_with_finally, loops.subscript_write, loops.tuple_target}
EXPRESSIBLE = {wf for wf, _ in CASES} - REJECTED
# the expressible programs lowered to a Map
MAPPED_EXPRESSIBLE = set(MAPPED) - REJECTED


@pytest.mark.parametrize("wf,execution_input", CASES, ids=case_id)
def test_jsonpath_agrees_with_native(wf: Any, execution_input: dict[str, Any], moto_runner: Any) -> None:
    if wf not in EXPRESSIBLE:
        with pytest.raises(CompileError) as info:
            compile_jsonpath(wf)
        assert {d.code for d in info.value.diagnostics} == {"PF130"}, info.value.render()
        return
    compiled = compile_jsonpath(wf)
    loops._log.clear()
    expected = native(wf, execution_input)
    loops._log.clear()
    on_moto = run_moto(moto_runner, compiled, execution_input)
    if expected.error == "KeyError" and on_moto.error == "Exception":
        # moto deviation: a missing field read by Parameters fails the run as "Exception"
        # (AWS: States.Runtime); the run fails as it must
        on_moto = Outcome(error="States.Runtime")
    assert expected.agrees_with(on_moto), f"native={expected} moto={on_moto}"
    loops._log.clear()
    ex = run_definition(compiled.definition, execution_input, tasks=compiled.task_functions())
    on_local = Outcome(output=ex.output) if ex.status == "SUCCEEDED" else Outcome(error=ex.error)
    assert expected.agrees_with(on_local), f"native={expected} local={on_local}"


@pytest.mark.parametrize("wf", sorted(MAPPED_EXPRESSIBLE, key=case_id), ids=case_id)
def test_map_uses_items_path_and_item_selector(wf: Any) -> None:
    definition = compile_jsonpath(wf).definition
    state = next(s for s in states(definition) if s["Type"] == "Map")  # in a Parallel branch too
    assert state["MaxConcurrency"] == 1
    assert state["ItemsPath"].startswith("$")
    assert any(v == "$$.Map.Item.Value" for v in state["ItemSelector"].values())
    assert not any("For" in name.split("-") for name in definition["States"])


def test_for_over_a_value_not_known_to_be_a_list_is_pf130(tmp_path: Any) -> None:
    """A `for` loop that stays a Choice loop walks a list with States.ArrayLength and
    States.ArrayGetItem, which fail on a str or a dict, where Python iterates characters and keys."""
    from pyflow.compiler import compile_file

    src = tmp_path / "wf.py"
    src.write_text(
        "from pyflow import task, workflow\n\n"
        "@task\ndef t(x: str) -> int:\n    return len(x)\n\n"
        "@workflow\ndef wf(d) -> int:\n    n = 0\n    for k in d:\n        if k == \"stop\":\n"
        "            break\n        n = t(k)\n    return n\n")
    with pytest.raises(CompileError) as info:
        compile_file(src, "wf", "jsonpath")
    (diag,) = info.value.diagnostics
    assert diag.code == "PF130" and "a for loop over a value of unknown type" in diag.message, info.value.render()
    assert diag.span.line == 10, info.value.render()
