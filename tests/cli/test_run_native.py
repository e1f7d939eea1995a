"""``pyflow run --native``: what a user sees of a native run — its task calls with
``--trace``, the traceback of their own code when it fails — and the exit status of a
target that names nothing, the same for every command (docs/cli.md)."""
from __future__ import annotations

import pytest

from pyflow.cli import main

SOURCE = '''import pyflow as pf


@pf.task
def double(x: int) -> int:
    return x * 2


@pf.task
def invert(x: int) -> float:
    return 1 / x


@pf.workflow
def calc(x: int, scale: int = 1) -> float:
    y = double(x)
    return invert(y - 4 * scale)
'''


@pytest.fixture
def flow(tmp_path):
    path = tmp_path / "calcflow.py"
    path.write_text(SOURCE)
    return path


def test_native_trace_shows_each_task_call_and_result(flow, capsys):
    assert main(["run", f"{flow}:calc", "--native", "--trace", "--input", '{"x": 3}']) == 0
    out = capsys.readouterr()
    assert out.out.strip() == "0.5"
    assert out.err.splitlines() == ["-> double(3)", "<- double output: 6", "-> invert(2)", "<- invert output: 0.5"]


def test_native_trace_shows_the_failing_call(flow, capsys):
    assert main(["run", f"{flow}:calc", "--native", "--trace", "--input", '{"x": 2}']) == 3
    err = capsys.readouterr().err
    assert "-> invert(0)" in err
    assert "!! invert failed: ZeroDivisionError: division by zero" in err


def test_native_failure_shows_the_users_traceback_only(flow, capsys):
    assert main(["run", f"{flow}:calc", "--native", "--input", '{"x": 2}']) == 3
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last):")
    assert "return invert(y - 4 * scale)" in err and "return 1 / x" in err
    assert "pyflow/native.py" not in err and "pyflow/api.py" not in err
    assert "ZeroDivisionError: division by zero" in err
    assert err.rstrip().splitlines()[-1].startswith("pyflow: execution failed: ZeroDivisionError:")


def test_native_json_failure_prints_no_traceback(flow, capsys):
    assert main(["run", f"{flow}:calc", "--native", "--json", "--input", '{"x": 2}']) == 3
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize("command", [["compile"], ["run", "--native"], ["run"], ["policy"], ["graph"]])
def test_an_unknown_function_is_a_usage_error(flow, capsys, command):
    assert main([command[0], f"{flow}:calculate", *command[1:]]) == 2
    err = capsys.readouterr().err
    assert "calculate" in err and "Traceback" not in err


def test_a_task_named_as_the_workflow_is_a_user_error(flow, capsys):
    assert main(["compile", f"{flow}:double"]) == 1
    assert "is a @task" in capsys.readouterr().err
