"""``str(float(x))`` / ``str(int(x))`` print Python's digits in both runs, whatever
kind of number JSON delivered (the workaround docs/semantics.md gives for integral
numbers of unknown kind): native == sfnx == pyflow's runner."""
from __future__ import annotations

from typing import Any

import pytest

from pyflow.compiler import compile_workflow
from pyflow.local import run_definition
from tests.differential.engines import Outcome, check, native
from tests.differential.programs import numbers

INPUTS = [{"x": 2, "n": 8}, {"x": 2.0, "n": 3}, {"x": 0.5, "n": 0}, {"x": -3, "n": -4}]


@pytest.mark.parametrize("execution_input", INPUTS, ids=str)
def test_explicit_conversions_format_alike(execution_input: dict[str, Any]) -> None:
    expected = native(numbers.explicit_number_format, execution_input)
    assert expected.error is None and all(isinstance(s, str) for s in expected.output)
    _, on_sfnx = check(numbers.explicit_number_format, execution_input)
    compiled = compile_workflow(numbers.explicit_number_format)
    ex = run_definition(compiled.definition, execution_input, tasks=compiled.task_functions())
    assert ex.status == "SUCCEEDED", ex.error
    assert expected.output == on_sfnx.output == ex.output
