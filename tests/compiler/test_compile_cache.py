"""``pyflow compile`` reuses its last output for an unchanged workflow, and never a stale
one: any change to a file the compile read, to an import's resolution, or to the
options compiles again. Each case runs the real command in a fresh interpreter."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

HEADER = "from pyflow import task, workflow\n"
TASKS = textwrap.dedent('''
    from pyflow import task

    @task
    def work(x: int) -> int:
        return x + 1
''')
FLOW = HEADER + textwrap.dedent('''
    from helpers import work

    @workflow
    def wf(x: int) -> dict:
        y = work(x)
        return {"label": "LABEL", "y": y}
''')
# Prints whether the compiler (libcst, networkx) was imported, after the command ran.
PROBE = ("import sys; from pyflow.cli import main; code = main(sys.argv[1:]); "
         "sys.stderr.write('IMPORTED=%s\\n' % ('libcst' in sys.modules or 'networkx' in sys.modules)); sys.exit(code)")


def pyflow(cwd: Path, cache: Path, *args: str, env: dict[str, str] | None = None) -> tuple[dict, bool, subprocess.CompletedProcess]:
    """Run ``pyflow compile`` in a fresh interpreter: (definition, compiled afresh?, process)."""
    environ = {k: v for k, v in os.environ.items() if k != "PYFLOW_NO_CACHE"}
    environ.update({"PYFLOW_CACHE_DIR": str(cache), **(env or {})})
    proc = subprocess.run([sys.executable, "-c", PROBE, "compile", *args], cwd=cwd, capture_output=True,
                          text=True, env=environ, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout), "IMPORTED=True" in proc.stderr, proc


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "helpers.py").write_text(TASKS, encoding="utf-8")
    (tmp_path / "flow.py").write_text(FLOW, encoding="utf-8")
    return tmp_path


def _label(definition: dict) -> str:
    return json.dumps(definition)


def test_an_unchanged_workflow_is_not_compiled_again(project: Path, tmp_path_factory) -> None:
    cache = tmp_path_factory.mktemp("cache")
    first, fresh, proc1 = pyflow(project, cache, "flow.py:wf")
    again, fresh_again, proc2 = pyflow(project, cache, "flow.py:wf")
    assert fresh and not fresh_again  # the second run never imported the compiler
    assert proc1.stdout == proc2.stdout  # same bytes
    uncached, fresh3, proc3 = pyflow(project, cache, "flow.py:wf", "--no-cache")
    assert fresh3 and proc3.stdout == proc1.stdout
    _, fresh4, _ = pyflow(project, cache, "flow.py:wf", env={"PYFLOW_NO_CACHE": "1"})
    assert fresh4


def test_editing_the_workflow_compiles_again(project: Path, tmp_path_factory) -> None:
    cache = tmp_path_factory.mktemp("cache")
    first, _, _ = pyflow(project, cache, "flow.py:wf")
    (project / "flow.py").write_text(FLOW.replace("LABEL", "OTHER"), encoding="utf-8")
    second, fresh, _ = pyflow(project, cache, "flow.py:wf")
    assert fresh and "OTHER" in _label(second) and "LABEL" in _label(first)


def test_same_size_and_mtime_but_new_content_compiles_again(project: Path, tmp_path_factory) -> None:
    """A file is compared by content: an edit that keeps its size and mtime is seen."""
    cache = tmp_path_factory.mktemp("cache")
    flow = project / "flow.py"
    pyflow(project, cache, "flow.py:wf")
    before = flow.stat()
    flow.write_text(FLOW.replace("LABEL", "ABCDE"), encoding="utf-8")  # same length
    os.utime(flow, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert flow.stat().st_size == before.st_size
    second, fresh, _ = pyflow(project, cache, "flow.py:wf")
    assert fresh and "ABCDE" in _label(second)
    # touched but identical: the hash matches, the cached output is used
    os.utime(flow, ns=(before.st_atime_ns, before.st_mtime_ns + 10**9))
    third, fresh3, _ = pyflow(project, cache, "flow.py:wf")
    assert not fresh3 and third == second


def test_editing_an_imported_task_module_compiles_again(project: Path, tmp_path_factory) -> None:
    cache = tmp_path_factory.mktemp("cache")
    first, _, _ = pyflow(project, cache, "flow.py:wf")
    (project / "helpers.py").write_text(TASKS.replace("@task\n", '@task(name="renamed_work")\n'), encoding="utf-8")
    second, fresh, _ = pyflow(project, cache, "flow.py:wf")
    assert fresh and "renamed_work" in _label(second) and "renamed_work" not in _label(first)


def test_a_new_module_that_changes_an_import_compiles_again(tmp_path: Path, tmp_path_factory) -> None:
    """``from pkg.tasks import work`` finds pkg/tasks/__init__.py; a new pkg/tasks.py
    comes first in the search and changes what the import means."""
    cache = tmp_path_factory.mktemp("cache")
    (tmp_path / "pkg" / "tasks").mkdir(parents=True)
    (tmp_path / "pkg" / "tasks" / "__init__.py").write_text(TASKS, encoding="utf-8")
    (tmp_path / "flow.py").write_text(FLOW.replace("from helpers", "from pkg.tasks"), encoding="utf-8")
    first, _, _ = pyflow(tmp_path, cache, "flow.py:wf")
    (tmp_path / "pkg" / "tasks.py").write_text(TASKS.replace("@task\n", '@task(name="shadowing_work")\n'),
                                               encoding="utf-8")
    second, fresh, _ = pyflow(tmp_path, cache, "flow.py:wf")
    assert fresh and "shadowing_work" in _label(second) and "shadowing_work" not in _label(first)


def test_the_query_language_is_part_of_the_key(project: Path, tmp_path_factory) -> None:
    cache = tmp_path_factory.mktemp("cache")
    jsonata, _, _ = pyflow(project, cache, "flow.py:wf")
    jsonpath, fresh, _ = pyflow(project, cache, "flow.py:wf", "--query-language", "jsonpath")
    assert fresh and jsonata["QueryLanguage"] == "JSONata" and jsonpath["QueryLanguage"] == "JSONPath"


def test_a_failed_compile_is_not_cached_and_a_fix_is_seen(project: Path, tmp_path_factory) -> None:
    cache = tmp_path_factory.mktemp("cache")
    flow = project / "flow.py"
    flow.write_text(FLOW.replace("y = work(x)", "y = print(x)"), encoding="utf-8")
    env = {**os.environ, "PYFLOW_CACHE_DIR": str(cache)}
    bad = subprocess.run([sys.executable, "-m", "pyflow.cli", "compile", "flow.py:wf"], cwd=project,
                         capture_output=True, text=True, env=env, timeout=120)
    assert bad.returncode == 1 and "PF104" in bad.stderr and not list(cache.iterdir())
    flow.write_text(FLOW, encoding="utf-8")
    fixed, fresh, _ = pyflow(project, cache, "flow.py:wf")
    assert fresh and fixed["States"]


def test_an_unwritable_cache_is_skipped(project: Path, tmp_path_factory) -> None:
    blocker = tmp_path_factory.mktemp("cache") / "not-a-directory"
    blocker.write_text("", encoding="utf-8")
    first, fresh, _ = pyflow(project, blocker / "sub", "flow.py:wf")
    second, fresh2, _ = pyflow(project, blocker / "sub", "flow.py:wf")
    assert fresh and fresh2 and first == second
