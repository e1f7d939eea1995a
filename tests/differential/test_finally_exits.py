"""``return``/``break``/``continue`` through ``finally``: native == sfnx == pyflow's
runner. Before, ``break`` and ``continue`` skipped the finally body, and a finally body run
on the way out of a ``return`` was caught by its own try's ``except``."""
from __future__ import annotations

from typing import Any

import pytest

from pyflow.testing import assert_agrees
from tests.differential.engines import check
from tests.differential.programs import finally_exits as f

CASES = [
    (f.break_runs_finally, {"xs": [1, 2, 3]}, ["body1", "fin1", "fin2"]),
    (f.break_runs_finally, {"xs": [1]}, ["body1", "fin1"]),
    (f.continue_runs_finally, {"xs": [1, 2, 3, 4]}, [10, "f", "f", "boom", "f", 40, "f"]),
    (f.break_in_while_runs_both_finally_blocks, {"n": 3}, [1, "inner", "outer", 2, "inner", "outer", "inner", "outer"]),
    (f.finally_error_on_return_skips_own_handler, {"x": 1}, "outer handler Boom"),
    (f.finally_error_on_return_skips_own_handler, {"x": 3}, "own handler"),
]


def _id(case: Any) -> str:
    return getattr(case, "__name__", None) or str(case)


@pytest.mark.parametrize("wf,execution_input,expected", CASES, ids=_id)
def test_native_sfnx_and_runner_agree(wf: Any, execution_input: dict[str, Any], expected: Any) -> None:
    native, on_sfnx = check(wf, execution_input)
    assert native.output == expected  # Python's own answer, checked by hand
    assert native.agrees_with(on_sfnx), f"native={native} sfnx={on_sfnx}"
    assert_agrees(wf, execution_input)


@pytest.mark.parametrize("wf,execution_input,expected", CASES, ids=_id)
def test_jsonpath_runs_agree_where_it_compiles(wf: Any, execution_input: dict[str, Any], expected: Any) -> None:
    from pyflow.compiler import compile_workflow
    from pyflow.diagnostics import CompileError

    try:
        compile_workflow(wf, query_language="jsonpath")
    except CompileError as exc:
        assert {d.code for d in exc.diagnostics} == {"PF130"}
        pytest.skip("not expressible in JSONPath (PF130)")
    assert_agrees(wf, execution_input, query_language="jsonpath")
