"""The construct's API: a user's own CDK app, grants, metrics, imports, options."""
from __future__ import annotations

import json
import sys
import types
from pathlib import Path
from typing import Any

import pytest

import handmade
from pyflow.compiled import CompiledWorkflow, TaskInfo


def _synth(app: Any, stack_name: str) -> dict[str, Any]:
    assembly = app.synth()
    return assembly.get_stack_by_name(stack_name).template


def test_a_users_own_cdk_app_synthesizes(tmp_path: Path) -> None:
    import aws_cdk as cdk
    from aws_cdk import aws_cloudwatch as cloudwatch
    from aws_cdk import aws_iam as iam
    from aws_cdk import aws_stepfunctions as sfn
    from constructs import Construct

    from pyflow.cdk import Workflow

    class ApiStack(cdk.Stack):
        def __init__(self, scope: Construct, id: str) -> None:
            super().__init__(scope, id)
            api_role = iam.Role(self, "ApiRole", assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"))
            flow = Workflow(self, "JobPoller", workflow=handmade.handmade_poller(),
                            logs=sfn.LogOptions(level=sfn.LogLevel.ALL), tracing=True, type="STANDARD")
            flow.grant_start_execution(api_role)
            flow.grant_read(api_role)
            flow.grant_task_response(api_role)
            flow.grant_execution(api_role, "states:GetExecutionHistory")
            flow.grant(api_role, "states:ListExecutions")
            flow.grant_redrive_execution(api_role)
            cloudwatch.Alarm(self, "Failed", metric=flow.metric_failed(), threshold=1, evaluation_periods=1)
            cloudwatch.Alarm(self, "SubmitFailed", metric=flow.metric_task("submit_job", "Failed"),
                             threshold=1, evaluation_periods=1)
            for metric in (flow.metric_succeeded(), flow.metric_started(), flow.metric_aborted(),
                           flow.metric_timed_out(), flow.metric_throttled(), flow.metric_time()):
                assert metric.namespace == "AWS/States"
            self.flow = flow

    app = cdk.App(outdir=str(tmp_path / "cdk.out"))
    stack = ApiStack(app, "Api")
    template = _synth(app, "Api")
    resources = template["Resources"]
    alarms = {k: v["Properties"] for k, v in resources.items() if v["Type"] == "AWS::CloudWatch::Alarm"}
    assert sorted(a["MetricName"] for a in alarms.values()) == ["ExecutionsFailed", "LambdaFunctionsFailed"]
    task_alarm = next(a for a in alarms.values() if a["MetricName"] == "LambdaFunctionsFailed")
    assert task_alarm["Dimensions"][0]["Name"] == "LambdaFunctionArn"
    api_policy = next(
        v["Properties"]["PolicyDocument"]["Statement"] for k, v in resources.items()
        if v["Type"] == "AWS::IAM::Policy" and k.startswith("ApiRole")
    )
    actions = {a for st in api_policy for a in (st["Action"] if isinstance(st["Action"], list) else [st["Action"]])}
    assert {"states:StartExecution", "states:DescribeStateMachine", "states:SendTaskSuccess",
            "states:GetExecutionHistory", "states:ListExecutions", "states:RedriveExecution"} <= actions
    flow = stack.flow
    assert sorted(flow.functions) == ["audit", "get_final_status", "get_status", "submit_job"]
    assert sorted(flow.nested) == ["notify"] and sorted(flow.activities) == ["approve"]
    assert flow.grant_principal is not None and flow.state_machine.state_machine_arn


def test_metric_task_for_functions_and_activities(poller_app: Any) -> None:
    flow = poller_app.stack.workflow
    assert flow.metric_task("get_status", "RunTime").metric_name == "LambdaFunctionRunTime"
    assert flow.metric_task("get_status", "RunTime").statistic == "Average"
    assert flow.metric_task("approve", "HeartbeatTimedOut").metric_name == "ActivitiesHeartbeatTimedOut"
    assert "ActivityArn" in flow.metric_task("approve").dimensions
    assert flow.metric_task("send_email", "Succeeded").metric_name == "LambdaFunctionsSucceeded"  # nested task
    with pytest.raises(KeyError, match="no task or activity 'nope'"):
        flow.metric_task("nope")
    with pytest.raises(ValueError, match="unknown task metric"):
        flow.metric_task("get_status", "Exploded")
    with pytest.raises(ValueError, match="activities only"):
        flow.metric_task("get_status", "HeartbeatTimedOut")


def test_import_existing_state_machines() -> None:
    import aws_cdk as cdk

    from pyflow.cdk import Workflow

    stack = cdk.Stack(cdk.App(), "Imports")
    by_arn = Workflow.from_state_machine_arn(stack, "ByArn", "arn:aws:states:us-east-1:123456789012:stateMachine:x")
    by_name = Workflow.from_state_machine_name(stack, "ByName", "other")
    assert by_arn.state_machine_arn.endswith(":stateMachine:x")
    assert by_name.metric_failed().namespace == "AWS/States"


def _jsonpath_workflow() -> CompiledWorkflow:
    info = TaskInfo(name="submit_job", function="submit_job", module="jobs", path=handmade.JOBS, root=handmade.FIXTURES)
    definition = {
        "StartAt": "submit_job",
        "States": {
            "submit_job": {"Type": "Task", "Resource": "${submit_job}", "Parameters": {"order.$": "$.order"},
                           "End": True}
        },
    }
    return CompiledWorkflow(name="express_flow", definition=definition, query_language="jsonpath",
                            options={"type": "EXPRESS"}, tasks=(info,))


def test_express_jsonpath_encryption_existing_and_overrides(tmp_path: Path) -> None:
    import aws_cdk as cdk
    from aws_cdk import aws_kms as kms
    from aws_cdk import aws_stepfunctions as sfn

    from pyflow.cdk import Workflow

    app = cdk.App(outdir=str(tmp_path / "cdk.out"))
    stack = cdk.Stack(app, "Express")
    key = kms.Key(stack, "Key")
    existing = "arn:aws:lambda:us-east-1:123456789012:function:submit"
    flow = Workflow(stack, "Flow", workflow=_jsonpath_workflow(), query_language="jsonpath", timeout=120,
                    comment="express one", logs="ERROR",
                    encryption=sfn.CustomerManagedEncryptionConfiguration(key),
                    existing={"submit_job": existing})
    assert flow.tracing is False
    resources = _synth(app, "Express")["Resources"]
    assert not [r for r in resources.values() if r["Type"] == "AWS::Lambda::Function"]
    (machine,) = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::StepFunctions::StateMachine"]
    assert machine["StateMachineType"] == "EXPRESS"
    assert machine["DefinitionSubstitutions"] == {"submit_job": existing}
    definition = json.loads(machine["DefinitionString"])
    assert definition["Comment"] == "express one" and definition["TimeoutSeconds"] == 120
    assert "QueryLanguage" not in definition
    assert machine["LoggingConfiguration"]["Level"] == "ERROR"
    assert machine["EncryptionConfiguration"]["Type"] == "CUSTOMER_MANAGED_KMS_KEY"
    assert "TracingConfiguration" not in machine


def test_query_language_mismatch_is_reported() -> None:
    from pyflow.cdk.source import compile_source

    with pytest.raises(ValueError, match="compiled for jsonpath"):
        compile_source(_jsonpath_workflow(), "jsonata")
    with pytest.raises(ValueError, match="must be 'jsonata' or 'jsonpath'"):
        compile_source(_jsonpath_workflow(), "xpath")


def test_workflow_objects_are_compiled_lazily_with_compile_workflow(monkeypatch: pytest.MonkeyPatch) -> None:
    import pyflow as pf
    from pyflow.cdk.source import compile_source

    calls: list[tuple[Any, Any]] = []

    def compile_workflow(target: Any, query_language: Any = None) -> CompiledWorkflow:
        calls.append((target, query_language))
        return _jsonpath_workflow()

    monkeypatch.setitem(sys.modules, "pyflow.compiler", types.SimpleNamespace(compile_workflow=compile_workflow))

    @pf.workflow
    def flow() -> None:
        return None

    assert compile_source(flow, "jsonpath").name == "express_flow"
    assert calls == [(flow, "jsonpath")]


def test_synthesis_is_deterministic(poller_app: Any) -> None:
    from pyflow.cdk import build_app

    again = build_app(handmade.handmade_poller(), outdir=poller_app.outdir.parent / "again", stack_name="JobPoller",
                      logs=True)
    assembly = again.synth()
    (stack,) = assembly.stacks
    assert (Path(assembly.directory) / stack.template_file).read_bytes() == poller_app.template_path.read_bytes()


def test_a_workflow_function_is_compiled_and_deployed(tmp_path: Path) -> None:
    pytest.importorskip("pyflow.compiler", reason="the compiler (issue 2) has not landed yet")
    import aws_cdk as cdk

    from pyflow.cdk import Workflow

    import importlib.util

    spec = importlib.util.spec_from_file_location("cdk_fixture_poller", handmade.FIXTURES / "poller.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    app = cdk.App(outdir=str(tmp_path / "cdk.out"))
    stack = cdk.Stack(app, "FromFunction")
    flow = Workflow(stack, "Poller", workflow=module.simple_poller)
    assert flow.compiled.name == "simple_poller"
    assert sorted(flow.functions) == ["audit", "final", "status_of", "submit"]
    resources = _synth(app, "FromFunction")["Resources"]
    (machine,) = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::StepFunctions::StateMachine"]
    assert machine["DefinitionString"] == flow.compiled.deployed_json
    assert sorted(machine["DefinitionSubstitutions"]) == list(flow.compiled.substitutions)
