"""``pyflow synth``: files written, one-line errors, and the real compiler end to end."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import handmade

REPO = Path(__file__).resolve().parents[2]


def test_synth_writes_template_and_assets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    import pyflow.cdk.source as source
    from pyflow.cli import main

    seen: list[tuple[Any, Any]] = []

    def fake_compile(target: Any, query_language: Any = None) -> Any:
        seen.append((target, query_language))
        return handmade.handmade_poller() if not hasattr(target, "definition") else target

    monkeypatch.setattr(source, "compile_source", fake_compile)
    out = tmp_path / "cdk.out"
    code = main(["synth", "tests/cdk/fixtures/jobs.py:job_poller", "-o", str(out), "--stack-name", "Jobs-Prod",
                 "--query-language", "jsonata"])
    assert code == 0
    assert seen[0] == ("tests/cdk/fixtures/jobs.py:job_poller", "jsonata")
    template = out / "Jobs-Prod.template.json"
    assert capsys.readouterr().out.strip() == str(template)
    assert json.loads(template.read_text())["Resources"]
    assert (out / "manifest.json").is_file()
    (asset,) = out.glob("asset.*")
    assert (asset / "pyflow" / "runtime.py").is_file() and (asset / "jobs.py").is_file()


def test_bad_stack_name_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    from pyflow.cli import main

    assert main(["synth", "x.py:f", "--stack-name", "9 bad"]) == 2
    assert "invalid --stack-name" in capsys.readouterr().err


def test_missing_node_is_one_clear_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "JSII_NODE"}
    env["PATH"] = str(tmp_path)  # no node here
    run = subprocess.run(
        [sys.executable, "-m", "pyflow.cli", "synth", "tests/cdk/fixtures/jobs.py:job_poller", "-o", str(tmp_path / "o")],
        capture_output=True, text=True, env=env, cwd=REPO, timeout=120,
    )
    assert run.returncode == 1
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert "Node.js" in lines[0] and "install" in lines[0]


def test_synth_with_the_real_compiler(tmp_path: Path) -> None:
    pytest.importorskip("pyflow.compiler", reason="the compiler (issue 2) has not landed yet")
    from cfnlint.api import lint_all

    out = tmp_path / "cdk.out"
    run = subprocess.run(
        [sys.executable, "-m", "pyflow.cli", "synth", "tests/cdk/fixtures/poller.py:simple_poller", "-o", str(out)],
        capture_output=True, text=True, cwd=REPO, timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert "Typeguard" not in run.stderr and "!!" not in run.stderr  # no jsii noise
    template = Path(run.stdout.strip())
    errors = [m for m in lint_all(template.read_text()) if m.rule.id.startswith("E")]
    assert errors == [], [f"{m.rule.id} {m.message}" for m in errors]


def test_synth_prints_the_policy_warnings(tmp_path: Path) -> None:
    """A deploy is where a ``Resource: "*"`` grant matters: synth warns as ``pyflow policy`` does."""
    target = "examples/order_processing_aws.py:process_order_aws"
    policy = subprocess.run([sys.executable, "-m", "pyflow.cli", "policy", target],
                            capture_output=True, text=True, cwd=REPO, timeout=300)
    expected = [line for line in policy.stderr.splitlines() if line.startswith("warning:")]
    assert expected, "the example has grants on \"*\""
    run = subprocess.run([sys.executable, "-m", "pyflow.cli", "synth", target, "-o", str(tmp_path / "cdk.out")],
                         capture_output=True, text=True, cwd=REPO, timeout=300)
    assert run.returncode == 0, run.stderr
    assert [line for line in run.stderr.splitlines() if line.startswith("warning:")] == expected
