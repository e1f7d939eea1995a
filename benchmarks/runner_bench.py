"""Local runner throughput against moto's interpreter and sfnx, in one run.

``bench()`` runs the same two workflows, a 20-state Pass chain and a 200-iteration
Choice loop, on three engines and reports state transitions per second and the
ratios: the JSONPath definitions on pyflow's runner and on moto's interpreter
(moto has no JSONata), the JSONata definitions on pyflow's runner and on
``sfnx.testing.run`` (sfnx has no JSONPath). Every engine is warmed up first
(moto's first ``create_state_machine`` costs about a second, and pyflow's first
run compiles the definition), so the figures compare steady-state execution. The
peak memory of one execution on each engine is taken with ``tracemalloc`` in a
separate run (moto's only on the short Pass chain: traced, it is about five times
slower). ``MotoRunner`` is also the harness the differential tests use.

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


def pass_chain_jsonata(n: int = 20) -> dict[str, Any]:
    """The JSONata twin of ``pass_chain``: each Pass assigns a variable."""
    states: dict[str, Any] = {}
    for i in range(n):
        state: dict[str, Any] = {"Type": "Pass", "Assign": {f"s{i % 5}": i}}
        if i == n - 1:
            state["End"] = True
            state["Output"] = "{% $s0 %}"
        else:
            state["Next"] = f"S{i + 1}"
        states[f"S{i}"] = state
    return {"QueryLanguage": "JSONata", "StartAt": "S0", "States": states}


def choice_loop_jsonata() -> dict[str, Any]:
    """The JSONata twin of ``choice_loop``: the counter is a variable."""
    return {
        "QueryLanguage": "JSONata",
        "StartAt": "Init",
        "States": {
            "Init": {"Type": "Pass", "Assign": {"i": "{% $states.input.i %}", "n": "{% $states.input.n %}"},
                     "Next": "Check"},
            "Check": {"Type": "Choice", "Choices": [{"Condition": "{% $i < $n %}", "Next": "Increment"}],
                      "Default": "Done"},
            "Increment": {"Type": "Pass", "Assign": {"i": "{% $i + 1 %}"}, "Next": "Check"},
            "Done": {"Type": "Succeed", "Output": "{% $i %}"},
        },
    }


def _sfnx_rate(definition: dict[str, Any], execution_input: Any, min_seconds: float) -> float:
    from sfnx.testing import run

    def no_tasks(call: Any) -> Any:
        raise AssertionError(f"no task expected: {call}")

    first = run(definition, execution_input, no_tasks)
    first.output  # raises if the run failed
    runs = transitions = 0
    start = time.perf_counter()
    while True:
        result = run(definition, execution_input, no_tasks)
        transitions += len(result.states)
        runs += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds and runs >= 3:
            return transitions / elapsed


def _peak_mib(fn: Callable[[], Any]) -> float:
    """Peak traced memory of one call, in MiB."""
    import tracemalloc

    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / (1 << 20)
    finally:
        tracemalloc.stop()


def _local_rate(definition: dict[str, Any], execution_input: Any, min_seconds: float) -> tuple[float, int]:
    from pyflow.local import run_definition

    definition = json.dumps(definition)  # as moto gets it: the compiled machine is then found by its text
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
    """Measure the engines on both workflows; return transitions/s, ratios and peak memory."""
    from pyflow.local import run_definition
    from sfnx.testing import run as sfnx_run

    cases = {
        "pass_chain_20": (pass_chain(20), pass_chain_jsonata(20), {"x": 1}),
        "choice_loop_200": (choice_loop(), choice_loop_jsonata(), {"i": 0, "n": 200}),
    }
    report: dict[str, Any] = {}
    with MotoRunner() as moto:
        for name, (jsonpath, jsonata, execution_input) in cases.items():
            local, per_run = _local_rate(jsonpath, execution_input, min_seconds)
            remote = _moto_rate(moto, jsonpath, execution_input, moto_runs)
            local_jsonata, per_run_jsonata = _local_rate(jsonata, execution_input, min_seconds)
            sfnx = _sfnx_rate(jsonata, execution_input, min_seconds)
            arn = moto.create(jsonpath)
            moto_peak = (round(_peak_mib(lambda: moto.wait(moto.start(arn, execution_input))), 2)
                         if per_run <= 50 else None)  # traced, moto runs ~5x slower: short executions only
            report[name] = {
                "transitions_per_execution": per_run,
                "pyflow_transitions_per_s": round(local),
                "moto_transitions_per_s": round(remote),
                "ratio": round(local / remote, 1),
                "jsonata_transitions_per_execution": per_run_jsonata,
                "pyflow_jsonata_transitions_per_s": round(local_jsonata),
                "sfnx_transitions_per_s": round(sfnx),
                "sfnx_ratio": round(local_jsonata / sfnx, 1),
                "pyflow_peak_mib": round(_peak_mib(lambda: run_definition(jsonpath, execution_input)), 2),
                "moto_peak_mib": moto_peak,
                "sfnx_peak_mib": round(_peak_mib(lambda: sfnx_run(jsonata, execution_input, lambda call: None)), 2),
            }
    return report


TARGETS = {"ratio": 20.0, "sfnx_ratio": 2.0}  # pyflow's runner >= 20x moto, >= 2x sfnx


def rows(result: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(metric, value, target, verdict) rows for ``python -m benchmarks``."""
    out: list[tuple[str, str, str, str]] = []
    for name, row in result.items():
        out.append((f"{name} vs moto (JSONPath)",
                    f"{row['pyflow_transitions_per_s']:,} / {row['moto_transitions_per_s']:,} t/s = {row['ratio']:,}x",
                    f">= {TARGETS['ratio']:g}x", "ok" if row["ratio"] >= TARGETS["ratio"] else "missed"))
        out.append((f"{name} vs sfnx (JSONata)",
                    f"{row['pyflow_jsonata_transitions_per_s']:,} / {row['sfnx_transitions_per_s']:,} t/s"
                    f" = {row['sfnx_ratio']:,}x",
                    f">= {TARGETS['sfnx_ratio']:g}x", "ok" if row["sfnx_ratio"] >= TARGETS["sfnx_ratio"] else "missed"))
        out.append((f"{name} peak memory", f"pyflow {row['pyflow_peak_mib']} / moto {row['moto_peak_mib'] or '-'} / "
                    f"sfnx {row['sfnx_peak_mib']} MiB (one execution)", "", ""))
    return out


def main() -> None:
    report = bench()
    width = max(len(k) for k in report)
    print(f"{'case':<{width}}  {'pyflow t/s':>12}  {'moto t/s':>10}  {'ratio':>7}  "
          f"{'pyflow JSONata t/s':>18}  {'sfnx t/s':>10}  {'ratio':>7}")
    for name, row in report.items():
        print(f"{name:<{width}}  {row['pyflow_transitions_per_s']:>12,}  {row['moto_transitions_per_s']:>10,}  "
              f"{row['ratio']:>6}x  {row['pyflow_jsonata_transitions_per_s']:>18,}  "
              f"{row['sfnx_transitions_per_s']:>10,}  {row['sfnx_ratio']:>6}x")


if __name__ == "__main__":
    main()
