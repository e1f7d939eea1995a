"""What a Lambda asset holds when a team deploys its own project: the task modules and
what they import (packages with relative imports, installed pure-Python third-party
packages and their requirements), never ``.env``, secrets or data folders beside them;
and each function answers when imported from the asset alone in a bare interpreter."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("jsonpath_ng", reason="the third-party package this test packages")

FILES = {
    "shop/__init__.py": "",
    "shop/helpers.py": "import jsonpath_ng\n\n\ndef first_sku(order: dict) -> str:\n"
                       "    return [m.value for m in jsonpath_ng.parse('items[*].sku').find(order)][0]\n",
    "shop/tasks.py": "from pyflow import task\n\nfrom .helpers import first_sku\n\n\n@task\n"
                     "def pick(order: dict) -> str:\n    return first_sku(order)\n",
    "shop/flow.py": "from pyflow import workflow\n\nfrom .tasks import pick\n\n\n@workflow\n"
                    "def ship(order: dict) -> str:\n    return pick(order)\n",
    "shop/unused.py": "X = 1\n",
    ".env": "AWS_SECRET_ACCESS_KEY=not-for-lambda\n",
    "secrets.json": '{"password": "hunter2"}\n',
    "data/big.csv": "a,b\n" * 1000,
    "notes.txt": "meeting notes\n",
}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("project")
    for rel, text in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


@pytest.fixture(scope="module")
def synthesized(project: Path) -> tuple[dict, Path, str]:
    out = project / "cdk.out"
    run = subprocess.run([sys.executable, "-m", "pyflow.cli", "synth", f"{project / 'shop' / 'flow.py'}:ship",
                          "-o", str(out)], capture_output=True, text=True, timeout=300,
                         cwd=Path(__file__).resolve().parents[2])
    assert run.returncode == 0, run.stderr
    template = json.loads(Path(run.stdout.strip()).read_text())
    (asset,) = sorted(out.glob("asset.*"))
    return template, asset, run.stderr


def _files(asset: Path) -> set[str]:
    return {str(p.relative_to(asset)) for p in asset.rglob("*") if p.is_file()}


def test_the_asset_holds_only_what_the_tasks_import(synthesized: tuple[dict, Path, str]) -> None:
    _, asset, _ = synthesized
    files = _files(asset)
    assert {"shop/__init__.py", "shop/tasks.py", "shop/helpers.py"} <= files
    assert not {"shop/flow.py", "shop/unused.py", ".env", "secrets.json", "data/big.csv", "notes.txt"} & files
    assert any(f.startswith("jsonpath_ng/") for f in files)


def test_the_task_is_named_by_its_package(synthesized: tuple[dict, Path, str]) -> None:
    template, _, _ = synthesized
    tasks = [r["Properties"]["Environment"]["Variables"]["PYFLOW_TASK"] for r in template["Resources"].values()
             if r["Type"] == "AWS::Lambda::Function"]
    assert tasks == ["shop.tasks:pick"]


def test_the_function_answers_from_the_asset_alone(synthesized: tuple[dict, Path, str]) -> None:
    _, asset, _ = synthesized
    code = (f"import sys; sys.path.insert(0, {str(asset)!r}); sys.dont_write_bytecode = True\n"
            "import json, pyflow.runtime\n"
            "print(json.dumps(pyflow.runtime.handler({'order': {'items': [{'sku': 'A-1'}]}}, None)))\n")
    run = subprocess.run([sys.executable, "-I", "-S", "-c", code], capture_output=True, text=True, timeout=60,
                         env={"PATH": os.environ.get("PATH", ""), "PYFLOW_TASK": "shop.tasks:pick"})
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == "A-1"


def test_synth_prints_the_asset_size(synthesized: tuple[dict, Path, str]) -> None:
    _, asset, stderr = synthesized
    total = sum(p.stat().st_size for p in asset.rglob("*") if p.is_file())
    assert f"asset: {total:,} bytes unzipped" in stderr


@pytest.mark.parametrize(("module", "message"), [("no_such_pkg_xyz", "not installed"),
                                                  ("libcst", "compiled extensions")])
def test_a_dependency_that_cannot_be_packaged_is_an_error(tmp_path: Path, module: str, message: str) -> None:
    (tmp_path / "flow.py").write_text(f"import pyflow as pf\n\n\n@pf.task\ndef t(x: int) -> int:\n"
                                      f"    import {module}\n    return x\n\n\n@pf.workflow\ndef wf(x: int) -> int:\n"
                                      "    return t(x)\n")
    run = subprocess.run([sys.executable, "-m", "pyflow.cli", "synth", f"{tmp_path / 'flow.py'}:wf",
                          "-o", str(tmp_path / "cdk.out")], capture_output=True, text=True, timeout=300)
    assert run.returncode == 1
    assert message in run.stderr and module in run.stderr and "Traceback" not in run.stderr
