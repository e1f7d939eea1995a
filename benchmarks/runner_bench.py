"""Local runner throughput against moto's Step Functions interpreter, in one run.

``bench()`` runs the same two JSONPath definitions on both engines (moto has no
JSONata): a 20-state Pass chain and a 200-iteration Choice loop, and reports
state transitions per second for each and the ratio.  Both engines are warmed
up first (moto's first ``create_state_machine`` costs about a second, and
pyflow's first run compiles the definition), so the figures compare steady-state
execution.  ``MotoRunner`` is also the harness the differential tests use.

Run it with ``python -m benchmarks.runner_bench``.
"""
from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

REGION = "us-east-1"
ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/pyflow-bench"


def lambda_arn(name: str) -> str:
    """The ARN moto's Lambda knows a function by."""
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


class MotoRunner:
    """Runs definitions on moto's interpreter, with Python functions as Lambda.

    Used as a context manager: it starts ``mock_aws`` with real execution turned
    on, makes Wait states and Retry intervals instant, and routes Lambda invokes to
    ``functions`` (a ``{name: callable(payload) -> result}`` mapping); a callable
    that raises is reported the way Lambda reports an unhandled error.
    """

    _names = itertools.count()

    def __init__(self, functions: dict[str, Callable[[Any], Any]] | None = None) -> None:
        self.functions = dict(functions or {})
        self._stack = contextlib.ExitStack()
        self.client: Any = None

    def __enter__(self) -> MotoRunner:
        import boto3
        from moto import mock_aws

        stack = self._stack
        stack.enter_context(mock_aws(config={"stepfunctions": {"execute_state_machine": True},
                                             "lambda": {"use_docker": False}}))
        stack.enter_context(_fast_moto())
        stack.enter_context(_python_lambdas(self.functions))
        self.client = boto3.client("stepfunctions", region_name=REGION)
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stack.close()

    def create(self, definition: dict[str, Any] | str) -> str:
        # moto caches the parsed program by definition text and cannot deep-copy one
        # that has run (it holds a lock), so every machine gets a unique Comment.
        n = next(self._names)
        spec = json.loads(definition) if isinstance(definition, str) else dict(definition)
        spec["Comment"] = f"pyflow differential run {n}"
        text = json.dumps(spec)
        name = f"sm{n}"
        return self.client.create_state_machine(name=name, definition=text, roleArn=ROLE)["stateMachineArn"]

    def start(self, arn: str, execution_input: Any) -> str:
        name = f"ex{next(self._names)}"
        return self.client.start_execution(stateMachineArn=arn, name=name, input=json.dumps(execution_input))["executionArn"]

    def wait(self, execution_arn: str, timeout: float = 60.0) -> dict[str, Any]:
        """Poll until the execution ends; return status/output/error/cause from the history."""
        deadline = time.monotonic() + timeout
        pause = threading.Event()
        interval = 0.001
        while True:
            status = self.client.describe_execution(executionArn=execution_arn)["status"]
            if status != "RUNNING":
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"moto execution {execution_arn} still running after {timeout} s")
            # Each describe is a full moto request holding the GIL: back off so
            # polling does not slow the interpreter thread being measured.
            pause.wait(interval)
            interval = min(interval * 1.5, 0.05)
        events = self.client.get_execution_history(executionArn=execution_arn, maxResults=1000)["events"]
        result: dict[str, Any] = {"status": status, "output": None, "error": None, "cause": None, "events": events}
        for event in events:
            if event["type"] == "ExecutionSucceeded":
                text = event["executionSucceededEventDetails"].get("output")
                result["output"] = json.loads(text) if text is not None else None
            elif event["type"] in ("ExecutionFailed", "ExecutionTimedOut"):
                key = "executionFailedEventDetails" if event["type"] == "ExecutionFailed" else "executionTimedOutEventDetails"
                details = event.get(key, {})
                result["error"] = details.get("error")
                result["cause"] = details.get("cause")
        return result

    def run(self, definition: dict[str, Any] | str, execution_input: Any) -> dict[str, Any]:
        """Create a fresh state machine (moto runs each machine once reliably) and run it."""
        return self.wait(self.start(self.create(definition), execution_input))


@contextlib.contextmanager
def _fast_moto() -> Iterator[None]:
    """No real waiting inside moto: Wait states and Retry intervals return at once."""
    from unittest import mock

    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function import wait_function

    from moto.stepfunctions.parser import models as parser_models

    class _Copy:
        """moto deep-copies a state machine on start, backend (and every earlier
        execution's worker and locks) included, which fails after the first run:
        keep the backend shared."""

        @staticmethod
        def deepcopy(obj: Any, memo: dict[int, Any] | None = None) -> Any:
            import copy

            memo = dict(memo or {})
            backend = getattr(obj, "backend", None)
            if backend is not None:
                memo[id(backend)] = backend
            return copy.deepcopy(obj, memo)

    with mock.patch.object(wait_function.WaitFunction, "_wait_interval", lambda self, env, wait_seconds: None), \
            mock.patch.object(retrier_decl.time, "sleep", lambda seconds: None), \
            mock.patch.object(parser_models, "copy", _Copy):
        yield


@contextlib.contextmanager
def _python_lambdas(functions: dict[str, Callable[[Any], Any]]) -> Iterator[None]:
    """Route moto's Lambda invokes to Python callables (moto otherwise echoes the payload)."""
    from unittest import mock

    from moto.awslambda_simple.models import LambdaSimpleBackend

    original = LambdaSimpleBackend.invoke

    def invoke(self: Any, function_name: str, qualifier: Any, body: Any, headers: Any, response_headers: Any) -> Any:
        name = function_name.split(":function:", 1)[-1].split(":", 1)[0]
        fn = functions.get(name)
        if fn is None:
            return original(self, function_name, qualifier, body, headers, response_headers)
        payload = json.loads(body) if body else None
        try:
            result = fn(payload)
        except Exception as exc:  # noqa: BLE001 - reported like Lambda's unhandled error
            response_headers["x-amz-function-error"] = "Unhandled"
            return json.dumps({"errorMessage": str(exc), "errorType": type(exc).__name__,
                               "requestId": "", "stackTrace": []}).encode()
        return json.dumps(result).encode()

    with mock.patch.object(LambdaSimpleBackend, "invoke", invoke):
        yield


def create_lambdas(names: list[str]) -> None:
    """Create placeholder Lambda functions in moto so invokes by name resolve."""
    import io
    import zipfile

    import boto3

    iam = boto3.client("iam", region_name=REGION)
    try:
        role = iam.create_role(RoleName="pyflow-lambda", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    except iam.exceptions.EntityAlreadyExistsException:
        role = iam.get_role(RoleName="pyflow-lambda")["Role"]["Arn"]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("index.py", "def handler(event, context):\n    return event\n")
    client = boto3.client("lambda", region_name=REGION)
    for name in names:
        with contextlib.suppress(client.exceptions.ResourceConflictException):
            client.create_function(FunctionName=name, Runtime="python3.11", Role=role, Handler="index.handler",
                                   Code={"ZipFile": buf.getvalue()})


# --------------------------------------------------------------------------- the benchmark definitions
def pass_chain(n: int = 20) -> dict[str, Any]:
    """``n`` Pass states in a row, each adding a field."""
    states: dict[str, Any] = {}
    for i in range(n):
        state: dict[str, Any] = {"Type": "Pass", "Result": i, "ResultPath": f"$.s{i % 5}"}
        if i == n - 1:
            state["End"] = True
        else:
            state["Next"] = f"S{i + 1}"
        states[f"S{i}"] = state
    return {"StartAt": "S0", "States": states}


def choice_loop() -> dict[str, Any]:
    """A counter loop: Choice + Pass (States.MathAdd) until ``$.i`` reaches ``$.n``."""
    return {
        "StartAt": "Check",
        "States": {
            "Check": {"Type": "Choice",
                      "Choices": [{"Variable": "$.i", "NumericLessThanPath": "$.n", "Next": "Increment"}],
                      "Default": "Done"},
            "Increment": {"Type": "Pass", "Parameters": {"i.$": "States.MathAdd($.i, 1)", "n.$": "$.n"},
                          "Next": "Check"},
            "Done": {"Type": "Succeed"},
        },
    }


def _local_rate(definition: dict[str, Any], execution_input: Any, min_seconds: float) -> tuple[float, int]:
    from pyflow.local import run_definition

    run_definition(definition, execution_input)  # compile + warm up
    runs = transitions = 0
    start = time.perf_counter()
    while True:
        ex = run_definition(definition, execution_input)
        assert ex.status == "SUCCEEDED", ex
        transitions += ex.transitions
        runs += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds and runs >= 3:
            return transitions / elapsed, transitions // runs


def _moto_rate(moto: MotoRunner, definition: dict[str, Any], execution_input: Any, runs: int) -> float:
    # moto cannot start a second execution of a state machine that already ran one
    # (it deep-copies the machine, lock included), so each run gets its own machine;
    # only start-to-finish is timed.
    moto.wait(moto.start(moto.create(definition), execution_input))  # warm up
    transitions = 0
    elapsed = 0.0
    for _ in range(runs):
        arn = moto.create(definition)
        start = time.perf_counter()
        result = moto.wait(moto.start(arn, execution_input))
        elapsed += time.perf_counter() - start
        assert result["status"] == "SUCCEEDED", result
        transitions += sum(1 for e in result["events"] if e["type"].endswith("StateEntered"))
    return transitions / elapsed


def bench(min_seconds: float = 1.0, moto_runs: int = 3) -> dict[str, Any]:
    """Measure both engines on both definitions; return transitions/s and ratios."""
    cases = {
        "pass_chain_20": (pass_chain(20), {"x": 1}),
        "choice_loop_200": (choice_loop(), {"i": 0, "n": 200}),
    }
    report: dict[str, Any] = {}
    with MotoRunner() as moto:
        for name, (definition, execution_input) in cases.items():
            local, per_run = _local_rate(definition, execution_input, min_seconds)
            remote = _moto_rate(moto, definition, execution_input, moto_runs)
            report[name] = {
                "transitions_per_execution": per_run,
                "pyflow_transitions_per_s": round(local),
                "moto_transitions_per_s": round(remote),
                "ratio": round(local / remote, 1),
            }
    return report


def main() -> None:
    report = bench()
    width = max(len(k) for k in report)
    print(f"{'case':<{width}}  {'pyflow t/s':>12}  {'moto t/s':>10}  {'ratio':>7}")
    for name, row in report.items():
        print(f"{name:<{width}}  {row['pyflow_transitions_per_s']:>12,}  {row['moto_transitions_per_s']:>10,}  {row['ratio']:>6}x")


if __name__ == "__main__":
    main()
