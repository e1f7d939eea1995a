"""Generate ``docs/reference.md``: every Python construct next to the ASL it becomes.

The page is built from the examples (their source and what the compiler makes of
them right now), so it cannot drift from the compiler: ``tests/examples/
test_reference.py`` fails when the committed page differs from this script's output.

    python tools/gen_reference.py          # rewrite docs/reference.md
    python tools/gen_reference.py --check  # exit 1 if it is stale
"""
from __future__ import annotations

import argparse
import ast
import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
OUTPUT = ROOT / "docs" / "reference.md"


@dataclass(frozen=True)
class Entry:
    title: str
    python: str          # the construct, as the reader writes it
    asl: str             # what it becomes
    stem: str            # examples/<stem>.py
    function: str        # the @workflow in it
    seed: str            # the seed documentation's section(s)
    text: str            # one paragraph of explanation


ENTRIES: list[Entry] = [
    Entry("Tasks, loops and Wait from a variable", "`x = task(...)`, `while True:`, `break`, `raise`",
          "`Task`, `Wait` (`Seconds` from an expression), `Choice` loop, `Fail`", "job_poller", "job_poller",
          "Introduction (the Job Poller)",
          "A call of a `@task` is a `Task` state whose `Arguments` bind the task's parameters; its result "
          "is stored in the variable (`Assign`). A `while True:` loop costs no state; each `if` is a `Choice`; "
          "`raise JobFailed(...)` is a `Fail` state named after the class."),
    Entry("Pass: a fixed result", "`data = {**order, \"subObject\": {\"hello\": \"world\"}}`",
          "folded into the next state's `Arguments`/`Assign`, else a `Pass`", "pass_state", "add_hello_world",
          "Pass (result)",
          "Expressions without task calls are computed where they are needed: here the merged dict becomes "
          "the task's argument directly, so no `Pass` state is needed."),
    Entry("Pass: parameters", "`params = {\"input\": input[\"greeting\"], ...}`; `return params`",
          "`Pass` with `Assign`, `Pass` with `Output`", "pass_state", "filter_input", "Pass (parameters)",
          "Building a dict from the input is the CDK's `Pass(parameters=...)`; returning it sets the "
          "execution's output."),
    Entry("Wait", "`pf.wait(seconds=10)`, `pf.wait(seconds=x)`, `pf.wait(until=\"...Z\")`, "
          "`pf.wait(until=ts)`, `time.sleep(n)`", "`Wait` with `Seconds` / `Timestamp` (literal or expression)",
          "wait_states", "wait_for_trigger_time", "Wait",
          "Every kind of wait. In JSONata a `Seconds` or `Timestamp` field holds an expression where JSONPath "
          "uses `SecondsPath`/`TimestampPath`."),
    Entry("Choice", "`if` / `elif` / `else`", "`Choice` with `Default`", "choice_state", "did_it_work",
          "Choice", "Each branch ends the workflow here, so each `return` is its own end state."),
    Entry("Choice and `afterwards()`", "code after an `if`/`elif`/`else` chain", "branches joining on one state",
          "choice_state", "what_color", "Choice (`afterwards`)",
          "Every branch goes on to the first statement after the chain, which is what `choice.afterwards()` "
          "does in the CDK. Plain assignments in a branch become the Choice rule's `Assign`."),
    Entry("Conditions", "`==` `<` `<=` `>` `>=` on strings, numbers and `pf.timestamp(...)`, `is None`, "
          "`isinstance`, `\"k\" in d`, `fnmatch`, `and`/`or`/`not`, truthiness",
          "`Choice` conditions (JSONata expressions; `StringEquals`, `NumericLessThanPath`, `IsNull`, ... "
          "in JSONPath)", "choice_state", "conditions", "Choice (Available Conditions)",
          "One test per condition of the CDK's `Condition` list; comparing with a variable instead of a "
          "literal is the `...JsonPath` form. Conditions keep Python's meaning: `isinstance(x, int)` is true "
          "for `True`, truthiness follows Python's rules for `0`, `\"\"`, `[]` and `{}`."),
    Entry("Parallel with retry and catch", "`with pf.parallel(retry=Retry(...)):` + `with pf.branch():` "
          "inside `try`/`except`", "`Parallel` with `Retry` and `Catch`", "parallel_state", "do_the_work",
          "Parallel", "Variables assigned in a branch are visible after the block (the Parallel's `Assign` "
          "reads them from the branch outputs). `except Exception as err` is `Catch` on `States.ALL`; "
          "`err.error` and `err.cause` are the caught `Error` and `Cause`."),
    Entry("Map with max concurrency", "`pf.map(f, xs, max_concurrency=2)`, `[f(x) for x in xs if ...]`, "
          "`for x in pf.map(xs):`", "`Map` with `Items`, `ItemProcessor`, `MaxConcurrency`", "map_state",
          "map_state", "Map",
          "A comprehension's filter runs inside the Map; the results are gathered in order."),
    Entry("Custom state", "`pf.custom_state({...})`", "the state, spliced in as written", "custom_state",
          "put_my_entry", "Custom State",
          "Any ASL state the language has no construct for, here the DynamoDB `putItem` snippet. "
          "`pyflow policy` still derives `dynamodb:PutItem` from it."),
    Entry("Task chaining", "statements one after the other", "`Next`", "task_chaining", "chain",
          "Task Chaining", "The seed's chain `step1.next(step2).next(choice...afterwards()).next(parallel...)"
          ".next(finish)` is the order of the statements."),
    Entry("Fragments", "`@fragment` functions called several times", "their states inlined, names prefixed "
          "by the call site", "fragments", "all_jobs", "State Machine Fragments",
          "The seed's `StateMachineFragment` with `prefix_states()`: each call site gets its own copy."),
    Entry("Activities", "`review_order = pf.Activity(\"review_order\")`; `review_order(x)`",
          "`Task` on the activity's ARN", "activity", "review", "Activity",
          "The worker that serves the activity is ordinary Python with boto3 (see `examples/activity.py`)."),
    Entry("Nested workflows", "calling another `@workflow`; `for x in xs: acc = acc + [f(x)]`",
          "`arn:aws:states:::states:startExecution.sync:2`; `Map` with `MaxConcurrency: 1`",
          "nested_workflows", "process_batch", "(pyflow)",
          "The child runs as its own execution; its output is the call's value. A `for` loop that only "
          "appends to a list started just before it (`acc = []` ... `acc = acc + [f(x)]`) is an inline "
          "`Map` with `MaxConcurrency: 1`: one item at a time, in order, as Python runs it. Other `for` "
          "loops are sequential `Choice` loops (see [Semantics](semantics.md#for-loops))."),
    Entry("try / except / else / finally", "`try:` ... `except E as err:` ... `else:` ... `finally:`",
          "`Catch` on each state of the body, `Retry` from `@task(retry=...)`", "error_handling",
          "charge_with_receipt", "Error names, Task (retry)",
          "Each `except` clause is a `Catch` rule (`ErrorEquals` from the exception class, `States.ALL` for "
          "`Exception`); `finally` runs on every path and the error is re-raised after it."),
    Entry("Fail and Succeed", "`raise E(\"why\")`, `pf.fail(error=, cause=)`, `return`",
          "`Fail` (`Error`, `Cause`), end states", "error_handling", "must_be_positive", "Succeed, Fail",
          "A `return` ends the execution successfully with its value."),
    Entry("Re-raise", "bare `raise` in `except E as err:`", "`Fail` with `Error`/`Cause` from the caught "
          "error", "error_handling", "audit_then_reraise", "Fail",
          "Compensation code runs, then the workflow fails with the original error."),
    Entry("Intrinsic functions", "f-strings, `json.loads`, `json.dumps`, lists", "JSONata expressions "
          "(`States.Format`, `States.StringToJson`, `States.JsonToString`, `States.Array` in JSONPath)",
          "intrinsics", "invoke_order_processor", "Accessing State (the JsonPath class)",
          "The seed's `JsonPath.string_at`, `format`, `string_to_json`, `json_to_string` and `array`."),
    Entry("A realistic workflow", "validate, reserve, charge, ship with compensation",
          "`Task`s with `Catch` to compensation chains", "order_processing", "process_order", "(pyflow)",
          "Each failure point has its own compensation path; `json.loads(err.cause)[\"errorMessage\"]` reads "
          "the message of a task's exception from the Lambda error document."),
    Entry("AWS service integrations", "`ddb = boto3.client(\"dynamodb\")`; `ddb.put_item(...)` in the workflow",
          "`Task` on `arn:aws:states:::dynamodb:putItem` (or `aws-sdk:<service>:<action>`)",
          "order_processing_aws", "process_order_aws", "Custom State, Task (service integrations)",
          "A boto3 client bound once at module level and called in the workflow is a service integration: "
          "no Lambda in between. Operation and parameter names are checked against botocore's model."),
]


def function_source(path: Path, name: str) -> str:
    """The source of ``name`` in ``path``, decorators included."""
    source = path.read_text()
    tree = ast.parse(source)
    lines = source.splitlines()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            start = min([d.lineno for d in node.decorator_list] + [node.lineno])
            assert node.end_lineno is not None
            return "\n".join(lines[start - 1:node.end_lineno])
    raise LookupError(f"{path.name} has no function {name}")


def summary(definition: dict) -> str:
    counts: Counter[str] = Counter()

    def walk(states: dict) -> None:
        for state in states.values():
            counts[state["Type"]] += 1
            for branch in state.get("Branches", []):
                walk(branch["States"])
            if "ItemProcessor" in state:
                walk(state["ItemProcessor"]["States"])

    walk(definition["States"])
    total = sum(counts.values())
    kinds = ", ".join(f"{n} {k}" for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return f"{total} state{'s' if total != 1 else ''} ({kinds})"


def slug(title: str) -> str:
    out = "".join(c.lower() if c.isalnum() else "-" for c in title)
    while "--" in out:
        out = out.replace("--", "-")
    return out.strip("-")


def mermaid(compiled: object) -> str:
    """The state machine as ``pyflow graph --format mermaid`` draws it."""
    from pyflow.cli.graph_cmd import source_map_for
    from pyflow.graph import draw

    return draw(compiled.definition, "mermaid", source_map_for(compiled),  # type: ignore[attr-defined]
                title=compiled.name).decode("utf-8").rstrip()  # type: ignore[attr-defined]


def render() -> str:
    from pyflow.compiler import compile_file

    out: list[str] = [
        "# Language reference",
        "",
        "<!-- Generated by tools/gen_reference.py from examples/: do not edit by hand. -->",
        "",
        "Every construct a `@workflow` body may use, with the Amazon States Language it compiles to "
        "(JSONata, pyflow's default target). Each section is an example from `examples/`, compiled by the "
        "current compiler when this page was generated; a test fails if the page is out of date. "
        "What the two runs of a workflow (native and compiled) may and may not differ in is in "
        "[Semantics](semantics.md); what the compiler rejects, and why, is in [Diagnostics](diagnostics.md).",
        "",
        "| Python | ASL | example | seed section |",
        "|---|---|---|---|",
    ]
    for entry in ENTRIES:
        out.append(f"| [{entry.python}](#{slug(entry.title)}) | {entry.asl} | "
                   f"`examples/{entry.stem}.py:{entry.function}` | {entry.seed} |")
    out.append("")
    for entry in ENTRIES:
        path = EXAMPLES / f"{entry.stem}.py"
        compiled = compile_file(path, entry.function)
        out += [
            f"## {entry.title}",
            "",
            entry.text,
            "",
            f"`examples/{entry.stem}.py:{entry.function}` compiles to {summary(compiled.definition)}"
            f" (`pyflow graph examples/{entry.stem}.py:{entry.function}`):",
            "",
            "```mermaid",
            mermaid(compiled),
            "```",
            "",
            '<div class="pf-side" markdown>',
            '<div markdown>',
            "",
            "```python",
            function_source(path, entry.function),
            "```",
            "",
            "</div>",
            '<div markdown>',
            "",
            "```json",
            json.dumps(compiled.definition, indent=2, ensure_ascii=False),
            "```",
            "",
            "</div>",
            "</div>",
            "",
        ]
    return "\n".join(out).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/reference.md is stale")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        if not OUTPUT.exists() or OUTPUT.read_text() != text:
            print(f"{OUTPUT.relative_to(ROOT)} is stale: run python tools/gen_reference.py", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
