"""docs/reference.md is generated from the examples: it must be up to date."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_reference_is_up_to_date() -> None:
    sys.path.insert(0, str(ROOT))
    try:
        from tools.gen_reference import OUTPUT, render
    finally:
        sys.path.remove(str(ROOT))
    assert OUTPUT.read_text() == render(), "docs/reference.md is stale: run python tools/gen_reference.py"


def test_reference_covers_every_example_workflow() -> None:
    sys.path.insert(0, str(ROOT))
    try:
        from tools.gen_reference import ENTRIES
    finally:
        sys.path.remove(str(ROOT))
    documented = {e.stem for e in ENTRIES}
    stems = {p.stem for p in (ROOT / "examples").glob("*.py")} - {"cdk_app"}
    assert stems <= documented, sorted(stems - documented)


def test_check_mode_exit_status() -> None:
    proc = subprocess.run([sys.executable, "tools/gen_reference.py", "--check"], cwd=ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
