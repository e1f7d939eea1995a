"""Smoke tests of ``python -m benchmarks``: the generator and the harness work.

No timing assertions here (DEVELOPERS: speed targets are ratios measured in one
run by ``python -m benchmarks``, never timed unit tests).
"""
from __future__ import annotations

import ast
import importlib.util
import json
import subprocess
import sys
import types
from pathlib import Path

import pytest

from benchmarks import generate
from benchmarks.__main__ import SECTIONS, main, render_table, run_section
from benchmarks.compile_bench import growth_exponent
from pyflow.api import virtual_time
from pyflow.compiler import compile_file

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("statements,seed", [(30, 0), (250, 1)])
def test_generated_program_has_the_size_asked_for_and_compiles(tmp_path: Path, statements: int, seed: int) -> None:
    source = generate.generate(statements, seed)
    assert generate.count_statements(source) == statements
    ast.parse(source)
    path = generate.write(statements, seed, tmp_path)
    definition = compile_file(path, generate.WORKFLOW).definition
    assert definition["States"] and definition["StartAt"] in definition["States"]
    if statements >= 100:
        from tests.aslvalidator import validate_all

        assert validate_all({"generated": definition}) == {}


def test_generator_is_deterministic_and_realistic() -> None:
    source = generate.generate(400, seed=3)
    assert source == generate.generate(400, seed=3)
    assert source != generate.generate(400, seed=4)
    for construct in ("while ", "break", "for ", "elif ", "else:", 'f"', "pf.wait(", "fetch(", "publish(", '["size"]', " // "):
        assert construct in source, construct


def test_generated_program_runs_natively(tmp_path: Path) -> None:
    path = generate.write(150, 2, tmp_path)
    spec = importlib.util.spec_from_file_location("bench_generated_program", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with virtual_time() as clock:
        result = getattr(module, generate.WORKFLOW)({})
    assert clock.slept  # the waits ran, on the virtual clock
    assert set(result) == {"total", "count", "label", "record"}


def test_growth_exponent_of_exact_power_laws() -> None:
    sizes = [100, 1000, 5000]
    assert growth_exponent(sizes, [n * 1e-4 for n in sizes]) == pytest.approx(1.0)
    assert growth_exponent(sizes, [n * n * 1e-7 for n in sizes]) == pytest.approx(2.0)


def test_missing_or_failing_sections_are_skipped_with_a_note(monkeypatch: pytest.MonkeyPatch) -> None:
    missing = run_section("synth", "benchmarks.no_such_bench_module", quick=True)
    assert missing["status"] == "skipped" and "not written yet" in missing["note"]

    broken = types.ModuleType("benchmarks_fake_broken")

    def bench() -> dict:
        raise RuntimeError("boom")

    broken.bench = bench  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "benchmarks_fake_broken", broken)
    failed = run_section("runner", "benchmarks_fake_broken", quick=True)
    assert failed["status"] == "skipped" and "boom" in failed["note"]

    quick_seen: dict = {}
    fine = types.ModuleType("benchmarks_fake_fine")

    def bench_ok(min_seconds: float = 1.0, repeat: int = 3) -> dict:
        quick_seen.update(min_seconds=min_seconds, repeat=repeat)
        return {"case": {"ratio": 3.5, "runs": [1, 2]}}

    fine.bench = bench_ok  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "benchmarks_fake_fine", fine)
    ok = run_section("runner", "benchmarks_fake_fine", quick=True)
    assert ok["status"] == "ok" and quick_seen["repeat"] == 1 and quick_seen["min_seconds"] < 1.0
    table = render_table({"runner": ok, "synth": missing})
    assert "case.ratio" in table and "not written yet" in table


def test_unknown_section_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--only", "compile,nonsense"])
    assert exc.value.code == 2
    assert set(SECTIONS) == {"compile", "runner", "synth", "cost"}


def test_quick_compile_run_prints_one_json_object() -> None:
    proc = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--json", "--only", "compile"],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    section = report["sections"]["compile"]
    assert section["status"] == "ok", section
    result = section["result"]
    assert result["job_poller_in_process"]["states"] == 6
    assert len(result["generated"]["sizes"]) == 3
    assert all(row["outcome"] == "ok" for row in result["generated"]["sizes"].values())
    for engine in ("pyflow", "pyflow_cold", "sfnx"):
        assert result["whole_process"][engine]["exit"] == 0
        assert result["whole_process"][engine]["states"] is not None
    assert result["whole_process"]["same_output"]  # the cached compile prints the cold one's bytes
    assert "growth_exponent" in result["generated"] and "ratio_cold" in result["whole_process"]
    table = render_table(report["sections"])  # the table the run without --json prints
    assert "growth exponent" in table and "pyflow/sfnx" in table
