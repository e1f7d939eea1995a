"""A workflow with no Lambda task (Choice/Pass/Wait only) still gets a working role: the
Deny-all placeholder of ``pyflow policy`` never reaches the role, where it would override
the logging and X-Ray permissions CDK adds (CloudFormation rejects such a machine with
logging on). Checked on the synthesized template, with moto's IAM policy evaluation."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

SOURCE = '''import pyflow as pf


@pf.workflow(logs=True, tracing=True)
def triage(score: int) -> str:
    pf.wait(seconds=1)
    if score > 10:
        return "high"
    return "low"
'''


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> dict:
    from pyflow.cdk.synth import synthesize

    root = tmp_path_factory.mktemp("taskless")
    (root / "triage.py").write_text(SOURCE)
    path = synthesize(f"{root / 'triage.py'}:triage", root / "cdk.out", stack_name="Triage")
    return json.loads(Path(path).read_text())


def _statements(template: dict) -> list[dict]:
    return [s for r in template["Resources"].values() if r["Type"] == "AWS::IAM::Policy"
            for s in r["Properties"]["PolicyDocument"]["Statement"]]


def test_no_deny_statement_in_a_taskless_role(template: dict) -> None:
    statements = _statements(template)
    assert statements, "logging and tracing need permissions"
    assert all(s["Effect"] == "Allow" for s in statements)
    actions = {a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert {"logs:CreateLogDelivery", "xray:PutTraceSegments"} <= actions


def test_moto_allows_what_logging_and_tracing_need(template: dict) -> None:
    access_control = pytest.importorskip("moto.iam.access_control")

    statements = [s for s in _statements(template) if isinstance(s.get("Resource"), str)]  # "*" ones
    policy = access_control.IAMPolicy(json.dumps({"Version": "2012-10-17", "Statement": statements}))
    for action in ("logs:CreateLogDelivery", "logs:DescribeLogGroups", "xray:PutTraceSegments"):
        assert policy.is_action_permitted(action) == access_control.PermissionResult.PERMITTED, action
    deny_all = access_control.IAMPolicy(json.dumps({"Version": "2012-10-17", "Statement": [
        *statements, {"Effect": "Deny", "Action": "*", "Resource": "*"}]}))
    assert deny_all.is_action_permitted("logs:CreateLogDelivery") == access_control.PermissionResult.DENIED
