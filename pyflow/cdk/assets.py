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
#: ``pyflow synth`` warns from this size on: well before the limit, while there is room to act.
WARN_UNZIPPED_BYTES = 50 * 1024 * 1024

#: Top-level modules the Lambda Python runtime provides: a task importing them needs no copy.
LAMBDA_PROVIDED: frozenset[str] = frozenset({"boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six"})

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


def build_asset(root: Path, *, exclude: Iterable[Path] = (), modules: Iterable[str] = ()) -> Path:
    """Assemble (once per process) the Lambda code directory for tasks under ``root``.

    With ``modules`` (the dotted names of the task modules), the asset holds those
    modules, every module under ``root`` they import (relative imports included), the
    packages around them, and the installed distributions of the third-party packages
    they import: never the rest of the directory (``.env``, secrets, data folders).
    Without, the whole of ``root`` less junk (the behaviour for hand-built callers).
    ``exclude`` names directories inside ``root`` to leave out (the synth output
    directory when it sits in the source tree). Returns the directory to pass to
    ``lambda.Code.from_asset``; it lives until the process exits.
    """
    root = Path(root).resolve()
    excluded = tuple(sorted(Path(p).resolve() for p in exclude))
    wanted = tuple(sorted(set(modules)))
    key = (root, excluded, wanted)
    if key in _built:
        return _built[key]
    dest = _staging() / f"asset{len(_built)}"
    budget = [0]
    if wanted:
        files, third_party = import_closure(root, wanted)
        for path in files:
            _copy_file(path, dest / path.relative_to(root), budget)
        for dist_root, rel in third_party_files(third_party):
            _copy_file(dist_root / rel, dest / rel, budget)
    else:
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
    _sizes[dest] = budget[0]
    return dest


_sizes: dict[Path, int] = {}


def asset_sizes() -> dict[Path, int]:
    """The unzipped bytes of each asset ``build_asset`` made in this process (what
    Lambda's 250 MB limit counts), for ``pyflow synth`` to print."""
    return dict(_sizes)


# --------------------------------------------------------------------------- the import closure
def import_closure(root: Path, modules: Iterable[str]) -> tuple[list[Path], set[str]]:
    """The files under ``root`` that ``modules`` need (themselves, what they import under
    ``root``, their packages' ``__init__.py``), and the top-level names of what they import
    from outside ``root`` that is neither the standard library, pyflow, nor provided by
    the Lambda runtime."""
    import sys

    files: set[Path] = set()
    third_party: set[str] = set()
    todo = list(modules)
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        path = _local_module(root, name)
        if path is None:
            top = name.split(".")[0]
            if top not in sys.stdlib_module_names and top != "pyflow" and top not in LAMBDA_PROVIDED \
                    and _local_module(root, top) is None:
                third_party.add(top)
            continue
        files.add(path)
        parts = name.split(".")
        for i in range(1, len(parts)):
            todo.append(".".join(parts[:i]))
        todo.extend(_imports(path, name))
    return sorted(files), third_party


def _local_module(root: Path, name: str) -> Path | None:
    rel = Path(*name.split("."))
    for candidate in (root / rel / "__init__.py", (root / rel).with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


def _imports(path: Path, module: str) -> Iterable[str]:
    """Every module ``path`` may import, absolute or relative, at any depth; for
    ``from m import n`` both ``m`` and ``m.n`` (``n`` may be a submodule)."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (SyntaxError, UnicodeDecodeError):
        return
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".") if package else []
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target:
                continue
            yield target
            for alias in node.names:
                if alias.name != "*":
                    yield f"{target}.{alias.name}"


def third_party_files(names: Iterable[str]) -> list[tuple[Path, Path]]:
    """``(base, relative path)`` of every file of the installed distributions that provide
    the top-level modules ``names``, and of the distributions they require, recursively.
    Pure-Python distributions are copied as installed; one with compiled extensions would
    not run on Lambda's platform unless built for it, so it is an ``AssetError`` naming the
    fix, as is a package that is not installed (every invocation would fail to import it)."""
    import importlib.metadata as metadata
    import re

    providers = metadata.packages_distributions()
    out: list[tuple[Path, Path]] = []
    todo: list[str] = []
    for name in sorted(names):
        dists = providers.get(name)
        if not dists:
            raise AssetError(f"a task imports {name!r}, which is not installed here, so it cannot be packaged "
                             f"for Lambda; install it (pip install {name}) and synthesize again")
        todo.extend(dists)
    done: set[str] = set()
    while todo:
        dist_name = todo.pop()
        canonical = re.sub(r"[-_.]+", "-", dist_name).lower()
        if canonical in done:
            continue
        done.add(canonical)
        try:
            dist = metadata.distribution(dist_name)
        except metadata.PackageNotFoundError:
            continue  # an optional requirement that is absent: the package runs without it here too
        for requirement in dist.requires or ():
            if ";" in requirement and "extra" in requirement.split(";", 1)[1]:
                continue  # an extra's requirement: not installed by the package itself
            match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
            if match and match.group(1).lower() not in LAMBDA_PROVIDED:
                todo.append(match.group(1))
        base = Path(str(dist.locate_file("")))
        for file in sorted(dist.files or (), key=str):
            rel = Path(str(file))
            if rel.parts and (rel.parts[0].endswith((".dist-info", ".egg-info")) or rel.parts[0] in ("..", "bin")
                              or "__pycache__" in rel.parts):
                continue
            if rel.suffix in (".so", ".pyd", ".dylib"):
                raise AssetError(
                    f"a task needs {dist.metadata['Name']} {dist.version}, which has compiled extensions: "
                    "a copy of this machine's build may not run on Lambda; vendor a build for Lambda's "
                    "platform into the source directory (pip install --target DIR --platform "
                    "manylinux2014_x86_64 --only-binary=:all: ...) or deploy it as a layer")
            if (base / rel).is_file():
                out.append((base, rel))
    return out
