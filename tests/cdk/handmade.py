"""Hand-built ``CompiledWorkflow``s of ``fixtures/jobs.py``, shaped as the compiler emits them.

They pin down exactly what the construct is given, so the template assertions
are exact and independent of compiler changes; ``test_cdk_cli`` runs the real
compiler end to end.
"""
from __future__ import annotations

from pathlib import Path

from pyflow.compiled import CompiledWorkflow, TaskInfo

FIXTURES = Path(__file__).parent / "fixtures"
JOBS = FIXTURES / "jobs.py"
LEGACY_ARN = "arn:aws:lambda:us-east-1:123456789012:function:legacy-audit"


def _task(name: str, **options: object) -> TaskInfo:
    return TaskInfo(name=name, function=name, module="jobs", path=JOBS, root=FIXTURES, options=dict(options))


def notify() -> CompiledWorkflow:
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "send_email",
        "States": {
            "send_email": {
                "Type": "Task",
                "Resource": "${send_email}",
                "Arguments": {"to": "{% $states.input.to %}", "subject": "your job is done"},
                "End": True,
            }
        },
    }
    return CompiledWorkflow(
        name="notify", definition=definition, query_language="jsonata", tasks=(_task("send_email"),), source=JOBS
    )


def handmade_poller() -> CompiledWorkflow:
    definition = {
        "QueryLanguage": "JSONata",
        "Comment": "Polls a job until it is done",
        "StartAt": "submit_job",
        "TimeoutSeconds": 3600,
        "States": {
            "submit_job": {
                "Type": "Task",
                "Resource": "${submit_job}",
                "Arguments": {"order": "{% $states.input.order %}"},
                "Assign": {"order": "{% $states.input.order %}", "job": "{% $states.result %}"},
                "TimeoutSeconds": 30,
                "Next": "wait_10s_l45",
            },
            "wait_10s_l45": {"Type": "Wait", "Seconds": 10, "Next": "get_status"},
            "get_status": {
                "Type": "Task",
                "Resource": "${get_status}",
                "Arguments": {"job_id": "{% $job.id %}"},
                "Assign": {"status": "{% $states.result %}"},
                "Next": "if_status_l47",
            },
            "if_status_l47": {
                "Type": "Choice",
                "Choices": [
                    {"Condition": "{% $status = 'FAILED' %}", "Next": "raise_JobFailed_l48"},
                    {"Condition": "{% $status = 'SUCCEEDED' %}", "Next": "audit"},
                ],
                "Default": "wait_10s_l45",
            },
            "raise_JobFailed_l48": {"Type": "Fail", "Error": "JobFailed", "Cause": "job failed"},
            "audit": {
                "Type": "Task",
                "Resource": "${audit}",
                "Arguments": {"event": {"job": "{% $job.id %}"}},
                "Next": "approve",
            },
            "approve": {
                "Type": "Task",
                "Resource": "${approve}",
                "Arguments": {"input": "{% $job.id %}"},
                "Next": "notify",
            },
            "notify": {
                "Type": "Task",
                "Resource": "arn:aws:states:::states:startExecution.sync:2",
                "Arguments": {"StateMachineArn": "${notify}", "Input": {"to": "{% $order.email %}"}},
                "Next": "get_final_status",
            },
            "get_final_status": {
                "Type": "Task",
                "Resource": "${get_final_status}",
                "Arguments": {"job_id": "{% $job.id %}"},
                "Output": "{% $states.result %}",
                "End": True,
            },
        },
    }
    return CompiledWorkflow(
        name="job_poller",
        definition=definition,
        query_language="jsonata",
        options={"name": "job_poller", "comment": "Polls a job until it is done", "timeout": 3600, "tracing": True},
        tasks=(
            _task("submit_job", memory=256, timeout=30, architecture="arm64", environment={"STAGE": "test"}),
            _task("get_status"),
            _task("get_final_status", runtime="python3.13"),
            _task("audit", resource=LEGACY_ARN),
        ),
        nested=(notify(),),
        activities=("approve",),
        source=JOBS,
    )

