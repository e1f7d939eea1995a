"""The Lambda code asset: what is in it, and that it runs in a bare interpreter."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

HEAVY = ("libcst", "networkx", "boto3", "botocore", "aws_cdk", "jsii", "constructs")


def _run_in_asset(asset: Path, code: str, task: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter whose only non-stdlib path is the asset (-I -S:
    no site-packages, no user site, no PYTHON* variables)."""
    env = {"PATH": os.environ.get("PATH", "")}
    if task:
        env["PYFLOW_TASK"] = task
    prelude = f"import sys; sys.path.insert(0, {str(asset)!r}); sys.dont_write_bytecode = True\n"
    return subprocess.run(
        [sys.executable, "-I", "-S", "-c", prelude + code], capture_output=True, text=True, env=env, timeout=60
    )


def test_asset_holds_sources_runtime_and_pure_python_dependencies(poller_app: Any) -> None:
    asset = poller_app.asset_dir()
    names = sorted(p.name for p in asset.iterdir())
    # only the task modules (jobs.py) and what they import: not poller.py beside them
    assert names == ["jobs.py", "pyflow", "typeguard", "typing_extensions.py"]
    assert (asset / "pyflow" / "runtime.py").is_file()
    shipped = sorted(p.name for p in (asset / "pyflow").iterdir())
    assert shipped == ["__init__.py", "api.py", "errors.py", "native.py", "runtime.py"]  # no compiler, cli or cdk
    assert not list(asset.rglob("__pycache__"))


def test_asset_imports_cleanly_in_a_fresh_interpreter(poller_app: Any) -> None:
    run = _run_in_asset(
        poller_app.asset_dir(),
        "import pyflow.runtime, jobs, typeguard\n"
        f"heavy = sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})\n"
        "print(heavy)\n",
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("task", "event", "expected"),
    [
        ("jobs:submit_job", {"order": {"id": "7"}}, {"id": "job-7", "status": "SUBMITTED"}),
        ("jobs:get_status", {"job_id": "job-7"}, "SUCCEEDED"),
        ("jobs:get_final_status", {"job_id": "job-7"}, {"id": "job-7", "status": "SUCCEEDED"}),
        ("jobs:send_email", {"to": "a@example.com", "subject": "hi"}, None),
    ],
)
def test_handler_returns_what_the_task_returns(poller_app: Any, task: str, event: Any, expected: Any) -> None:
    native = poller_app.compiled.task_functions()[task.partition(":")[2]](**event)  # the same task, run natively
    assert native == expected
    context = "type('Context', (), {'aws_request_id': 'r-1', 'function_name': 'f'})()"
    run = _run_in_asset(
        poller_app.asset_dir(),
        f"import json, pyflow.runtime\nprint(json.dumps(pyflow.runtime.handler(json.loads({json.dumps(event)!r}), {context})))",
        task=task,
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == expected


def test_handler_type_mismatch_is_a_type_error(poller_app: Any) -> None:
    run = _run_in_asset(
        poller_app.asset_dir(),
        "import pyflow.runtime\n"
        "try:\n    pyflow.runtime.handler({'job_id': 5}, None)\n"
        "except Exception as exc:\n    print(type(exc).__name__, exc)\n",
        task="jobs:get_status",
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("TypeError ") and "job_id" in run.stdout


def test_source_directory_junk_and_output_dir_are_not_packaged(tmp_path: Path) -> None:
    from pyflow.cdk.assets import build_asset

    src = tmp_path / "src"
    (src / "pkg").mkdir(parents=True)
    (src / "pkg" / "__init__.py").write_text("")
    (src / "flow.py").write_text("x = 1\n")
    for junk in ("__pycache__", ".git", "cdk.out", "pyflow", "node_modules"):
        (src / junk).mkdir()
        (src / junk / "f.py").write_text("junk = True\n")
    (src / "out").mkdir()
    (src / "out" / "big.bin").write_text("x")
    built = build_asset(src, exclude=[src / "out"])
    top = sorted(p.name for p in built.iterdir())
    assert top == ["flow.py", "pkg", "pyflow", "typeguard", "typing_extensions.py"]
    assert sorted(p.name for p in (built / "pyflow").iterdir()) == ["__init__.py", "api.py", "errors.py", "native.py", "runtime.py"]
    assert build_asset(src, exclude=[src / "out"]) == built  # built once per process
