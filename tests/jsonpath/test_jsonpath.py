"""The JSONPath target: every example and differential program, compiled with
``query_language="jsonpath"``, runs on moto's Step Functions interpreter (and on
pyflow's local runner) with the same outcome as the native run — or is rejected
with PF130 where JSONPath cannot keep Python's meaning (asserted per case)."""
from __future__ import annotations

import importlib.util
import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from pyflow.compiler import compile_file, compile_workflow
from pyflow.diagnostics import CompileError
from pyflow.runtime import invoke
from tests.aslvalidator import validate_all
from tests.differential.engines import DATA_ERRORS, Outcome, native
from tests.differential.programs import basics, control
from tests.differential.test_differential import CASES as DIFF_CASES
from tests.jsonpath import programs

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _load_example(stem: str) -> Any:
    spec = importlib.util.spec_from_file_location(f"jp_example_{stem}", EXAMPLES / f"{stem}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


job_poller = _load_example("job_poller").job_poller
what_color = _load_example("choice_state").what_color
process_order = _load_example("order_processing").process_order

# Programs JSONPath cannot express, each with the construct the diagnostic names.
REJECTED = {
    basics.arithmetic: "`-`",
    basics.strings: "str.upper() of a computed value",
    basics.collections: "len() of a dict",
    basics.truthiness: "isinstance(x, int)",
    basics.task_values: "`+` of",
    control.loop_until: "Python's `%`",
    control.for_loop: "formatting a value of unknown type",
    control.ranges: "`*`",
}

OWN_CASES = [
    (job_poller, {"order": {"id": "o-1", "polls": 2}}),
    (job_poller, {"order": {"id": "o", "polls": 1, "fail": True}}),
    (job_poller, {}),
    (programs.operators, {"name": "bob", "n": 3, "x": 2.5, "flag": True, "done": True, "other": "alice", "m": 3,
                          "when": "2025-06-01T00:00:00Z", "later": "2025-06-01T00:00:00Z"}),
    (programs.operators, {"name": "zed", "n": 7, "x": 9.5, "flag": False, "done": True, "other": "zz", "m": 1,
                          "when": "2026-01-01T00:00:00Z", "later": "2027-01-01T00:00:00Z"}),
    (programs.unknown_types, {"key": "abc"}),
    (programs.unknown_types, {"key": "ab"}),
    (programs.truthy, {"value": 0, "items": [], "data": {}, "text": "", "count": 0}),
    (programs.truthy, {"value": {"a": 1}, "items": ["k"], "data": {"a": None}, "text": "t", "count": -1}),
    (programs.truthy, {"value": "", "items": [0], "data": {}, "text": "", "count": 2}),
    (programs.truthy, {"value": [], "items": [], "data": {}, "text": "", "count": 0}),
    (programs.truthy, {"value": 0.0, "items": [], "data": {}, "text": "", "count": 0}),
    (programs.truthy, {"value": None, "items": [], "data": {}, "text": "", "count": 0}),
    (programs.truthy, {"value": False, "items": [], "data": {}, "text": "", "count": 0}),
    (programs.truthy, {"value": True, "items": [], "data": {}, "text": "", "count": 0}),
    (programs.sums, {"xs": ["a", "bb", "stop", "c"]}),
    (programs.sums, {"xs": ["a", "bb"], "limit": 1, "label": "n"}),
    (programs.sums, {"xs": []}),
    (programs.shared_return, {"kind": "a", "n": 2}),
    (programs.shared_return, {"kind": "b", "n": -5}),
    (programs.shared_return, {"kind": "c", "n": 1}),
    (programs.fragments_in_parallel, {"kind": "a", "n": 2}),
    (programs.fragments_in_parallel, {"kind": "b", "n": 3}),
    (programs.fragments_in_parallel, {"kind": "z", "n": 4}),
    (programs.fragments_in_parallel, {"n": 4}),
    (programs.dead_lookup, {"data": {}, "n": 1}),
    (programs.dead_lookup, {"data": {"missing": 0}, "n": 1}),
    (programs.concat_unknown, {"value": "x", "n": 0}),
    (programs.concat_unknown, {"value": "x", "n": 1}),
    (programs.concat_unknown, {"value": 5, "n": 0}),
    (programs.concat_unknown, {"value": None, "n": 1}),
    (programs.concat_unknown, {"value": ["a"], "n": 1}),
    (what_color, {"item": {"color": "RED", "id": 7}}),
    (what_color, {"item": {"color": "GREEN", "id": 7}}),
    (what_color, {"item": {"color": 3, "id": 7}}),
    (what_color, {"item": {"color": None, "id": 7}}),
    (what_color, {"item": {}}),
    (programs.concat_in_try, {"value": "x"}),
    (programs.concat_in_try, {"value": 5}),
    (programs.completes, {"n": 2}),
    (programs.completes, {"n": -1}),
    (programs.input_test_first, {"v": 1, "name": "a", "other": "b"}),
    (programs.input_test_first, {"v": 0, "name": "b", "other": "a"}),
    (programs.input_test_first, {"v": [0], "name": "b", "other": "a"}),
    (programs.if_in_try, {"n": 2}),
    (programs.if_in_try, {"n": 0}),
    (programs.if_in_try, {"n": 9}),
    (programs.lookups, {"doc": '{"k": 1}', "data": {"x": 5, "y": 2}}),
    (programs.lookups, {"doc": '{"k": [1, "a"]}', "data": {"x": None}}),
    (programs.lookups, {"doc": '{"j": 1}', "data": {}}),
    (process_order, {"order": {"id": "o-1", "items": [{"sku": "pen", "qty": 2}], "card": "4242", "address": "here"}}),
    (process_order, {"order": {"id": "o-1", "items": [{"sku": "pen", "qty": 2}], "card": "4242"}}),
    (process_order, {"order": {"id": "o-2", "items": [{"sku": "pen", "qty": 2}], "card": "0000"}}),
    (process_order, {"order": {"id": "o-3", "items": [{"sku": "lamp", "qty": 1}], "card": "4242",
                               "address": "nowhere"}}),
    (process_order, {"order": {"id": "o-4", "items": [], "card": "4242"}}),
]

CASES = list(DIFF_CASES) + OWN_CASES

# moto deviation: a Choice rule on a missing field is false there, where AWS (and pyflow's
# runner) fail the run with States.Runtime ("Invalid path ... The choice state's condition
# path references an invalid value"). A fragment's parameter read by its first Choice rule
# right from the input is such a rule when the input lacks the field.
MOTO_MISSING_CHOICE_PATH = {
    (programs.fragments_in_parallel, json.dumps({"n": 4})),
    (what_color, json.dumps({"item": {}})),
}


def case_id(value: Any) -> str:
    """A test id: the workflow's name, or the start of the input's JSON."""
    return getattr(value, "__name__", None) or json.dumps(value)[:48]


def compile_jsonpath(wf: Any) -> Any:
    return compile_workflow(wf, query_language="jsonpath")


# ------------------------------------------------------------------------------ engines
@pytest.fixture(scope="module")
def moto_runner():
    pytest.importorskip("moto")
    import logging

    from benchmarks.runner_bench import MotoRunner, create_lambdas

    logging.getLogger("moto").setLevel(logging.CRITICAL)
    for name in ("AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ.setdefault(name, "us-east-1" if name == "AWS_DEFAULT_REGION" else "testing")
    functions: dict[str, Any] = {}
    with MotoRunner(functions) as runner:
        runner.created = set()
        runner.create_lambdas = create_lambdas
        yield runner


def run_moto(runner: Any, compiled: Any, execution_input: dict[str, Any]) -> Outcome:
    tasks = compiled.task_functions()
    text = compiled.json
    for info in compiled.tasks:
        fn = tasks[info.name]
        runner.functions[info.name] = lambda payload, fn=fn: invoke(fn, payload)
        text = text.replace("${" + info.name + "}", f"arn:aws:lambda:us-east-1:123456789012:function:{info.name}")
    missing = [t.name for t in compiled.tasks if t.name not in runner.created]
    if missing:
        runner.create_lambdas(missing)
        runner.created.update(missing)
    result = runner.run(text, execution_input)
    if result["status"] == "SUCCEEDED":
        return Outcome(output=result["output"])
    return Outcome(error=result["error"])


def run_local(compiled: Any, execution_input: dict[str, Any]) -> Outcome:
    local = pytest.importorskip("pyflow.local")
    ex = local.run_definition(compiled.definition, execution_input, tasks=compiled.task_functions())
    if ex.status == "SUCCEEDED":
        return Outcome(output=ex.output)
    return Outcome(error=ex.error)


def assert_engines_agree(wf: Any, compiled: Any, execution_input: dict[str, Any], runner: Any) -> None:
    """The native run's outcome on moto's interpreter and on pyflow's runner."""
    expected = native(wf, execution_input)
    on_moto = run_moto(runner, compiled, execution_input)
    assert expected.agrees_with(on_moto), f"native={expected} moto={on_moto}"
    on_local = run_local(compiled, execution_input)
    assert expected.agrees_with(on_local), f"native={expected} local={on_local}"


def assert_agree(wf: Any, compiled: Any, execution_input: dict[str, Any], runner: Any) -> None:
    """``assert_engines_agree``, but for a moto deviation: a Lambda Task whose Parameters or
    ResultSelector fail (an intrinsic function's failure, a path that selects nothing) fails
    the run with error "Exception" there (AWS and pyflow's runner: States.Runtime). Where
    Python fails with a data error, moto's "Exception" is taken as the failure it is, and
    pyflow's runner is still compared exactly."""
    expected = native(wf, execution_input)
    if expected.error in DATA_ERRORS:
        on_moto = run_moto(runner, compiled, execution_input)
        assert on_moto.error == "Exception" or expected.agrees_with(on_moto), f"native={expected} moto={on_moto}"
        on_local = run_local(compiled, execution_input)
        assert expected.agrees_with(on_local), f"native={expected} local={on_local}"
        return
    assert_engines_agree(wf, compiled, execution_input, runner)


def assert_jsonpath_agrees(wf: Any, execution_input: dict[str, Any], runner: Any, tolerant: bool = True) -> None:
    """``wf`` compiled to JSONPath (no ASL Variables) agrees with its native run on moto and on
    pyflow's runner: ``assert_agree`` (moto's "Exception" for a data error accepted) unless
    ``tolerant`` is false (``assert_engines_agree``)."""
    compiled = compile_jsonpath(wf)
    assert '"Assign"' not in compiled.json
    (assert_agree if tolerant else assert_engines_agree)(wf, compiled, execution_input, runner)


def assert_pf130(wf: Any, reason: str) -> CompileError:
    """``wf`` does not compile to JSONPath: PF130 only, and a diagnostic saying ``reason``."""
    with pytest.raises(CompileError) as info:
        compile_jsonpath(wf)
    assert {d.code for d in info.value.diagnostics} == {"PF130"}, info.value.render()
    assert any(reason in d.message for d in info.value.diagnostics), info.value.render()
    return info.value


# ------------------------------------------------------------------------------ tests
@pytest.mark.parametrize("wf,execution_input", CASES, ids=case_id)
def test_jsonpath_agrees_with_native(wf: Any, execution_input: dict[str, Any], moto_runner: Any) -> None:
    if wf in REJECTED:
        error = assert_pf130(wf, REJECTED[wf])
        assert all("jsonata" in d.help for d in error.diagnostics)
        return
    compiled = compile_jsonpath(wf)
    assert "Assign" not in compiled.json and "QueryLanguage\": \"JSONata" not in compiled.json
    expected = native(wf, execution_input)
    on_moto = run_moto(moto_runner, compiled, execution_input)
    if (wf, json.dumps(execution_input)) in MOTO_MISSING_CHOICE_PATH:
        assert expected.error, expected  # moto goes on (or fails later): only pyflow's runner is compared
        on_moto = expected
    if expected.error in ("pyflow.MissingInput", "MissingInput") and on_moto.error == "Exception":
        # moto deviation: a missing top-level field in Parameters fails the run as "Exception"
        # (AWS: States.Runtime); the run fails as it must.
        on_moto = Outcome(error="States.Runtime")
    assert expected.agrees_with(on_moto), f"native={expected} moto={on_moto}"
    on_local = run_local(compiled, execution_input)
    assert expected.agrees_with(on_local), f"native={expected} local={on_local}"


def _all_definitions() -> dict[str, dict[str, Any]]:
    out = {}
    seen = set()
    for wf, _ in CASES:
        if wf in REJECTED or wf in seen:
            continue
        seen.add(wf)
        out[wf.__name__] = compile_jsonpath(wf).definition
    return out


def test_every_definition_passes_asl_validator() -> None:
    problems = validate_all(_all_definitions())
    assert not problems, json.dumps(problems, indent=2)


def test_no_variables_anywhere() -> None:
    for name, definition in _all_definitions().items():
        text = json.dumps(definition)
        assert '"Assign"' not in text and "{%" not in text, name
        assert definition["QueryLanguage"] == "JSONPath"


def test_every_condition_operator_is_reachable() -> None:
    """The seed's Condition list: each typed operator (and IsX / Not IsX) appears in some rule."""
    used: set[str] = set()

    def visit(rule: Any) -> None:
        if isinstance(rule, dict):
            for key, value in rule.items():
                if key in ("And", "Or"):
                    used.add(key)
                    for r in value:
                        visit(r)
                elif key == "Not":
                    used.add("Not")
                    visit(value)
                elif key not in ("Variable", "Next"):
                    used.add(key)

    for definition in _all_definitions().values():
        for state in definition["States"].values():
            for rule in state.get("Choices", []):
                visit(rule)
    kinds = ["String", "Numeric", "Timestamp"]
    ops = ["Equals", "LessThan", "LessThanEquals", "GreaterThan", "GreaterThanEquals"]
    wanted = {f"{k}{o}{p}" for k in kinds for o in ops for p in ("", "Path")}
    wanted |= {"BooleanEquals", "BooleanEqualsPath", "StringMatches", "IsPresent", "IsNull", "IsString", "IsNumeric",
               "IsBoolean", "IsTimestamp", "And", "Or", "Not"}
    assert wanted <= used, sorted(wanted - used)


def test_job_poller_states() -> None:
    """7 states: JSONPath has no Assign, so `attempt = attempt + 1` needs one Pass per poll
    (a Wait cannot compute and a Task's ResultSelector sees only the task result)."""
    definition = compile_file(EXAMPLES / "job_poller.py", "job_poller", "jsonpath").definition
    kinds = Counter(state["Type"] for state in definition["States"].values())
    assert kinds == {"Task": 3, "Wait": 1, "Choice": 1, "Fail": 1, "Pass": 1}
    assert definition["TimeoutSeconds"] == 300
    fail = next(s for s in definition["States"].values() if s["Type"] == "Fail")
    assert fail == {"Type": "Fail", "Error": "JobFailed", "Cause": "AWS Batch Job Failed"}


def _example_targets() -> list[tuple[Path, str]]:
    from pyflow.diagnostics import Reporter
    from pyflow.frontend.modules import ModuleLoader

    out = []
    for path in sorted(EXAMPLES.glob("*.py")):
        mod = ModuleLoader(Reporter()).load(path)
        assert mod is not None
        out += [(path, f.name) for f in mod.functions.values() if f.kind == "workflow"]
    return sorted(out)


@pytest.mark.parametrize("path,fn", _example_targets(), ids=lambda v: getattr(v, "name", v))
def test_golden_jsonpath(path: Path, fn: str) -> None:
    golden = path.with_name(f"{path.stem}.{fn}.jsonpath.asl.json")
    try:
        compiled = compile_file(path, fn, "jsonpath").json
    except CompileError as exc:
        assert {d.code for d in exc.diagnostics} == {"PF130"}, exc.render()
        assert not golden.exists(), f"{golden.name} exists but the example no longer compiles to JSONPath"
        return
    if os.environ.get("PYFLOW_UPDATE_GOLDEN") == "1":
        golden.write_text(compiled)
    assert golden.exists(), f"missing golden file {golden.name} (review it, then commit)"
    assert compiled == golden.read_text(), f"{golden.name} differs from the compiler's output"


def test_unsupported_constructs_are_pf130_not_crashes(tmp_path: Path) -> None:
    src = tmp_path / "wf.py"
    src.write_text(
        "from pyflow import task, workflow\n\n"
        "@task\ndef t(x: int) -> int:\n    return x\n\n"
        "@workflow\ndef wf(a: int, b: int) -> int:\n    c = t(a * b)\n    return c % 3\n")
    with pytest.raises(CompileError) as info:
        compile_file(src, "wf", "jsonpath")
    messages = [d.message for d in info.value.diagnostics]
    assert [d.code for d in info.value.diagnostics] == ["PF130", "PF130"], messages
    assert "`*`" in messages[0] and "`%`" in messages[1]


# ------------------------------------------------------------------------------ folding into neighbours
def _count_states(definition: dict[str, Any]) -> int:
    from benchmarks.cost_bench import count_states

    return count_states(definition)


FRAGMENT_RUNS = [{"branch": "left"}, {"branch": "right"}, {"branch": "up"}, {}]


@pytest.mark.parametrize("execution_input", FRAGMENT_RUNS, ids=json.dumps)
def test_fragments_fold_to_cdk_size(execution_input: dict[str, Any], moto_runner: Any) -> None:
    """The seed's MyJob three times: 13 states and 7 transitions, like the hand-written CDK
    definition. No Pass binds the fragment's parameters (the Choice reads the input from the
    context object, the constant is substituted), each task's result is its branch's output,
    and the list returned is the Parallel's ResultSelector."""
    wf = _load_example("fragments").all_jobs
    compiled = compile_jsonpath(wf)
    assert _count_states(compiled.definition) == 13
    par = compiled.definition["States"]["Parallel"]
    assert par["ResultSelector"] == {"return.$": "States.Array($[0], $[1], $[2])"}
    assert par["OutputPath"] == "$.return" and par["End"] is True
    kinds = Counter(s["Type"] for b in par["Branches"] for s in b["States"].values())
    assert kinds == {"Choice": 3, "Task": 6, "Pass": 3}
    expected = native(wf, execution_input)
    if execution_input:  # a missing field: see MOTO_MISSING_CHOICE_PATH
        assert expected.agrees_with(run_moto(moto_runner, compiled, execution_input))
    assert expected.agrees_with(run_local(compiled, execution_input))
    if execution_input.get("branch") == "left":
        from pyflow.local import run_definition

        ex = run_definition(compiled.definition, execution_input, tasks=compiled.task_functions())
        assert ex.transitions == 7


def test_shared_return_folds_into_each_task() -> None:
    """Each task ending in the shared `return` makes the output with its ResultSelector
    (the input read from the context object); the Choice default gets its own Pass."""
    d = compile_jsonpath(programs.shared_return).definition
    assert _count_states(d) == 4
    tasks = [s for s in d["States"].values() if s["Type"] == "Task"]
    assert [t["ResultSelector"] for t in tasks] == [{"kind.$": "$$.Execution.Input.kind", "out.$": "$"}] * 2
    assert all(t.get("End") for t in tasks)


def test_parallel_of_fragments_folds_bare_branches_only() -> None:
    """Branches exporting one value output it bare (`$[i]`); one exporting two keeps its dict,
    so the return (which reads it) stays a Pass after the Parallel."""
    d = compile_jsonpath(programs.fragments_in_parallel).definition
    par = d["States"]["Parallel"]
    assert par["ResultSelector"] == {"b0.$": "$[0]", "b1.$": "$[1]", "b2.$": "$[2]"}
    ret = d["States"][par["Next"]]
    assert ret["Parameters"] == {"return.$": "States.Array($.pf_par1.b0, $.pf_par1.b1, "
                                 "States.MathAdd($.pf_par1.b2.third, $.pf_par1.b2.fourth))"}
    starts = [b["States"][b["StartAt"]]["Type"] for b in par["Branches"]]
    assert starts == ["Choice", "Choice", "Task"]  # no Pass binds the fragments' parameters


def test_unknown_typed_concat_is_checked_by_the_choice_before_it() -> None:
    """`"other color: " + color` (color read from a dict): the Choice that leads to the Pass
    fails the run with Python's TypeError when color is not a str; 6 states, 3 transitions."""
    d = compile_file(EXAMPLES / "choice_state.py", "what_color", "jsonpath").definition
    assert _count_states(d) == 6
    choice = d["States"][d["StartAt"]]
    assert choice["Choices"][-1] == {"Not": {"Variable": "$$.Execution.Input.item.color", "IsString": True},
                                     "Next": "TypeError"}
    assert d["States"]["TypeError"]["Error"] == "TypeError"
    assert d["States"][choice["Default"]]["Parameters"] == {
        "note.$": "States.Format('other color: {}', $$.Execution.Input.item.color)"}


def test_pf130_points_at_the_assignment_folded_onto_a_choice(tmp_path: Path) -> None:
    """An assignment folded onto a Choice's way out is blamed at its own line, not the `if`."""
    src = tmp_path / "wf.py"
    src.write_text(
        "from pyflow import task, workflow\n\n"
        "@task\ndef t(x: str) -> str:\n    return x\n\n"
        "@workflow\ndef wf(color: str, n: int) -> str:\n"
        "    if color == \"BLUE\":\n"
        "        note = t(color)\n"
        "    else:\n"
        "        note = \"n\" + str(n * 2)\n"
        "    return t(note)\n")
    with pytest.raises(CompileError) as info:
        compile_file(src, "wf", "jsonpath")
    (diag,) = info.value.diagnostics
    assert diag.code == "PF130" and "`*`" in diag.message
    assert (diag.span.line, diag.span.col) == (12, 9), info.value.render()


def test_fields_of_computed_dicts_take_a_pass_first() -> None:
    """`json.loads(err.cause)["errorMessage"]` and `order.get("address", "on file")`: a Pass
    stores the parsed (or default-merged) dict, the next state reads the field as a path."""
    d = compile_file(EXAMPLES / "order_processing.py", "process_order", "jsonpath").definition
    assert _count_states(d) == 17
    prepare = d["States"]["Prepare_ship"]
    assert prepare["Parameters"]["pf_v2.$"] == ("States.JsonMerge(States.StringToJson('{\"address\":\"on file\"}'), "
                                                "$$.Execution.Input.order, false)")
    assert d["States"]["ship"]["Parameters"]["address.$"] == "$.pf_v2.address"
    reasons = [s["Parameters"]["reason.$"] for s in d["States"].values() if "reason.$" in s.get("Parameters", {})]
    assert len(reasons) == 2 and all(r.endswith(".errorMessage") for r in reasons)


def test_last_result_completes_the_returned_dict() -> None:
    """2 states, no Pass: `{"first": first, "second": second}` is the document holding only
    `first` (the first task's ResultSelector) with the second result added by ResultPath."""
    d = compile_jsonpath(programs.completes).definition
    first, second = d["States"].values()
    assert first["ResultSelector"] == {"first.$": "$"} and "ResultPath" not in first
    assert second["ResultPath"] == "$.second" and second["End"] is True
    review = compile_file(EXAMPLES / "activity.py", "review", "jsonpath").definition
    assert _count_states(review) == 2
