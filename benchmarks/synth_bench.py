"""``pyflow synth`` against a hand-written CDK app that builds the same stack.

Both sides deploy the job poller: three Lambda functions packaged from the same
source directory, a state machine Submit Job -> Wait -> Get Status -> Choice ->
Fail / Get Final Status, with the same logging (LogGroup, level ALL, execution
data) and X-Ray tracing. The hand-written app is what a CDK user writes today with
``aws_stepfunctions`` + ``aws_stepfunctions_tasks``; pyflow compiles the Python
workflow instead.

Each measurement is a whole process (``python -m pyflow.cli synth`` vs
``python app.py``), because that is what a user waits for: interpreter start,
aws-cdk-lib's Node.js start, building, and writing the cloud assembly. Runs
alternate between the two sides, in one run, with identical environment
variables (``JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION`` set for both; this
aws-cdk-lib has no ``CDK_VALIDATION`` switch, so neither side sets one). The
median of each side is reported, and their ratio (target: at most 1.1), with the
peak resident memory of each side's largest process (Python or Node.js).

    python -m benchmarks.synth_bench [--repeat N]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]

WORKFLOW_SOURCE = '''\
import pyflow as pf


class JobFailed(Exception):
    """The job reported FAILED."""


@pf.task
def submit_job(order: dict) -> dict:
    return {"guid": 1000, "wait_seconds": 5}


@pf.task
def get_status(guid: int) -> str:
    return "SUCCEEDED"


@pf.task
def final_status(guid: int) -> dict:
    return {"guid": guid, "status": "SUCCEEDED"}


@pf.workflow(logs=True, tracing=True)
def job_poller(order: dict) -> dict:
    job = submit_job(order)
    while True:
        pf.wait(seconds=job["wait_seconds"])
        status = get_status(job["guid"])
        if status == "FAILED":
            raise JobFailed("AWS Batch Job Failed")
        if status == "SUCCEEDED":
            break
    return final_status(job["guid"])
'''

# The same stack, written by hand the way the CDK's Step Functions docs show it.
HAND_APP = '''\
import sys

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks

SOURCE, OUTDIR = sys.argv[1], sys.argv[2]


class JobPoller(cdk.Stack):
    def __init__(self, scope, id):
        super().__init__(scope, id)
        code = lambda_.Code.from_asset(SOURCE)

        def function(name):
            return lambda_.Function(
                self, name, code=code, handler="pyflow.runtime.handler", runtime=lambda_.Runtime.PYTHON_3_12,
                timeout=cdk.Duration.seconds(60), tracing=lambda_.Tracing.ACTIVE,
                environment={"PYFLOW_TASK": "job_poller:" + name},
            )

        submit_job = tasks.LambdaInvoke(self, "Submit Job", lambda_function=function("submit_job"),
                                        payload=sfn.TaskInput.from_object({"order": sfn.JsonPath.object_at("$.order")}),
                                        result_selector={"guid.$": "$.Payload.guid", "wait_seconds.$": "$.Payload.wait_seconds"},
                                        result_path="$.job")
        wait_x = sfn.Wait(self, "Wait X Seconds", time=sfn.WaitTime.seconds_path("$.job.wait_seconds"))
        get_status = tasks.LambdaInvoke(self, "Get Job Status", lambda_function=function("get_status"),
                                        payload=sfn.TaskInput.from_object({"guid": sfn.JsonPath.number_at("$.job.guid")}),
                                        result_selector={"status.$": "$.Payload"}, result_path="$.status")
        job_failed = sfn.Fail(self, "Job Failed", error="JobFailed", cause="AWS Batch Job Failed")
        final_status = tasks.LambdaInvoke(self, "Get Final Job Status", lambda_function=function("final_status"),
                                          payload=sfn.TaskInput.from_object({"guid": sfn.JsonPath.number_at("$.job.guid")}),
                                          output_path="$.Payload")
        definition = submit_job.next(wait_x).next(get_status).next(
            sfn.Choice(self, "Job Complete?")
            .when(sfn.Condition.string_equals("$.status.status", "FAILED"), job_failed)
            .when(sfn.Condition.string_equals("$.status.status", "SUCCEEDED"), final_status)
            .otherwise(wait_x)
        )
        sfn.StateMachine(
            self, "StateMachine", definition_body=sfn.DefinitionBody.from_chainable(definition),
            logs=sfn.LogOptions(destination=logs.LogGroup(self, "Logs"), level=sfn.LogLevel.ALL,
                                include_execution_data=True),
            tracing_enabled=True,
        )


app = cdk.App(outdir=OUTDIR)
JobPoller(app, "JobPoller")
app.synth()
'''


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"] = "20"
    env.pop("CDK_VALIDATION", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH", "")]))
    return env


def _timed(command: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """Wall time and peak resident memory (MiB) of one whole-process run: the largest
    resident set among the process and its children (Node.js included), from
    ``wait4``'s resource usage."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            raise RuntimeError(f"{' '.join(command)} failed ({proc.returncode}):\n"
                               f"{err.read().decode(errors='replace')[-3000:]}")
    return elapsed, usage.ru_maxrss / 1024  # Linux reports KiB


def bench(repeat: int = 3) -> dict[str, Any]:
    """Median whole-process synth time of ``pyflow synth`` and of the hand-written app."""
    from pyflow.cdk.assets import build_asset

    env = _environment()
    with tempfile.TemporaryDirectory(prefix="pyflow-synth-bench-") as tmp:
        work = Path(tmp)
        src = work / "src"
        src.mkdir()
        (src / "job_poller.py").write_text(WORKFLOW_SOURCE)
        (work / "hand_app.py").write_text(HAND_APP)
        # The hand-written app deploys the same Lambda code (sources + runtime), built
        # beforehand as a user's build step would: it is not charged to either side.
        hand_code = build_asset(src)
        pyflow_cmd = [sys.executable, "-m", "pyflow.cli", "synth", f"{src / 'job_poller.py'}:job_poller"]
        hand_cmd = [sys.executable, str(work / "hand_app.py"), str(hand_code)]
        # one untimed warm-up each: the OS file cache and jsii's package cache
        _timed([*pyflow_cmd, "-o", str(work / "warm-pyflow")], env, REPO)
        _timed([*hand_cmd, str(work / "warm-hand")], env, REPO)
        pyflow_times: list[float] = []
        hand_times: list[float] = []
        pyflow_rss: list[float] = []
        hand_rss: list[float] = []
        for i in range(repeat):
            t, rss = _timed([*pyflow_cmd, "-o", str(work / f"pyflow{i}")], env, REPO)
            pyflow_times.append(t)
            pyflow_rss.append(rss)
            t, rss = _timed([*hand_cmd, str(work / f"hand{i}")], env, REPO)
            hand_times.append(t)
            hand_rss.append(rss)
        template = json.loads((work / "pyflow0" / "JobPoller.template.json").read_text())
        hand_template = json.loads((work / "hand0" / "JobPoller.template.json").read_text())
    pyflow_s = statistics.median(pyflow_times)
    hand_s = statistics.median(hand_times)
    return {
        "workflow": "job_poller (3 tasks, 6 states, logs + tracing)",
        "repeat": repeat,
        "pyflow_synth_s": round(pyflow_s, 3),
        "hand_cdk_app_s": round(hand_s, 3),
        "ratio": round(pyflow_s / hand_s, 3),
        "target_ratio": 1.1,
        "pyflow_runs_s": [round(t, 3) for t in pyflow_times],
        "hand_runs_s": [round(t, 3) for t in hand_times],
        "pyflow_peak_rss_mib": round(max(pyflow_rss), 1),
        "hand_peak_rss_mib": round(max(hand_rss), 1),
        "pyflow_resources": len(template["Resources"]),
        "hand_resources": len(hand_template["Resources"]),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    print(json.dumps(bench(args.repeat), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
