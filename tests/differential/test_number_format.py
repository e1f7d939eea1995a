"""``str(float(x))`` / ``str(int(x))`` print Python's digits in both runs, whatever
kind of number JSON delivered (the workaround docs/semantics.md gives for integral
numbers of unknown kind): native == sfnx == pyflow's runner."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from pyflow.compiler import compile_workflow
from pyflow.local import run_definition
from tests.differential.engines import check, native
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


# Where $string's layout is not Python's: below 1e-4 (JavaScript writes 0.00001 down to 1e-6,
# 1.5e-7 below; Python 1e-05, 1.5e-07) and for integral floats from 1e15 on (Python:
# 1000000000000000.0, 1e+16, 1.5e+16). Integral floats go to ``f`` with ``b`` true, so that
# ``n`` (an int or a float) is an int: an integral float of unknown kind prints as an int
# compiled (docs/semantics.md).
LAYOUT_INPUTS = [
    {"f": 1e-05, "u": -1e-05, "i": 0, "b": False},
    {"f": -1.5e-07, "u": 1.5e-07, "i": 0, "b": False},
    {"f": 0.0001, "u": 9.99e-05, "i": 0, "b": False},
    {"f": 1e-06, "u": -1.2345e-06, "i": 0, "b": False},
    {"f": 1.5e-10, "u": 0.00012, "i": 0, "b": False},
    {"f": 123.25, "u": 1234567.5, "i": 0, "b": False},
    {"f": 1e15, "u": 0.0001, "i": 3, "b": True},
    {"f": -1e15, "u": 2.5e-300, "i": -7, "b": True},
    {"f": 1e16, "u": 0.5, "i": 0, "b": True},
    {"f": 1.5e16, "u": -123.456, "i": 5, "b": True},
    {"f": -1.5e16, "u": 1e-07, "i": 5, "b": True},
    {"f": 1.25e17, "u": -0.001, "i": 1, "b": True},
    {"f": 1e21, "u": 3.5, "i": 1, "b": True},
]


@pytest.mark.parametrize("execution_input", LAYOUT_INPUTS, ids=str)
def test_number_layouts_match_python(execution_input: dict[str, Any]) -> None:
    expected = native(numbers.number_layouts, execution_input)
    assert expected.error is None
    _, on_sfnx = check(numbers.number_layouts, execution_input)
    compiled = compile_workflow(numbers.number_layouts)
    ex = run_definition(compiled.definition, execution_input, tasks=compiled.task_functions())
    assert ex.status == "SUCCEEDED", ex.error
    assert expected.output == on_sfnx.output == ex.output


NODE_JSONATA = Path(__file__).resolve().parents[2] / ".ci" / "node_modules" / "jsonata"
EVALUATE_JS = """
const jsonata = require(process.argv[1]);
let text = "";
process.stdin.on("data", (chunk) => { text += chunk; });
process.stdin.on("end", async () => {
  const {expression, inputs} = JSON.parse(text);
  const compiled = jsonata(expression);
  const results = [];
  for (const input of inputs) {
    try { results.push({output: await compiled.evaluate({}, {states: {input: input}})}); }
    catch (err) { results.push({error: String(err.message)}); }
  }
  process.stdout.write(JSON.stringify(results));
});
"""


def output_on_javascript_jsonata(wf: Any, inputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The ``Output`` expression of ``wf``'s single state evaluated by npm ``jsonata`` for each
    input: ``{"output": ...}`` or ``{"error": message}``. Skips the test where node or the
    package is missing."""
    node = shutil.which("node")
    if node is None or not NODE_JSONATA.exists():
        pytest.skip("node and jsonata are not installed (npm install --prefix .ci asl-validator@4)")
    compiled = compile_workflow(wf)
    (state,) = compiled.definition["States"].values()
    expression = state["Output"]
    assert expression.startswith("{%") and expression.endswith("%}")
    proc = subprocess.run([node, "-e", EVALUATE_JS, str(NODE_JSONATA)], input=json.dumps(
        {"expression": expression[2:-2], "inputs": inputs}), capture_output=True, text=True, timeout=60, check=True)
    return json.loads(proc.stdout)


def test_number_layouts_on_javascript_jsonata() -> None:
    """The same on JSONata's JavaScript implementation (npm ``jsonata``), whose ``$string``
    writes 0.00001, 1.5e-7 and 10000000000000000, and whose ``$number`` rejects "+21"."""
    inputs = [*LAYOUT_INPUTS, {"f": 1e22, "u": 2.5, "i": 0, "b": True}]
    for execution_input, result in zip(inputs, output_on_javascript_jsonata(numbers.number_layouts, inputs), strict=True):
        assert result == {"output": native(numbers.number_layouts, execution_input).output}, execution_input
