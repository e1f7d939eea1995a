"""examples/cdk_app.py synthesizes: logging, tracing, grants, metrics, an activity, an import by ARN."""
from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def template() -> dict:
    pytest.importorskip("aws_cdk")
    if shutil.which("node") is None:
        pytest.skip("aws-cdk-lib needs Node.js")
    from aws_cdk.assertions import Template

    spec = importlib.util.spec_from_file_location("pyflow_examples_cdk_app", ROOT / "examples" / "cdk_app.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return Template.from_stack(module.build()).to_json()


def resources(template: dict, kind: str) -> list[dict]:
    return [r for r in template["Resources"].values() if r["Type"] == kind]


def test_state_machines_logging_and_tracing(template: dict) -> None:
    machines = resources(template, "AWS::StepFunctions::StateMachine")
    assert len(machines) == 2
    orders = next(m for m in machines if "LoggingConfiguration" in m["Properties"])
    assert orders["Properties"]["LoggingConfiguration"]["Level"] == "ALL"
    assert orders["Properties"]["TracingConfiguration"] == {"Enabled": True}
    assert len(resources(template, "AWS::Logs::LogGroup")) == 1
    assert len(resources(template, "AWS::StepFunctions::Activity")) == 1


def test_grants_metrics_and_import(template: dict) -> None:
    text = json.dumps(template)
    for action in ("states:StartExecution", "states:SendTaskSuccess", "states:GetExecutionHistory",
                   "states:ListExecutions", "states:SendTaskHeartbeat"):
        assert action in text, action
    assert "StateMachine2E01A3A5-N5TJppzoevKQ" in text  # the imported machine, granted by ARN
    alarms = {r["Properties"].get("MetricName") for r in resources(template, "AWS::CloudWatch::Alarm")}
    assert alarms == {"ExecutionsFailed", "LambdaFunctionsFailed", "ThrottledEvents"}
    assert {"ActivityArn", "StateMachineArn"} <= set(template["Outputs"])
