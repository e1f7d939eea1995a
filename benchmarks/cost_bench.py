"""Cost of the generated state machines: pyflow against hand-written CDK and sfnx.

For each benchmarked workflow, four definitions of the same work:

1. pyflow, JSONata (``compile_file(path, fn)``);
2. pyflow, JSONPath (``compile_file(path, fn, "jsonpath")``; PF130 = not expressible);
3. hand-written CDK (``benchmarks/reference/``), synthesized once in-process, one app
   and one stack for all of them, the definitions extracted from the template;
4. ``sfnx`` (``benchmarks/sfnx_programs/``), compiled with ``sfnx.compiler.compile_source``.

Each is measured by the states in its definition(s) (nested states of Parallel
branches and Map processors included; a nested workflow's child machine counted
too) and by the state transitions of one execution on the workflow's fixed input,
on pyflow's runner (``pyflow.local.run_definition``) with the SAME task functions
(the pyflow ``@task`` objects) and, for boto3 calls, moto. A transition is a state
entered or a retry, what Standard workflows bill; child executions' transitions
are added to their parent's. The sfnx definitions are also run on
``sfnx.testing.run`` as a cross-check of their states entered. Every execution's
output is compared with what the workflow returns run natively as Python, so the
four really do the same work; a wrong or failed run does not count as a win.

Cost per million executions: transitions x 1e6 / 1000 x $0.025.
Target: pyflow (the better of its two targets) <= the smallest of the others, in
states and in transitions, on every workflow.

    python -m benchmarks.cost_bench            # the table
    python -m benchmarks.cost_bench --json
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SFNX_DIR = REPO / "benchmarks" / "sfnx_programs"
PRICE_PER_TRANSITION = 0.025 / 1000  # USD, Standard workflows
REGION = "us-east-1"
ACCOUNT = "123456789012"
COLUMNS = ("pyflow_jsonata", "pyflow_jsonpath", "cdk", "sfnx")


@dataclass(frozen=True)
class Workflow:
    name: str
    path: str  # the pyflow source, relative to the repository
    function: str
    input: Any
    cdk: str  # the reference machine's name in benchmarks/reference/app.py
    sfnx: str | None  # benchmarks/sfnx_programs/<file>.py, or None
    note: str = ""
    aws: bool = False  # boto3 calls: run inside moto
    children: tuple[str, ...] = field(default=())  # child machines (nested workflows), by name


ORDER = {"id": "o-1", "items": [{"sku": "pen", "qty": 2}], "card": "4242", "address": "1 Main St"}

WORKFLOWS: tuple[Workflow, ...] = (
    Workflow("job_poller", "examples/job_poller.py", "job_poller", {"order": {"id": "o-1", "polls": 2}},
             "job_poller", "job_poller", "the seed's Job Poller, two polls"),
    Workflow("task_chaining", "examples/task_chaining.py", "chain", {"status": "SUCCESS"},
             "chain", "task_chaining", "Step1..Step10, Choice + Parallel"),
    Workflow("parallel_retry_catch", "examples/parallel_state.py", "do_the_work",
             {"order": {"id": "o-1", "items": ["a", "b"]}}, "do_the_work", "parallel_state",
             "Parallel with Retry and Catch"),
    Workflow("map_concurrency", "benchmarks/workflows/map_concurrency.py", "squares", {"numbers": [1, 2, 3, 4]},
             "squares", "map_state", "Map, MaxConcurrency 2, 4 items"),
    Workflow("choice_afterwards", "examples/choice_state.py", "what_color", {"item": {"color": "RED", "id": 7}},
             "what_color", "choice_state", "Choice, branches joined (afterwards)"),
    Workflow("fragment_x3", "examples/fragments.py", "all_jobs", {"branch": "left"},
             "all_jobs", "fragments", "a fragment used three times"),
    Workflow("order_try_except", "examples/order_processing.py", "process_order", {"order": ORDER},
             "process_order", "order_processing", "try/except with compensation, happy path"),
    Workflow("paginated_loop", "benchmarks/workflows/paginated.py", "paginate", {"start": 0},
             "paginate", "paginated", "while loop over 4 pages"),
    Workflow("dynamodb_sqs", "benchmarks/workflows/ddb_sqs.py", "record_signup", {"user_id": "u-1", "name": "Ada"},
             "record_signup", "ddb_sqs", "boto3 putItem, getItem, sendMessage", aws=True),
    Workflow("nested", "benchmarks/workflows/nested.py", "process_batch",
             {"orders": [{"id": "a", "qty": 2}, {"id": "b", "qty": 0}]},
             "process_batch", "nested", "child execution per order (comprehension = Map)",
             children=("price_order",)),
    Workflow("nested_for_loop", "examples/nested_workflows.py", "process_batch",
             {"orders": [{"id": "a", "qty": 2}, {"id": "b", "qty": 0}]},
             "process_batch", "nested", "the same written as a sequential for loop",
             children=("price_order",)),
)


# ---------------------------------------------------------------------------- measuring
def count_states(definition: dict[str, Any]) -> int:
    """States of a definition, those of Parallel branches and Map processors included."""
    total = 0
    for state in definition.get("States", {}).values():
        total += 1
        for branch in state.get("Branches", ()):
            total += count_states(branch)
        for key in ("ItemProcessor", "Iterator"):
            if key in state:
                total += count_states(state[key])
    return total


def cost_per_million(transitions: int) -> float:
    return round(transitions * 1_000_000 * PRICE_PER_TRANSITION, 2)


@contextlib.contextmanager
def counting_children() -> Iterator[list[int]]:
    """Add up the transitions of nested executions (the runner starts them through
    ``pyflow.local.run_definition``, looked up at call time)."""
    import pyflow.local as local

    original = local.run_definition
    counts: list[int] = []

    def counted(*args: Any, **kwargs: Any) -> Any:
        execution = original(*args, **kwargs)
        counts.append(execution.transitions)
        return execution

    local.run_definition = counted  # type: ignore[assignment]
    try:
        yield counts
    finally:
        local.run_definition = original  # type: ignore[assignment]


@contextlib.contextmanager
def aws_mocks() -> Iterator[None]:
    """moto with the table and queue the DynamoDB/SQS flow uses, and fake credentials."""
    import boto3
    from moto import mock_aws

    fake = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": REGION}
    saved = {k: os.environ.get(k) for k in fake}
    os.environ.update(fake)
    try:
        with mock_aws():
            ddb = boto3.client("dynamodb", region_name=REGION)
            ddb.create_table(TableName="users", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                             AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                             BillingMode="PAY_PER_REQUEST")
            boto3.client("sqs", region_name=REGION).create_queue(QueueName="signups")
            yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def execute(definition: dict[str, Any], execution_input: Any, tasks: dict[str, Any],
            children: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Run on pyflow's runner: status, output, transitions (children's included)."""
    from pyflow.local import run_definition

    with counting_children() as counts:
        ex = run_definition(definition, execution_input, tasks=tasks, state_machines=children)
    out: dict[str, Any] = {"status": ex.status, "transitions": ex.transitions + sum(counts)}
    if ex.status == "SUCCEEDED":
        out["output"] = ex.output
    else:
        out["error"] = f"{ex.error}: {ex.cause}"
    return out


def measure(definition: dict[str, Any], children: dict[str, dict[str, Any]], execution_input: Any,
            tasks: dict[str, Any]) -> dict[str, Any]:
    states = count_states(definition) + sum(count_states(d) for d in children.values())
    run = execute(definition, execution_input, tasks, children)
    row = {"states": states, "transitions": run["transitions"],
           "cost_per_million_usd": cost_per_million(run["transitions"]), "status": run["status"]}
    if "error" in row or run["status"] != "SUCCEEDED":
        row["error"] = run.get("error")
    row["_output"] = run.get("output")
    return row


# ---------------------------------------------------------------------------- the four columns
def pyflow_definitions(wf: Workflow, query_language: str) -> tuple[Any, dict[str, dict[str, Any]]]:
    from pyflow.compiler import compile_file

    compiled = compile_file(REPO / wf.path, wf.function, query_language)
    return compiled, {child.name: child.definition for child in compiled.nested}


def sfnx_definitions(wf: Workflow) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    from sfnx.compiler import compile_source

    path = SFNX_DIR / f"{wf.sfnx}.py"
    machines = compile_source(path.read_text(encoding="utf-8"), str(path))
    return machines[wf.function], {name: machines[name] for name in wf.children}


def sfnx_testing_states(definition: dict[str, Any], children: dict[str, dict[str, Any]], execution_input: Any,
                        tasks: dict[str, Any]) -> int | str:
    """States entered on ``sfnx.testing.run`` (children's included), the cross-check."""
    import boto3
    from botocore import xform_name
    from sfnx import testing

    from pyflow.runtime import invoke

    entered = [0]

    def answer(call: testing.Call) -> Any:
        resource = call.resource
        if resource.startswith("${") and resource[2:-1] in tasks:
            try:
                return invoke(tasks[resource[2:-1]], call.arguments)
            except Exception as exc:  # noqa: BLE001 - a task failure, the way Lambda reports it
                from pyflow import errors

                raise testing.Failure(errors.error_name(exc), str(errors.lambda_cause(exc))) from None
        if resource.startswith("arn:aws:states:::states:startExecution"):
            args = dict(call.arguments)  # type: ignore[arg-type]
            child = children[str(args["StateMachineArn"])[2:-1]]
            run = testing.run(child, args["Input"], answer)
            entered[0] += len(run.states)
            return {"Output": run.output, "Status": "SUCCEEDED"}
        if resource.startswith("arn:aws:states:::"):
            service, _, action = resource.split(":::", 1)[1].removeprefix("aws-sdk:").partition(":")
            client = boto3.client(service, region_name=REGION)
            result = getattr(client, xform_name(action))(**call.arguments)  # type: ignore[arg-type]
            result.pop("ResponseMetadata", None)
            return result
        raise testing.Failure("States.Runtime", f"no local answer for {resource}")

    run = testing.run(definition, execution_input, answer)
    if run.error is not None:
        return f"failed: {run.error}"
    return len(run.states) + entered[0]


def bench_one(wf: Workflow, references: dict[str, dict[str, Any]]) -> dict[str, Any]:
    from pyflow.diagnostics import CompileError

    compiled, py_children = pyflow_definitions(wf, "jsonata")
    tasks = compiled.task_functions()
    context = aws_mocks() if wf.aws else contextlib.nullcontext()
    row: dict[str, Any] = {"note": wf.note}
    with context:
        row["pyflow_jsonata"] = measure(compiled.definition, py_children, wf.input, tasks)
        try:
            compiled_jp, jp_children = pyflow_definitions(wf, "jsonpath")
        except CompileError as err:
            codes = sorted({d.code for d in err.diagnostics if d.severity == "error"})
            row["pyflow_jsonpath"] = f"n/a ({', '.join(codes)})"
        else:
            row["pyflow_jsonpath"] = measure(compiled_jp.definition, jp_children, wf.input, tasks)
        cdk_children = {name: references[name] for name in wf.children}
        row["cdk"] = measure(references[wf.cdk], cdk_children, wf.input, tasks)
        if wf.sfnx is None:
            row["sfnx"] = "n/a (not expressible)"
        else:
            sfnx_def, sfnx_children = sfnx_definitions(wf)
            row["sfnx"] = measure(sfnx_def, sfnx_children, wf.input, tasks)
            row["sfnx"]["sfnx_testing_states"] = sfnx_testing_states(sfnx_def, sfnx_children, wf.input,
                                                                     {k: v for k, v in tasks.items()
                                                                      if not k.startswith("${")})
        expected = native_output(wf)
    for column in COLUMNS:
        cell = row[column]
        if isinstance(cell, dict):
            cell["same_output"] = cell.pop("_output") == expected and cell["status"] == "SUCCEEDED"
    row["verdict"] = verdict(row)
    return row


def native_output(wf: Workflow) -> Any:
    """What the workflow returns run as plain Python (waits on a virtual clock): the
    output every definition must produce."""
    import importlib.util

    from pyflow.api import virtual_time

    path = REPO / wf.path
    spec = importlib.util.spec_from_file_location(f"_cost_bench_{wf.name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    fn = getattr(module, wf.function)
    with virtual_time():
        return fn(**wf.input)


def _good(cell: Any) -> bool:
    return isinstance(cell, dict) and cell["status"] == "SUCCEEDED" and cell.get("same_output", True)


def best_pyflow(row: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The cheaper of pyflow's two targets among those that ran correctly."""
    cells = [(c, row[c]) for c in ("pyflow_jsonata", "pyflow_jsonpath") if _good(row[c])]
    return min(cells, key=lambda item: (item[1]["transitions"], item[1]["states"])) if cells else None


def verdict(row: dict[str, Any]) -> str:
    """"ok" if pyflow <= the smallest other in states and transitions, else by how much."""
    best = best_pyflow(row)
    if best is None:
        return "pyflow failed: " + "; ".join(
            f"{c} {row[c].get('error') or 'wrong output'}" for c in ("pyflow_jsonata", "pyflow_jsonpath")
            if isinstance(row[c], dict))[:200]
    target, ours = best
    others = [row[c] for c in ("cdk", "sfnx") if _good(row[c])]
    problems = []
    for metric in ("states", "transitions"):
        least = min((o[metric] for o in others), default=ours[metric])
        if ours[metric] > least:
            problems.append(f"+{ours[metric] - least} {metric}")
    label = "jsonata" if target == "pyflow_jsonata" else "jsonpath"
    broken = [c for c in COLUMNS if isinstance(row[c], dict) and not _good(row[c])]
    suffix = f" ({label}{'; wrong: ' + ', '.join(broken) if broken else ''})"
    return ("ok" if not problems else "over: " + ", ".join(problems)) + suffix


def bench(quick: bool = False) -> dict[str, Any]:
    """{"workflows": {name: row}, "cdk_synth_seconds": s, "summary": {...}}. ``quick`` is
    accepted for the harness; every workflow is always measured (it takes seconds)."""
    from benchmarks.reference import app

    started = time.perf_counter()
    synthesized = app.synth()
    references = synthesized["definitions"]
    rows = {wf.name: bench_one(wf, references) for wf in WORKFLOWS}
    over = [name for name, row in rows.items() if not row["verdict"].startswith("ok")]
    return {
        "workflows": rows,
        "cdk_synth_seconds": round(synthesized["seconds"], 2),
        "seconds": round(time.perf_counter() - started, 2),
        "summary": {"workflows": len(rows), "pyflow_at_most_others": len(rows) - len(over), "over": over},
    }


# ---------------------------------------------------------------------------- printing
def _cell(value: Any, key: str) -> str:
    if isinstance(value, dict):
        text = f"{value[key]:,}" if key != "cost_per_million_usd" else f"${value[key]:,.0f}"
        if value.get("status") != "SUCCEEDED":  # failed
            text += "!"
        elif not value.get("same_output", True):
            text += "*"
        return text
    return value if key == "states" else "-"


def rows(result: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(metric, value, target, verdict) rows for ``python -m benchmarks``; each value lists
    pyflow JSONata / pyflow JSONPath / CDK / sfnx."""
    out = []
    for name, row in result["workflows"].items():
        parts = []
        for key, label in (("states", "states"), ("transitions", "trans"), ("cost_per_million_usd", "$/M")):
            parts.append(f"{label} " + "/".join(_cell(row[c], key).replace("n/a (PF130)", "n/a") for c in COLUMNS))
        out.append((name, " ".join(parts), "<= min(cdk, sfnx)", row["verdict"]))
    out.append(("(columns)", "pyflow JSONata/pyflow JSONPath/CDK/sfnx; $/M = USD per million executions", "", ""))
    out.append(("cdk synth", f"{result['cdk_synth_seconds']} s (one app, one stack)", "", ""))
    return out


def render(result: dict[str, Any]) -> str:
    headers = ["workflow", "states: pf-jsonata", "pf-jsonpath", "cdk", "sfnx",
               "transitions: pf-jsonata", "pf-jsonpath", "cdk", "sfnx",
               "$/M exec: pf-jsonata", "pf-jsonpath", "cdk", "sfnx", "verdict"]
    table = []
    for name, row in result["workflows"].items():
        line = [name]
        for key in ("states", "transitions", "cost_per_million_usd"):
            line.extend(_cell(row[c], key) for c in COLUMNS)
        line.append(row["verdict"])
        table.append(line)
    widths = [max(len(str(r[i])) for r in [headers, *table]) for i in range(len(headers))]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip() for r in table]
    summary = result["summary"]
    lines.append("")
    lines.append(f"pyflow <= the smallest of CDK and sfnx on {summary['pyflow_at_most_others']} of "
                 f"{summary['workflows']} workflows" + (f"; over on: {', '.join(summary['over'])}" if summary["over"] else ""))
    lines.append("cost: $0.025 per 1,000 state transitions (Standard); $/M = per million executions. "
                 "'!' the execution failed, '*' its output differs from the native Python run's.")
    checks = {name: row["sfnx"].get("sfnx_testing_states") for name, row in result["workflows"].items()
              if isinstance(row["sfnx"], dict)}
    lines.append("sfnx.testing.run states entered (cross-check of the sfnx transitions): "
                 + ", ".join(f"{k} {v}" for k, v in checks.items()))
    lines.append(f"CDK: one app, one stack, synthesized in-process in {result['cdk_synth_seconds']} s; "
                 f"whole benchmark {result['seconds']} s")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.cost_bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = parser.parse_args(argv)
    result = bench()
    print(json.dumps(result, indent=2, default=str) if args.json else render(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
