"""The synthesized template: resources, the exact role policy, cfn-lint and asl-validator."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

import handmade

LOGS_ACTIONS = [  # what Step Functions needs to deliver logs to CloudWatch Logs (AWS docs)
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
]
XRAY_ACTIONS = [  # what X-Ray tracing needs (AWS docs)
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
]


def _arn(service: str, resource: str) -> dict[str, Any]:
    return {
        "Fn::Join": [
            "",
            ["arn:", {"Ref": "AWS::Partition"}, f":{service}:", {"Ref": "AWS::Region"}, ":",
             {"Ref": "AWS::AccountId"}, f":{resource}"],
        ]
    }


def _canonical(statements: list[dict[str, Any]]) -> list[str]:
    out = []
    for st in statements:
        st = dict(st)
        for key in ("Action", "Resource"):
            if not isinstance(st[key], list):
                st[key] = [st[key]]
            st[key] = sorted(st[key], key=lambda v: json.dumps(v, sort_keys=True))
        out.append(json.dumps(st, sort_keys=True))
    return sorted(out)


def _policy_of_machine(app: Any, machine_id: str) -> list[dict[str, Any]]:
    role_id = app.template["Resources"][machine_id]["Properties"]["RoleArn"]["Fn::GetAtt"][0]
    policies = [
        res for res in app.resources("AWS::IAM::Policy").values() if res["Properties"]["Roles"] == [{"Ref": role_id}]
    ]
    inline = app.template["Resources"][role_id]["Properties"].get("Policies", [])
    assert not inline and not app.template["Resources"][role_id]["Properties"].get("ManagedPolicyArns")
    return [st for p in policies for st in p["Properties"]["PolicyDocument"]["Statement"]]


def test_one_function_per_task_with_its_options(poller_app: Any) -> None:
    functions = poller_app.resources("AWS::Lambda::Function")
    refs = sorted(f["Properties"]["Environment"]["Variables"]["PYFLOW_TASK"] for f in functions.values())
    # audit is @task(resource="arn:...") -> imported, not created
    assert refs == ["jobs:get_final_status", "jobs:get_status", "jobs:send_email", "jobs:submit_job"]
    _, submit = poller_app.function("jobs:submit_job")
    props = submit["Properties"]
    assert props["Handler"] == "pyflow.runtime.handler"
    assert props["Runtime"] == "python3.12"
    assert props["MemorySize"] == 256
    assert props["Timeout"] == 30
    assert props["Architectures"] == ["arm64"]
    assert props["Environment"]["Variables"] == {"STAGE": "test", "PYFLOW_TASK": "jobs:submit_job"}
    assert props["TracingConfig"] == {"Mode": "Active"}  # the workflow asks for tracing
    _, final = poller_app.function("jobs:get_final_status")
    assert final["Properties"]["Runtime"] == "python3.13"
    assert final["Properties"]["Timeout"] == 60 and "MemorySize" not in final["Properties"]
    # every function shares the one asset built from the fixtures directory
    keys = {f["Properties"]["Code"]["S3Key"] for f in functions.values()}
    assert len(keys) == 1


def test_state_machine_properties_and_substitutions(poller_app: Any) -> None:
    compiled = poller_app.compiled
    machine_id, machine = poller_app.machine("submit_job")
    props = machine["Properties"]
    assert props["StateMachineName"] == "job_poller"
    assert props["StateMachineType"] == "STANDARD"
    assert props["TracingConfiguration"] == {"Enabled": True}
    logging = props["LoggingConfiguration"]
    assert logging["Level"] == "ALL" and logging["IncludeExecutionData"] is True
    log_group = logging["Destinations"][0]["CloudWatchLogsLogGroup"]["LogGroupArn"]["Fn::GetAtt"][0]
    assert poller_app.template["Resources"][log_group]["Type"] == "AWS::Logs::LogGroup"
    # the definition is the compiler's, deployed without indentation (the bytes the 1 MB limit counts)
    assert props["DefinitionString"] == compiled.deployed_json
    assert json.loads(props["DefinitionString"]) == json.loads(compiled.json)
    subs = props["DefinitionSubstitutions"]
    assert sorted(subs) == list(compiled.substitutions)
    assert set(re.findall(r"\$\{(\w+)\}", props["DefinitionString"])) == set(subs)
    assert subs["submit_job"] == {"Fn::GetAtt": [poller_app.function("jobs:submit_job")[0], "Arn"]}
    assert subs["audit"] == handmade.LEGACY_ARN
    activity_id = subs["approve"]["Ref"]
    assert poller_app.template["Resources"][activity_id]["Type"] == "AWS::StepFunctions::Activity"
    nested_id, nested = poller_app.machine("send_email")
    assert subs["notify"] == {"Ref": nested_id}
    assert nested["Properties"]["TracingConfiguration"] == {"Enabled": True}  # inherited from the parent
    assert json.loads(nested["Properties"]["DefinitionString"]) == handmade.notify().definition
    outputs = poller_app.template["Outputs"]
    assert outputs["StateMachineArn"]["Value"] == {"Ref": machine_id}
    assert outputs["Activityapprove"]["Value"] == {"Ref": activity_id}


def test_role_policy_is_exactly_pyflow_iam_plus_logging_and_tracing(poller_app: Any) -> None:
    machine_id, _ = poller_app.machine("submit_job")
    fn = {name: {"Fn::GetAtt": [poller_app.function(f"jobs:{name}")[0], "Arn"]}
          for name in ("submit_job", "get_status", "get_final_status", "send_email")}
    def versions(name: str) -> dict[str, Any]:  # "<function arn>:*": its versions and aliases
        return {"Fn::Join": ["", [fn[name], ":*"]]}

    nested_id, _ = poller_app.machine("send_email")
    expected = [
        {"Action": ["events:DescribeRule", "events:PutRule", "events:PutTargets"], "Effect": "Allow",
         "Resource": _arn("events", "rule/StepFunctionsGetEventsForStepFunctionsExecutionRule")},
        {"Action": "lambda:InvokeFunction", "Effect": "Allow",
         "Resource": [fn["get_final_status"], versions("get_final_status"), fn["get_status"],
                      versions("get_status"), fn["submit_job"], versions("submit_job"),
                      handmade.LEGACY_ARN, handmade.LEGACY_ARN + ":*"]},
        {"Action": ["states:DescribeExecution", "states:StopExecution"], "Effect": "Allow",
         "Resource": _arn("states", "execution:*")},
        {"Action": "states:StartExecution", "Effect": "Allow", "Resource": {"Ref": nested_id}},
        {"Action": LOGS_ACTIONS, "Effect": "Allow", "Resource": "*"},
        {"Action": XRAY_ACTIONS, "Effect": "Allow", "Resource": "*"},
    ]
    assert _canonical(_policy_of_machine(poller_app, machine_id)) == _canonical(expected)
    nested_expected = [
        {"Action": "lambda:InvokeFunction", "Effect": "Allow", "Resource": [fn["send_email"], versions("send_email")]},
        {"Action": LOGS_ACTIONS, "Effect": "Allow", "Resource": "*"},
        {"Action": XRAY_ACTIONS, "Effect": "Allow", "Resource": "*"},
    ]
    assert _canonical(_policy_of_machine(poller_app, nested_id)) == _canonical(nested_expected)


def test_role_policy_matches_pyflow_iam_document(poller_app: Any) -> None:
    """The statements before the logging/tracing ones are pyflow.iam's, one for one."""
    from pyflow.cdk import workflow_policy

    machine_id, _ = poller_app.machine("submit_job")
    statements = _policy_of_machine(poller_app, machine_id)
    document = workflow_policy(poller_app.compiled)
    ours = statements[: len(document["Statement"])]
    assert [s["Action"] if isinstance(s["Action"], list) else [s["Action"]] for s in ours] == [
        s["Action"] if isinstance(s["Action"], list) else [s["Action"]] for s in document["Statement"]
    ]


def test_cfn_lint_reports_no_errors(poller_app: Any) -> None:
    from cfnlint.api import lint_all

    errors = [m for m in lint_all(poller_app.template_path.read_text()) if m.rule.id.startswith("E")]
    assert errors == [], "\n".join(f"{m.rule.id} {m.message} (line {m.linenumber})" for m in errors)


def _asl_validator() -> list[str] | None:
    if shutil.which("asl-validator"):
        return ["asl-validator"]
    if shutil.which("npx"):
        probe = subprocess.run(
            ["npx", "--no-install", "asl-validator", "--help"], capture_output=True, text=True, timeout=60
        )
        if probe.returncode == 0:
            return ["npx", "--no-install", "asl-validator"]
    return None


def test_definitions_pass_asl_validator(poller_app: Any, tmp_path: Path) -> None:
    command = _asl_validator()
    if command is None:
        pytest.skip("asl-validator is not installed (npm install asl-validator); CI installs it")
    for logical_id, machine in poller_app.resources("AWS::StepFunctions::StateMachine").items():
        text = machine["Properties"]["DefinitionString"]
        for name in machine["Properties"].get("DefinitionSubstitutions", {}):
            fake = f"arn:aws:lambda:us-east-1:123456789012:function:{name}"  # what CloudFormation puts there
            if name == "notify":
                fake = "arn:aws:states:us-east-1:123456789012:stateMachine:notify"
            elif name == "approve":
                fake = "arn:aws:states:us-east-1:123456789012:activity:approve"
            text = text.replace("${" + name + "}", fake)
        path = tmp_path / f"{logical_id}.asl.json"
        path.write_text(text)
        run = subprocess.run([*command, "--json-path", str(path)], capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stdout + run.stderr
