"""What the compiler hands its consumers (cli, local runner, iam, cdk, graph).

Everything here is plain data read from the source: the compiler never imports
the user's module. ``task_functions`` is the one place that does, for local runs.
"""
from __future__ import annotations

import importlib
import importlib.util
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class TaskInfo:
    """A ``@task`` a workflow calls, and where its code lives."""

    name: str  # the definition substitution: the Resource is "${name}"
    function: str  # the Python function's name in its module
    module: str  # dotted module name, importable with ``root`` on sys.path
    path: Path  # the source file
    root: Path  # the directory to package as the Lambda asset
    options: dict[str, Any] = field(default_factory=dict)  # literal @task(...) options
    line: int = 0

    @property
    def resource(self) -> str:
        return "${" + self.name + "}"

    @property
    def existing_arn(self) -> str | None:
        """``@task(resource="arn:...")``: an existing function, imported not created."""
        value = self.options.get("resource")
        return value if isinstance(value, str) else None


@dataclass(frozen=True)
class CompiledWorkflow:
    """One state machine: its ASL, and the tasks, nested machines and activities it names."""

    name: str
    definition: dict[str, Any]
    query_language: str
    options: dict[str, Any] = field(default_factory=dict)  # literal @workflow(...) options
    tasks: tuple[TaskInfo, ...] = ()
    nested: tuple["CompiledWorkflow", ...] = ()
    activities: tuple[str, ...] = ()
    warnings: tuple[Any, ...] = ()  # pyflow.diagnostics.Diagnostic
    source: Path | None = None
    # state name -> {"line": source line, "kind": IR op, "conditions": [Python text of each Choice rule]}
    source_map: dict[str, dict[str, Any]] = field(default_factory=dict)
    # every file the compile read (this workflow's and its nested workflows') with the
    # SHA-256 of what was read, and the module files it looked for and did not find:
    # what a cached result depends on
    inputs: tuple[tuple[Path, str], ...] = ()
    absent: tuple[Path, ...] = ()

    @property
    def json(self) -> str:
        """The definition as deterministic text (same source, same bytes)."""
        return dumps_definition(self.definition)

    @property
    def deployed_json(self) -> str:
        """The definition as deployed (``dumps_deployed``): same content, no indentation."""
        return dumps_deployed(self.definition)

    @property
    def substitutions(self) -> tuple[str, ...]:
        """Every ``${name}`` the definition uses, sorted."""
        names = {t.name for t in self.tasks} | {w.name for w in self.nested} | set(self.activities)
        return tuple(sorted(names))

    def state_machines(self) -> dict[str, dict[str, Any]]:
        """Nested workflows' definitions by substitution name, for a local runner."""
        found: dict[str, dict[str, Any]] = {}
        for wf in self.nested:
            found[wf.name] = wf.definition
            found.update(wf.state_machines())
        return found

    def task_functions(self) -> dict[str, Callable[..., Any]]:
        """Import the task modules and map each Resource string to its ``@task`` object."""
        found: dict[str, Callable[..., Any]] = {}
        for info in self.tasks:
            module = _import_from(info.root, info.module, info.path)
            found[info.resource] = getattr(module, info.function)
            found[info.name] = found[info.resource]
        for name in self.activities:
            local = _activity_local(self.source, name)
            if local is not None:  # what the activity does natively answers it locally too
                found["${" + name + "}"] = local
        for wf in self.nested:
            found.update(wf.task_functions())
        return found


def dumps_definition(definition: dict[str, Any]) -> str:
    return json.dumps(definition, indent=2, ensure_ascii=False) + "\n"


def dumps_deployed(definition: dict[str, Any]) -> str:
    """The definition as it is deployed: without indentation, as the CDK writes it.

    Step Functions' 1 MB limit counts these bytes, so PF120 measures this form and
    ``pyflow synth`` deploys it; the indented ``dumps_definition`` is for reading.
    """
    return json.dumps(definition, separators=(",", ":"), ensure_ascii=False)


def _activity_local(source: Path | None, name: str) -> Callable[..., Any] | None:
    """The ``local=`` function of the ``pf.Activity(name)`` the workflow's module sees
    (defined there or imported into it), if that module is loaded."""
    from pyflow.api import Activity

    if source is None:
        return None
    target = Path(source).resolve()
    for loaded in list(sys.modules.values()):
        file = getattr(loaded, "__file__", None)
        if not file or Path(file).resolve() != target:
            continue
        for value in vars(loaded).values():
            if isinstance(value, Activity) and value.name == name and value.local is not None:
                return value.local
    return None


def _import_from(root: Path, module: str, path: Path) -> Any:
    """The task's module: the one already imported from that file if there is one (so
    native and compiled runs share module state), else imported with ``root`` on sys.path."""
    target = path.resolve()
    for loaded in list(sys.modules.values()):
        file = getattr(loaded, "__file__", None)
        if file and Path(file).resolve() == target:
            return loaded
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    return importlib.import_module(module)
