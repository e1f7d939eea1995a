"""Shared helpers: write a small program, compile it, check a diagnostic's place and its DESIGN §4 shape."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from pyflow.compiler import compile_workflow
from pyflow.diagnostics import CompileError, Diagnostic

# A realistic module prelude: the workflow bodies of the tests are appended to it.
HEADER = '''\
import json
import time

import pyflow as pf
from pyflow import task, workflow


class JobFailed(Exception):
    """The job reported FAILED."""


@task
def submit_job(order: dict, priority: int = 0) -> dict:
    return {"guid": 1, "wait_seconds": 5, "order": order, "priority": priority}


@task
def get_status(job: dict) -> str:
    return "SUCCEEDED"


'''


def write(directory: Path, name: str, text: str | bytes) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def compile_error(path: Path, function: str = "wf") -> CompileError:
    """Compile ``path:function``, which must fail with diagnostics (and nothing else)."""
    with pytest.raises(CompileError) as info:
        compile_workflow(f"{path}:{function}")
    err = info.value
    assert err.diagnostics, "a CompileError must carry diagnostics"
    return err


def position(source: str, snippet: str, occurrence: int = 0) -> tuple[int, int]:
    """1-based (line, col) of the ``occurrence``-th appearance of ``snippet`` in ``source``."""
    start = -1
    for _ in range(occurrence + 1):
        start = source.index(snippet, start + 1)
    line = source.count("\n", 0, start) + 1
    col = start - (source.rfind("\n", 0, start) + 1) + 1
    return line, col


def find(err: CompileError, code: str, line: int, col: int) -> Diagnostic:
    for d in err.diagnostics:
        if d.code == code and d.span is not None and (d.span.line, d.span.col) == (line, col):
            return d
    shown = [(d.code, d.span.line, d.span.col) if d.span else (d.code, None, None) for d in err.diagnostics]
    raise AssertionError(f"no {code} at {line}:{col}; got {shown}\n{err.render()}")


def assert_shape(d: Diagnostic, source: str, path_shown: str, width: int | None = None) -> str:
    """The DESIGN §4 form: head line, gutter, numbered source line, caret under the columns, help."""
    assert d.span is not None
    text = d.render()
    lines = text.splitlines()
    line, col = d.span.line, d.span.col
    assert lines[0] == f"{path_shown}:{line}:{col}: error[{d.code}]: {d.message}", text
    assert re.fullmatch(r"[^:]+:\d+:\d+: error\[PF\d{3}\]: \S.*", lines[0]), text
    gutter = str(line)
    pad = " " * len(gutter)
    src_line = source.splitlines()[line - 1].expandtabs(4)
    assert lines[1] == f"{pad} |", text
    assert lines[2] == f"{gutter} | {src_line}", text
    caret = lines[3]
    assert caret.startswith(f"{pad} | "), text
    marks = caret[len(pad) + 3:]
    assert marks.strip(" ^") == "" and "^" in marks, text
    assert len(marks) - len(marks.lstrip(" ")) == col - 1, f"caret does not start at column {col}:\n{text}"
    if width is not None:
        assert marks.count("^") == width, f"caret is not {width} wide:\n{text}"
    helps = [ln for ln in lines[4:] if ln.startswith("   = help: ")]
    assert len(helps) == 1 and helps[0][len("   = help: "):].strip(), f"no help line:\n{text}"
    assert "Traceback" not in text
    return text


def check(err: CompileError, code: str, source: str, snippet: str, path_shown: str, occurrence: int = 0,
          width: int | None = -1) -> Diagnostic:
    """The diagnostic ``code`` sits at ``snippet`` and its caret covers it (``width=-1``: len(snippet))."""
    line, col = position(source, snippet, occurrence)
    d = find(err, code, line, col)
    assert_shape(d, source, path_shown, len(snippet) if width == -1 else width)
    whole = err.render()
    n = sum(1 for x in err.diagnostics if x.severity == "error")
    assert whole.endswith(f"pyflow: {n} error{'s' if n != 1 else ''}"), whole
    return d
