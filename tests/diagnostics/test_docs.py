"""docs/diagnostics.md, pyflow.diagnostics.CODES and the codes the compiler emits agree."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from pyflow.compiler import compile_workflow
from pyflow.diagnostics import CODES, CompileError

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "diagnostics.md"
CODE_RE = re.compile(r"PF\d{3}")


def _doc() -> str:
    return DOC.read_text(encoding="utf-8")


def _sections() -> dict[str, str]:
    parts = re.split(r"^## (PF\d{3})\s*$", _doc(), flags=re.MULTILINE)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts), 2)}


def test_every_code_is_documented():
    sections = _sections()
    missing = sorted(set(CODES) - set(sections))
    assert not missing, f"codes without a section in docs/diagnostics.md: {missing}"
    for code, text in sections.items():
        assert "**Fix.**" in text, f"{code}: no fix"
        assert "```text" in text and f"error[{code}]" in text, f"{code}: no rendered diagnostic"


def test_every_documented_code_exists():
    unknown = sorted(set(CODE_RE.findall(_doc())) - set(CODES))
    assert not unknown, f"docs/diagnostics.md mentions codes not in CODES: {unknown}"


def test_every_code_used_in_the_package_is_registered():
    used: dict[str, list[str]] = {}
    for path in sorted((REPO / "pyflow").rglob("*.py")):
        for code in re.findall(r"[\"'](PF\d{3})[\"']", path.read_text(encoding="utf-8")):
            used.setdefault(code, []).append(str(path.relative_to(REPO)))
    assert used, "no diagnostic codes found in pyflow/"
    unknown = {c: files for c, files in used.items() if c not in CODES}
    assert not unknown, f"codes used but not registered in pyflow.diagnostics.CODES: {unknown}"


def _examples() -> list[tuple[str, dict[str, str], str, str]]:
    out = []
    for code, text in _sections().items():
        files: dict[str, str] = {}
        for lang, block in re.findall(r"```(\w+)\n(.*?)\n```", text, flags=re.DOTALL):
            if lang == "python" and block.startswith("# file: "):
                first, _, rest = block.partition("\n")
                files[first[len("# file: "):].strip()] = rest + "\n"
        if not files:
            continue
        rendered = re.search(r"```text\n\$ pyflow compile (\S+)\n(.*?)\n```", text, flags=re.DOTALL)
        assert rendered, f"{code}: example without the command and its output"
        out.append((code, files, rendered.group(1), rendered.group(2)))
    return out


@pytest.mark.parametrize("code,files,target,expected", _examples(), ids=[e[0] for e in _examples()])
def test_documented_output_is_the_real_output(tmp_path, monkeypatch, code, files, target, expected):
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CompileError) as info:
        compile_workflow(target)
    assert info.value.render() == expected, f"docs/diagnostics.md is out of date for {code}"
    assert code in {d.code for d in info.value.diagnostics}


def test_most_codes_have_a_checked_example():
    checked = {e[0] for e in _examples()}
    assert set(CODES) - checked <= {"PF002", "PF120"}
