"""Lambda code for pyflow tasks, packaged from source with no Docker and no network.

A task's Lambda function needs three things on ``sys.path``:

1. the user's source directory (``TaskInfo.root``), so ``PYFLOW_TASK=module:function``
   imports the task module exactly as it was compiled;
2. pyflow's *run-time* subset (``pyflow.runtime`` and the modules it and the user API
   import) — never the compiler, CLI or CDK code, which need libcst, networkx and
   aws-cdk-lib and would bloat the package;
3. the pure-Python run-time dependencies of that subset (typeguard and
   typing_extensions), copied from the environment pyflow runs in. boto3 is not
   copied: the Lambda Python runtime ships it.

The asset directory is assembled in a private temporary directory and handed to
``lambda.Code.from_asset``; CDK then hashes and stages it. Everything is copied in a
sorted order with fixed permissions, so the same sources give the same asset hash.
"""
from __future__ import annotations

import ast
import atexit
import importlib.util
import shutil
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

#: Third-party packages the run-time subset imports. Pure Python, so a copy from the
#: synthesizing environment runs on any Lambda architecture and Python 3.11+ runtime.
RUNTIME_DEPENDENCIES: tuple[str, ...] = ("typeguard", "typing_extensions")

#: Where the run-time subset of pyflow starts: the package (user code does
#: ``import pyflow as pf``) and the Lambda handler.
RUNTIME_ENTRY_MODULES: tuple[str, ...] = ("pyflow", "pyflow.runtime")

#: Names never copied from a user's source directory: caches, VCS and tool state,
#: virtual environments, CDK output, and ``pyflow`` itself (the asset gets the
#: run-time subset of the installed pyflow instead of a whole checkout).
EXCLUDED_NAMES: frozenset[str] = frozenset(
    {
        "__pycache__", ".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", ".mypy_cache",
        ".pytest_cache", ".ruff_cache", ".hypothesis", ".idea", ".vscode", "node_modules",
        "cdk.out", ".DS_Store",
    }
)
EXCLUDED_SUFFIXES: tuple[str, ...] = (".pyc", ".pyo", ".egg-info", ".dist-info")

#: Lambda's limit on the unzipped size of a function's code.
MAX_UNZIPPED_BYTES = 250 * 1024 * 1024

_PYFLOW_DIR = Path(__file__).resolve().parent.parent  # not pyflow.__file__: None for a namespace import
_staging_root: Path | None = None
_built: dict[tuple[Path, tuple[Path, ...]], Path] = {}


class AssetError(ValueError):
    """The task's source cannot be packaged (too big, missing dependency)."""


def runtime_modules() -> list[Path]:
    """The files of pyflow's run-time subset, found by following its ``pyflow`` imports.

    Computed from the source rather than listed by hand so that a module the lead
    adds to the run-time path is packaged automatically, and nothing else is.
    """
    seen: set[str] = set()
    todo = list(RUNTIME_ENTRY_MODULES)
    files: set[Path] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        path = _module_file(name)
        if path is None:
            continue
        files.add(path)
        parts = name.split(".")
        for i in range(1, len(parts)):  # parent packages' __init__ run on import
            todo.append(".".join(parts[:i]))
        todo.extend(_pyflow_imports(path, name))
    return sorted(files)


def _module_file(name: str) -> Path | None:
    rel = Path(*name.split(".")[1:])
    package_init = _PYFLOW_DIR / rel / "__init__.py"
    if package_init.is_file():
        return package_init
    module = (_PYFLOW_DIR / rel).with_suffix(".py")
    return module if module.is_file() else None


def _pyflow_imports(path: Path, module: str) -> Iterable[str]:
    """Every ``pyflow.*`` module ``path`` imports, at any depth (lazy imports included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "pyflow":
                    yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "pyflow":
                continue
            yield target
            for alias in node.names:  # ``from pyflow import errors`` may name a module
                yield f"{target}.{alias.name}"


def _dependency_paths() -> list[Path]:
    paths = []
    for name in RUNTIME_DEPENDENCIES:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            raise AssetError(f"cannot package the Lambda runtime: {name!r} is not installed (pip install {name})")
        origin = Path(spec.origin)
        paths.append(origin.parent if origin.name == "__init__.py" else origin)
    return paths


def _excluded(path: Path) -> bool:
    return path.name in EXCLUDED_NAMES or path.name.endswith(EXCLUDED_SUFFIXES)


def _copy_tree(
    src: Path,
    dest: Path,
    *,
    budget: list[int],
    skip_top: frozenset[str] = frozenset(),
    skip_paths: frozenset[Path] = frozenset(),
) -> None:
    """Copy ``src`` into ``dest`` in sorted order, without junk, with fixed permissions."""
    dest.mkdir(parents=True, exist_ok=True)
    for entry in sorted(src.iterdir(), key=lambda p: p.name):
        if _excluded(entry) or entry.name in skip_top or entry.resolve() in skip_paths:
            continue
        target = dest / entry.name
        if entry.is_dir():
            _copy_tree(entry, target, budget=budget, skip_paths=skip_paths)
        elif entry.is_file():
            _copy_file(entry, target, budget)


def _copy_file(src: Path, dest: Path, budget: list[int]) -> None:
    budget[0] += src.stat().st_size
    if budget[0] > MAX_UNZIPPED_BYTES:
        raise AssetError(
            f"the Lambda code for this workflow exceeds Lambda's 250 MB unzipped limit while copying {src}; "
            "move the workflow into a smaller source directory"
        )
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dest)
    dest.chmod(stat.S_IRUSR | stat.S_IWUSR | stat.S_IRGRP | stat.S_IROTH)  # 0644: readable by Lambda


def _staging() -> Path:
    global _staging_root
    if _staging_root is None:
        _staging_root = Path(tempfile.mkdtemp(prefix="pyflow-assets-"))
        atexit.register(shutil.rmtree, _staging_root, True)
    return _staging_root


def build_asset(root: Path, *, exclude: Iterable[Path] = ()) -> Path:
    """Assemble (once per process) the Lambda code directory for tasks under ``root``.

    ``exclude`` names directories inside ``root`` to leave out (the synth output
    directory when it sits in the source tree). Returns the directory to pass to
    ``lambda.Code.from_asset``; it lives until the process exits.
    """
    root = Path(root).resolve()
    excluded = tuple(sorted(Path(p).resolve() for p in exclude))
    key = (root, excluded)
    if key in _built:
        return _built[key]
    dest = _staging() / f"asset{len(_built)}"
    budget = [0]
    # the staging directory may itself lie under ``root`` (a workflow in /tmp): never copy it into itself
    skip = frozenset(excluded) | {_staging().resolve()}
    _copy_tree(root, dest, budget=budget, skip_top=frozenset({"pyflow"}), skip_paths=skip)
    for path in runtime_modules():
        _copy_file(path, dest / "pyflow" / path.relative_to(_PYFLOW_DIR), budget)
    for dep in _dependency_paths():
        if dep.is_dir():
            _copy_tree(dep, dest / dep.name, budget=budget)
        else:
            _copy_file(dep, dest / dep.name, budget)
    _built[key] = dest
    return dest
