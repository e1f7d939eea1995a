"""Bad input and Step Functions' limits: a diagnostic with a code each, never a traceback.

Checked through the API (``compile_workflow`` raises ``CompileError`` with the code)
and through the CLI (exit status 1 or 2, stderr names the code, no "Traceback").
Cases ``tests/diagnostics`` already covers through the API (syntax errors, non-UTF-8,
empty files, unknown targets, circular imports, a 1.1 MB definition) are checked
here through the CLI only; the rest (huge literals, deep nesting, long names, the
history limit) through both.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pyflow.compiler import compile_workflow
from pyflow.diagnostics import CODES, CompileError

PRE = '''\
import pyflow as pf
from pyflow import task, workflow


@task
def work(i: int) -> int:
    return i


'''


def write(tmp_path: Path, files: dict[str, str | bytes]) -> None:
    for name, text in files.items():
        path = tmp_path / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")


def cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pyflow.cli", *args], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)


def api_codes(target: str) -> list[str]:
    with pytest.raises(CompileError) as info:
        compile_workflow(target)
    codes = [d.code for d in info.value.diagnostics]
    assert codes and set(codes) <= set(CODES), codes
    assert "Traceback" not in info.value.render()
    return codes


def deep_ifs(n: int) -> str:
    lines = ["@workflow", "def wf(x: int):"]
    for i in range(n):
        lines.append("    " * (i + 1) + f"if x > {i}:")
    lines.append("    " * (n + 1) + "x = work(x)")
    lines.append("    return x")
    return PRE + "\n".join(lines) + "\n"


def elif_chain(n: int) -> str:
    arms = "".join(f"    elif x == {i}:\n        return work({i})\n" for i in range(1, n))
    return PRE + f"@workflow\ndef wf(x: int):\n    if x == 0:\n        return 0\n{arms}    return -1\n"


FLOW = "from pyflow import workflow\nfrom jobs import charge\n\n\n@workflow\ndef wf(order: dict):\n    return charge(order)\n"

# name -> (files, target, expected code, expected exit status)
CASES: dict[str, tuple[dict[str, str | bytes], str, str, int]] = {
    "syntax-error": ({"flow.py": PRE + "@workflow\ndef wf(x: int)\n    return x\n"}, "flow.py:wf", "PF001", 1),
    "empty-file": ({"flow.py": ""}, "flow.py:wf", "PF003", 2),
    "only-comments": ({"flow.py": "# nothing here\n"}, "flow.py:wf", "PF003", 2),
    "not-utf8": ({"flow.py": (PRE + '@workflow\ndef wf():\n    return "caf\xe9"\n').encode("latin-1")},
                 "flow.py:wf", "PF002", 1),
    "utf16-with-bom": ({"flow.py": (PRE + "@workflow\ndef wf():\n    return 1\n").encode("utf-16")},
                       "flow.py:wf", "PF002", 1),
    "binary-garbage": ({"flow.py": bytes(range(256)) * 4}, "flow.py:wf", "PF002", 1),
    "names-nothing": ({"flow.py": PRE + "@workflow\ndef wf():\n    return 1\n"}, "flow.py:nothing", "PF003", 2),
    "names-a-task": ({"flow.py": PRE + "@workflow\ndef wf():\n    return 1\n"}, "flow.py:work", "PF003", 1),
    "names-a-plain-function": ({"flow.py": PRE + "def helper():\n    return 1\n"}, "flow.py:helper", "PF003", 1),
    "names-a-class": ({"flow.py": PRE + "class wf:\n    pass\n"}, "flow.py:wf", "PF003", 2),
    "missing-file": ({}, "nowhere.py:wf", "PF002", 1),
    "circular-task-modules": ({"jobs.py": "from billing import charge\n", "billing.py": "from jobs import charge\n",
                               "flow.py": FLOW}, "flow.py:wf", "PF004", 1),
    "task-module-imports-itself": ({"jobs.py": "from jobs import charge\n", "flow.py": FLOW}, "flow.py:wf", "PF004", 1),
    "huge-string-2mb": ({"flow.py": PRE + "@workflow\ndef wf(x: int):\n    s = '" + "a" * 2_000_000
                         + "'\n    return work(len(s))\n"}, "flow.py:wf", "PF120", 1),
    "huge-list-literal": ({"flow.py": PRE + "@workflow\ndef wf(x: int):\n    xs = [" + ", ".join(["123456"] * 200_000)
                           + "]\n    return xs\n"}, "flow.py:wf", "PF120", 1),
    "500-nested-ifs": ({"flow.py": deep_ifs(500)}, "flow.py:wf", "PF001", 1),  # CPython allows 100 indents
    "500-nested-lists": ({"flow.py": PRE + "@workflow\ndef wf(x: int):\n    return " + "[" * 500 + "x" + "]" * 500
                          + "\n"}, "flow.py:wf", "PF101", 1),
    "3000-term-sum": ({"flow.py": PRE + "@workflow\ndef wf(x: int):\n    return x" + " + 1" * 3000 + "\n"},
                      "flow.py:wf", "PF101", 1),
    "many-states-over-1mb": ({"flow.py": PRE + "@workflow\ndef wf(x: int):\n"
                              + "".join(f"    x = work(x + len('{i:>500}'))\n" for i in range(2500))
                              + "    return x\n"}, "flow.py:wf", "PF120", 1),
    "not-module-function": ({}, "flow.py", "PF003", 2),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_is_a_diagnostic(tmp_path, monkeypatch, name):
    files, target, code, status = CASES[name]
    write(tmp_path, files)
    monkeypatch.chdir(tmp_path)
    assert code in api_codes(target)
    run = cli(tmp_path, "compile", target)
    assert run.returncode == status, (run.returncode, run.stderr[-2000:])
    assert "Traceback" not in run.stderr, run.stderr[-4000:]
    assert f"error[{code}]" in run.stderr
    assert run.stdout == ""


def test_check_command_on_bad_modules(tmp_path):
    write(tmp_path, {"deep.py": deep_ifs(500), "garbage.py": bytes(range(256)), "empty.py": ""})
    for name in ("deep.py", "garbage.py"):
        run = cli(tmp_path, "check", name)
        assert run.returncode == 1, (name, run.stderr[-2000:])
        assert "Traceback" not in run.stderr and "error[PF" in run.stderr
    run = cli(tmp_path, "check", "empty.py")
    assert run.returncode in (0, 1) and "Traceback" not in run.stderr


def test_500_arm_elif_chain_compiles_and_runs(tmp_path):
    """500 levels of nesting Python accepts (an elif chain): ASL that works, not a RecursionError."""
    write(tmp_path, {"flow.py": elif_chain(500)})
    compiled = compile_workflow(f"{tmp_path / 'flow.py'}:wf")
    names = list(compiled.definition["States"])
    assert len(names) > 500 and all(len(n) <= 80 for n in names)
    from pyflow.local import run_definition

    for x, expected in ((0, 0), (250, 250), (499, 499), (1000, -1)):
        run = run_definition(compiled.definition, {"x": x}, tasks=compiled.task_functions())
        assert run.status == "SUCCEEDED" and run.output == expected


def _all_state_names(definition: dict) -> list[str]:
    names = []
    for name, state in definition["States"].items():
        names.append(name)
        for branch in state.get("Branches", []):
            names += _all_state_names(branch)
        for key in ("ItemProcessor", "Iterator"):
            if key in state:
                names += _all_state_names(state[key])
    return names


LONG = "t" * 120


@pytest.mark.parametrize("query_language", ["jsonata", "jsonpath"])
def test_state_names_never_exceed_80_characters(tmp_path, query_language):
    """Long task names, long @task(name=...), fragments nested in fragments: names stay <= 80 and unique."""
    source = f'''\
import pyflow as pf
from pyflow import fragment, task, workflow


@task
def {LONG}(i: int) -> int:
    return i


@task(name="{'n' * 100}")
def named(i: int) -> int:
    return i


@fragment
def {'f' * 90}_inner(i: int) -> int:
    j = {LONG}(i)
    if j > 3:
        j = named(j)
    return j


@fragment
def {'g' * 90}_outer(i: int) -> int:
    k = {'f' * 90}_inner(i)
    k = {'f' * 90}_inner(k)
    return k


@workflow
def wf(x: int):
    for _ in range(3):
        x = {'g' * 90}_outer(x)
    if x > 0:
        x = {LONG}(x)
    y = [{LONG}(v) for v in [x, x]]
    return {LONG}(x)
'''
    write(tmp_path, {"flow.py": source})
    try:
        compiled = compile_workflow(f"{tmp_path / 'flow.py'}:wf", query_language)
    except CompileError as err:  # only a JSONPath rejection is acceptable here
        assert query_language == "jsonpath" and {d.code for d in err.diagnostics} <= {"PF130"}, err.render()
        return
    names = _all_state_names(compiled.definition)
    assert names and all(len(n) <= 80 for n in names), [n for n in names if len(n) > 80]
    assert len(set(compiled.definition["States"])) == len(compiled.definition["States"])


# ----------------------------------------------------------------------------- the history limit

HISTORY = {
    "for-range": "    for i in range(20000):\n        work(i)\n    return 1\n",
    "while-counter": "    i = 0\n    while i < 20000:\n        work(i)\n        i += 1\n    return 1\n",
    "nested-loops": "    for i in range(100):\n        for j in range(300):\n            work(j)\n    return 1\n",
}
WITHIN = {
    "small-loop": "    for i in range(100):\n        work(i)\n    return 1\n",
    "literal-list": "    for i in [1, 2, 3]:\n        work(i)\n    return 1\n",
    "unbounded": "    i = 0\n    while i < x:\n        work(i)\n        i += 1\n    return 1\n",
    "bounded-by-input": "    for i in range(x):\n        work(i)\n    return 1\n",
}


def _lower(path: Path):
    from pyflow.diagnostics import Reporter
    from pyflow.frontend.lower import FunctionLowerer
    from pyflow.frontend.modules import ModuleLoader
    from pyflow.passes import run_all

    reporter = Reporter()
    loader = ModuleLoader(reporter)
    mod = loader.load(path)
    lowered = FunctionLowerer(mod.functions["wf"], loader, reporter).lower()
    run_all(lowered.graph, lowered.entry)
    return lowered, reporter


@pytest.mark.parametrize("name", sorted(HISTORY) + sorted(WITHIN))
def test_check_history_bound(tmp_path, name):
    from pyflow.passes.limits import check_history_bound

    body = {**HISTORY, **WITHIN}[name]
    write(tmp_path, {"flow.py": PRE + "@workflow\ndef wf(x: int = 5):\n" + body})
    lowered, reporter = _lower(tmp_path / "flow.py")
    total = check_history_bound(lowered.graph, lowered.entry, reporter)
    codes = [d.code for d in reporter.items]
    if name in HISTORY:
        assert codes == ["PF120"] and total > 25_000
        d = reporter.items[0]
        assert d.span is not None and d.span.line > 9 and d.help
    else:
        assert codes == [] and total < 25_000


@pytest.mark.parametrize("name", sorted(HISTORY))
def test_history_limit_is_a_compile_error(tmp_path, monkeypatch, name):
    write(tmp_path, {"flow.py": PRE + "@workflow\ndef wf(x: int = 5):\n" + HISTORY[name]})
    monkeypatch.chdir(tmp_path)
    assert api_codes("flow.py:wf") == ["PF120"]
    run = cli(tmp_path, "compile", "flow.py:wf")
    assert run.returncode == 1 and "error[PF120]" in run.stderr and "Traceback" not in run.stderr


def test_within_limits_still_compiles(tmp_path):
    write(tmp_path, {"flow.py": PRE + "@workflow\ndef wf(x: int = 5):\n" + WITHIN["small-loop"]})
    compiled = compile_workflow(f"{tmp_path / 'flow.py'}:wf")
    assert json.loads(compiled.json)["States"]


@pytest.mark.parametrize("lang", ["jsonata", "jsonpath"])
def test_doubling_chain_stays_linear(tmp_path, lang):
    """``x = x + x`` forty times: folding each assignment into the state before it
    would copy the expression twice per line (2**40 nodes, a compile that never
    ends). Past one copy a computed value is left in a state of its own instead."""
    from pyflow.local import run_definition

    doublings = 40
    write(tmp_path, {"flow.py": PRE + "@workflow\ndef wf(x: int):\n    x = work(x)\n"
                     + "    x = x + x\n" * doublings + "    return work(x)\n"})
    compiled = compile_workflow(f"{tmp_path / 'flow.py'}:wf", query_language=lang)
    assert len(compiled.deployed_json) < 400 * doublings  # linear in the source, not exponential
    run = run_definition(compiled.definition, {"x": 3}, tasks=compiled.task_functions())
    assert run.status == "SUCCEEDED" and run.output == 3 * 2 ** doublings
