"""Shared fixtures for the CDK tests.

Synthesis starts aws-cdk-lib's Node.js runtime (seconds), so one app is
synthesized per session and every test reads the same cloud assembly.
"""
from __future__ import annotations

import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

pytest.importorskip("aws_cdk", reason="aws-cdk-lib is not installed (pip install 'pyflow[cdk]')")
if shutil.which("node") is None:  # pragma: no cover - CI has Node.js
    pytest.skip("Node.js is not installed; aws-cdk-lib needs it", allow_module_level=True)

import handmade  # noqa: E402


@dataclass
class Synthesized:
    """One synthesized ``pyflow synth``-style app: where it went and what it holds."""

    outdir: Path
    template_path: Path
    template: dict[str, Any]
    compiled: Any
    stack: Any

    def resources(self, kind: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.template["Resources"].items() if v["Type"] == kind}

    def function(self, ref: str) -> tuple[str, dict[str, Any]]:
        """The Lambda function whose ``PYFLOW_TASK`` is ``ref`` (``jobs:submit_job``)."""
        for logical_id, res in self.resources("AWS::Lambda::Function").items():
            if res["Properties"].get("Environment", {}).get("Variables", {}).get("PYFLOW_TASK") == ref:
                return logical_id, res
        raise KeyError(ref)

    def machine(self, substitution_key: str) -> tuple[str, dict[str, Any]]:
        """The state machine whose definition substitutions include ``substitution_key``."""
        for logical_id, res in self.resources("AWS::StepFunctions::StateMachine").items():
            if substitution_key in res["Properties"].get("DefinitionSubstitutions", {}):
                return logical_id, res
        raise KeyError(substitution_key)

    def asset_dir(self) -> Path:
        (asset,) = sorted(self.outdir.glob("asset.*"))
        return asset


@pytest.fixture(scope="session")
def poller_app(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """The job poller (hand-made CompiledWorkflow) through ``build_app`` + ``App.synth()``."""
    from pyflow.cdk import build_app

    outdir = tmp_path_factory.mktemp("cdk") / "cdk.out"
    compiled = handmade.handmade_poller()
    app = build_app(compiled, outdir=outdir, stack_name="JobPoller", logs=True)
    assembly = app.synth()
    (stack_artifact,) = assembly.stacks
    template_path = Path(assembly.directory) / stack_artifact.template_file
    stack = app.node.find_child("JobPoller")
    return Synthesized(outdir, template_path, json.loads(template_path.read_text()), compiled, stack)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # aws-cdk-lib's bindings warn once per jsii protocol typeguard cannot check: noise here.
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.filterwarnings("ignore:Typeguard cannot check:UserWarning"))
