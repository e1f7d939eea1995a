"""Golden files, validity, determinism and the Job Poller's acceptance criteria."""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

import pyflow as pf
from pyflow.compiler import compile_file
from pyflow.frontend.modules import ModuleLoader
from pyflow.diagnostics import Reporter
from tests.aslvalidator import validate_all

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
PROGRAMS = ROOT / "tests" / "differential" / "programs"


def workflows(path: Path) -> list[str]:
    mod = ModuleLoader(Reporter()).load(path)
    assert mod is not None
    return sorted(f.name for f in mod.functions.values() if f.kind == "workflow")


def example_targets() -> list[tuple[Path, str]]:
    return [(p, fn) for p in sorted(EXAMPLES.glob("*.py")) for fn in workflows(p)]


def golden_path(path: Path, fn: str, lang: str = "jsonata") -> Path:
    suffix = "" if lang == "jsonata" else ".jsonpath"
    return path.with_name(f"{path.stem}.{fn}{suffix}.asl.json")


@pytest.mark.parametrize("path,fn", example_targets(), ids=lambda v: getattr(v, "name", v))
def test_golden(path: Path, fn: str) -> None:
    golden = golden_path(path, fn)
    compiled = compile_file(path, fn).json
    if os.environ.get("PYFLOW_UPDATE_GOLDEN") == "1":
        golden.write_text(compiled)
    assert golden.exists(), f"missing golden file {golden.name} (review it, then commit)"
    assert compiled == golden.read_text(), f"{golden.name} differs from the compiler's output"


def test_job_poller_is_as_tight_as_hand_written_cdk() -> None:
    definition = compile_file(EXAMPLES / "job_poller.py", "job_poller").definition
    kinds = Counter(state["Type"] for state in definition["States"].values())
    assert len(definition["States"]) == 6
    assert kinds == {"Task": 3, "Wait": 1, "Choice": 1, "Fail": 1}
    assert definition["TimeoutSeconds"] == 300
    assert definition["QueryLanguage"] == "JSONata"
    resources = sorted(s["Resource"] for s in definition["States"].values() if s["Type"] == "Task")
    assert resources == ["${final_status}", "${get_status}", "${submit_job}"]
    fail = next(s for s in definition["States"].values() if s["Type"] == "Fail")
    assert fail == {"Type": "Fail", "Error": "JobFailed", "Cause": "AWS Batch Job Failed"}


def test_job_poller_runs_natively_end_to_end() -> None:
    spec = importlib.util.spec_from_file_location("jp_native", EXAMPLES / "job_poller.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with pf.virtual_time() as clock:
        out = module.job_poller(order={"id": "o-1", "polls": 3})
    assert out == {"guid": 1003, "status": "SUCCEEDED"}
    assert clock.slept == [5, 5, 5]
    with pf.virtual_time(), pytest.raises(module.JobFailed, match="AWS Batch Job Failed"):
        module.job_poller(order={"id": "o", "polls": 1, "fail": True})


def all_definitions() -> dict[str, dict]:
    out = {}
    for path, fn in example_targets():
        out[f"{path.name}:{fn}"] = compile_file(path, fn).definition
    for path in sorted(PROGRAMS.glob("*.py")):
        for fn in workflows(path):
            out[f"{path.name}:{fn}"] = compile_file(path, fn).definition
    return out


def test_every_definition_passes_asl_validator() -> None:
    problems = validate_all(all_definitions())
    assert not problems, json.dumps(problems, indent=2)


def test_output_is_deterministic_across_processes() -> None:
    """Same source, same bytes: compile in fresh interpreters with different hash seeds."""
    outputs = set()
    for seed in ("1", "2", "random"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        proc = subprocess.run([sys.executable, "-m", "pyflow", "compile", "tests/differential/programs/basics.py:collections"],
                              cwd=ROOT, env=env, capture_output=True, text=True, check=True)
        outputs.add(proc.stdout)
    assert len(outputs) == 1


def test_state_names_are_valid_and_unique() -> None:
    import re

    for name, definition in all_definitions().items():
        names = list(definition["States"])
        assert len(names) == len(set(names)), name
        for state in names:
            assert re.fullmatch(r"[A-Za-z0-9_-]{1,80}", state), (name, state)
