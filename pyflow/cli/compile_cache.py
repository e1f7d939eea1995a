"""A cache of what ``pyflow compile`` printed, so compiling an unchanged workflow again
costs about what starting Python costs.

Why: a command-line compile spends most of its time importing the compiler (libcst and
networkx alone take about as long as a whole ``sfnx compile``), and build scripts,
editors and ``make`` compile the same unchanged workflow over and over. Python keeps
``.pyc`` files for the same reason.

What a result depends on, and is checked against before it is reused:

* the key: pyflow's own files (path, size, mtime of each), the versions of the
  libraries the compile uses (libcst, networkx, botocore: their ``__init__.py``),
  the Python version, the workflow's absolute path and function, the query
  language and the working directory (diagnostics print paths relative to it);
* every source file the compile read (the workflow's module, the task modules it
  imports, nested workflows'): the same SHA-256 (hashed on every use: source files
  are small, and an mtime can stay put while content changes);
* every module file an import looked for and did not find: still absent (creating
  one would change what the import resolves to).

Only successful compiles are stored (their output and their warnings, replayed on
stderr). A cache that cannot be read or written is skipped, never an error.
``--no-cache`` or ``PYFLOW_NO_CACHE=1`` bypasses it; ``PYFLOW_CACHE_DIR`` moves it
(default ``$XDG_CACHE_HOME/pyflow``, else ``~/.cache/pyflow``).
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FORMAT = 1
#: The libraries whose versions change the compiler's output.
LIBRARIES = ("libcst", "networkx", "botocore")


def cache_dir() -> Path:
    explicit = os.environ.get("PYFLOW_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "pyflow"


def disabled() -> bool:
    return os.environ.get("PYFLOW_NO_CACHE", "") not in ("", "0")


def _stamp(path: str) -> list[int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns]


def _digest(path: str) -> str | None:
    try:
        with open(path, "rb") as fh:
            return hashlib.sha256(fh.read()).hexdigest()
    except OSError:
        return None


def _package_files(top: Path) -> list[list[Any]]:
    """(relative path, size, mtime) of every file of a package, __pycache__ aside."""
    rows: list[list[Any]] = []
    stack = [top]
    while stack:
        folder = stack.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name != "__pycache__":
                        stack.append(Path(entry.path))
                elif entry.name.endswith((".py", ".json")):
                    st = entry.stat()
                    rows.append([os.path.relpath(entry.path, top), st.st_size, st.st_mtime_ns])
    return sorted(rows)


def _library_stamps() -> dict[str, Any]:
    stamps: dict[str, Any] = {}
    for name in LIBRARIES:
        spec = importlib.util.find_spec(name)
        stamps[name] = [spec.origin, _stamp(spec.origin)] if spec is not None and spec.origin else None
    return stamps


@dataclass(frozen=True)
class CompileCache:
    """The cache entry of one (workflow, query language) in one environment."""

    entry: Path
    key: str

    @classmethod
    def for_target(cls, path: Path, function: str, query_language: str | None) -> CompileCache:
        import pyflow

        identity = {
            "format": FORMAT,
            "python": sys.version,
            "pyflow": _package_files(Path(pyflow.__file__).parent),
            "libraries": _library_stamps(),
            "target": [str(path.resolve()), function, query_language],
            "cwd": os.getcwd(),
        }
        key = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()
        # one entry per target and cwd: a changed key overwrites it instead of piling up
        name = hashlib.sha256(json.dumps(identity["target"] + [identity["cwd"]]).encode()).hexdigest()[:32]
        return cls(cache_dir() / f"{name}.json", key)

    def load(self) -> tuple[str, str] | None:
        """(output, warnings text) of an earlier compile whose inputs are unchanged."""
        try:
            data = json.loads(self.entry.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("key") != self.key:
            return None
        for path, digest in data["inputs"]:
            if _digest(path) != digest:
                return None
        if any(os.path.exists(path) for path in data["absent"]):
            return None
        return data["output"], data["warnings"]

    def store(self, compiled: Any, output: str, warnings: str) -> None:
        """Remember a successful compile, unless a file it read has changed since (the
        digests are of the bytes the compiler read)."""
        inputs = [[str(path), digest] for path, digest in compiled.inputs]
        if any(_digest(path) != digest for path, digest in inputs):
            return  # edited during the compile: the next one must read it again
        data = {"key": self.key, "inputs": inputs, "absent": [str(p) for p in compiled.absent],
                "output": output, "warnings": warnings}
        try:
            self.entry.parent.mkdir(parents=True, exist_ok=True)
            partial = self.entry.with_suffix(f".{os.getpid()}.tmp")
            partial.write_text(json.dumps(data), encoding="utf-8")
            os.replace(partial, self.entry)
        except OSError:
            pass  # a read-only or full disk: the compile itself succeeded
