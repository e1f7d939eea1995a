"""Compile every function and method of the standard library as if it were a ``@workflow``.

Each ``FunctionDef`` of a parsed module (top-level functions, methods, nested
functions) is handed to the frontend as a ``FunctionInfo`` of kind ``workflow``
and taken through the same stages as ``pyflow.compiler.compile_file``:
``FunctionLowerer`` -> passes -> the JSONata backend -> the size limit. The
outcome of each is ``compiled``, ``rejected`` (a ``CompileError`` whose
diagnostics all carry registered codes) or ``internal`` (anything else: a bug).
"""
from __future__ import annotations

import sysconfig
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst

SKIP_PARTS = {"test", "tests", "idlelib", "site-packages", "__pycache__", "dist-packages"}


def stdlib_files() -> list[Path]:
    root = Path(sysconfig.get_paths()["stdlib"])
    files = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        if SKIP_PARTS & set(rel.parts[:-1]):
            continue
        files.append(path)
    return files


@dataclass
class Tally:
    files: int = 0
    unparsable: int = 0
    functions: int = 0
    compiled: int = 0
    rejected: int = 0
    internal: int = 0
    codes: Counter = field(default_factory=Counter)  # functions rejected with at least one diagnostic of a code
    failures: list[str] = field(default_factory=list)  # "path:line name: traceback"
    seconds: float = 0.0

    def add(self, other: "Tally") -> None:
        for name in ("files", "unparsable", "functions", "compiled", "rejected", "internal"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.codes.update(other.codes)
        self.failures.extend(other.failures)
        self.seconds += other.seconds

    def summary(self) -> str:
        codes = ", ".join(f"{c}: {n}" for c, n in sorted(self.codes.items()))
        return (f"stdlib as workflows: {self.files} files ({self.unparsable} rejected whole), "
                f"{self.functions} functions: {self.compiled} compiled, {self.rejected} rejected, "
                f"{self.internal} internal errors; by code: {codes}")


def _functions(module: cst.Module) -> list[cst.FunctionDef]:
    found: list[cst.FunctionDef] = []

    class Visitor(cst.CSTVisitor):
        def visit_FunctionDef(self, node: cst.FunctionDef) -> None:  # noqa: N802
            found.append(node)

    module.visit(Visitor())
    return found


def compile_module(path: Path, query_language: str = "jsonata") -> Tally:
    """Every function of one file, each compiled alone; never raises."""
    from pyflow.compiler import _check_limits, _lower_definition
    from pyflow.diagnostics import CODES, CompileError, Reporter
    from pyflow.frontend.lower import FunctionLowerer
    from pyflow.frontend.modules import FunctionInfo, ModuleLoader
    from pyflow.passes import run_all

    tally = Tally(files=1)
    start = time.perf_counter()
    reporter = Reporter()
    loader = ModuleLoader(reporter)
    try:
        mod = loader.load(path)
    except Exception:  # noqa: BLE001 - an internal error of the loader
        tally.internal += 1
        tally.failures.append(f"{path}: loading\n{traceback.format_exc()}")
        return tally
    if mod is None:
        tally.unparsable += 1
        bad = [d for d in reporter.items if d.code not in CODES]
        if bad or not reporter.items:
            tally.internal += 1
            tally.failures.append(f"{path}: unparsable without a registered code: {reporter.items}")
        return tally
    for node in _functions(mod.module):
        tally.functions += 1
        reporter = Reporter()
        loader.reporter = reporter
        info = FunctionInfo(node.name.value, node, "workflow", {}, {}, mod)
        try:
            lowered = FunctionLowerer(info, loader, reporter).lower()
            reporter.raise_if_errors()
            assert lowered is not None
            run_all(lowered.graph, lowered.entry)
            definition = _lower_definition(lowered, query_language, info.options)
            _check_limits(definition, mod, info, reporter)
            reporter.raise_if_errors()
            assert definition["States"] and definition["StartAt"] in definition["States"]
            for name in definition["States"]:
                assert len(name) <= 80, f"state name longer than 80 characters: {name!r}"
        except CompileError as err:
            codes = {d.code for d in err.diagnostics}
            if not err.diagnostics or not codes <= set(CODES):
                tally.internal += 1
                tally.failures.append(f"{path}:{mod.span(node).line} {node.name.value}: "
                                      f"CompileError without registered codes: {codes}")
            else:
                tally.rejected += 1
                tally.codes.update(codes)
        except Exception:  # noqa: BLE001 - this is what the test looks for
            tally.internal += 1
            tally.failures.append(f"{path}:{mod.span(node).line} {node.name.value}\n{traceback.format_exc()}")
        else:
            tally.compiled += 1
    tally.seconds = time.perf_counter() - start
    return tally


def _worker(args: tuple[str, str]) -> Tally:
    import sys

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 1000))
    return compile_module(Path(args[0]), args[1])


def compile_files(files: list[Path], query_language: str = "jsonata", workers: int = 2) -> Tally:
    total = Tally()
    jobs = [(str(f), query_language) for f in files]
    if workers <= 1:
        results = map(_worker, jobs)
        for t in results:
            total.add(t)
        return total
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(workers, maxtasksperchild=50) as pool:
        for t in pool.imap_unordered(_worker, jobs, chunksize=1):
            total.add(t)
    return total


if __name__ == "__main__":  # python -m tests.robustness.stdlib_corpus [N]: every Nth file
    import sys

    step = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    lang = sys.argv[2] if len(sys.argv) > 2 else "jsonata"
    t0 = time.perf_counter()
    result = compile_files(stdlib_files()[::step], lang)
    print(result.summary())
    print(f"wall time {time.perf_counter() - t0:.1f}s, cpu in workers {result.seconds:.1f}s")
    for f in result.failures:
        print("----", f)
