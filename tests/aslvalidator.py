"""Run the npm ``asl-validator`` (v4) on many definitions in one process call."""
from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def validator() -> list[str] | None:
    local = ROOT / ".ci" / "node_modules" / ".bin" / "asl-validator"
    if local.exists():
        return [str(local)]
    found = shutil.which("asl-validator")
    return [found] if found else None


def validate_all(definitions: dict[str, dict]) -> dict[str, str]:
    """name -> problem text, for each definition asl-validator rejects."""
    cmd = validator()
    if cmd is None:
        pytest.skip("asl-validator is not installed (npm install --prefix .ci asl-validator@4)")
    problems: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        paths = {}
        for i, (name, definition) in enumerate(sorted(definitions.items())):
            path = Path(tmp) / f"d{i}.json"
            path.write_text(json.dumps(definition))
            paths[name] = path
        for name, path in paths.items():
            proc = subprocess.run([*cmd, "--json-path", str(path)], capture_output=True, text=True, timeout=60)
            if proc.returncode != 0:
                problems[name] = (proc.stdout + proc.stderr).strip()
    return problems
