"""``for`` loops lowered to an inline Map with MaxConcurrency 1 (pyflow.frontend.loops):
native run == compiled run on sfnx and on pyflow's runner, for the loops that become a
Map and for the look-alikes that must stay Choice loops; and the shape of each."""
from __future__ import annotations

import json
from typing import Any

import pytest

from pyflow.compiler import compile_workflow
from pyflow.diagnostics import CompileError
from pyflow.local import run_definition
from tests.differential.engines import Outcome, check, native
from tests.differential.programs import loops

MAPPED = {
    loops.accumulate: [{"xs": [1, 2, 3]}, {"xs": []}, {"xs": [2]}],
    loops.accumulate_locals: [{"orders": [{"id": "a", "qty": 2}, {"id": "b", "qty": 0}]}, {"orders": []},
                              {"orders": [{"id": "a"}]}],
    loops.accumulate_augmented: [{"xs": [3, 1, 2]}, {"xs": []}],
    loops.accumulate_onto_list: [{"xs": [1, 2]}, {"xs": []}],
    loops.side_effects: [{"xs": [1, 5, 2, 7]}, {"xs": []}],
    loops.reused_loop_name: [{"xs": [1, 2], "ys": [3]}, {"xs": [], "ys": []}],
    loops.nested_accumulators: [{"groups": [[1, 2], [], [3]]}, {"groups": []}],
    loops.raises_midway: [{"xs": [1, -2, 3]}, {"xs": [-1]}, {"xs": [4, 5]}],
    loops.local_written_after_append: [{"xs": [1, 2]}],
    loops.non_list_items: [{"xs": [1, "a", [2]]}, {"xs": None}, {"xs": 3}],
    loops.inside_while: [{"xs": [1, 2]}],
    loops.over_range: [{"n": 3}, {"n": 0}],
    loops.with_else: [{"xs": [1]}, {"xs": []}],
    loops.in_handler: [{"xs": [1, 2]}, {"xs": [1, -2]}],
    loops.nested_while_effects: [{"xs": [1, 3]}],
    loops.in_map_body: [{"groups": [[1], [2, 3]]}],
    loops.in_parallel_branch: [{"xs": [1, 2]}, {"xs": []}],
}

KEPT = {
    loops.loop_variable_after: [{"xs": [1, 2]}, {"xs": []}],
    loops.body_local_after: [{"xs": [1, 2]}, {"xs": []}],
    loops.carried: [{"xs": [1, 2, 3]}],
    loops.reads_accumulator: [{"xs": [5, 5]}],
    loops.accumulator_aliased: [{"xs": [1, 2]}],
    loops.accumulator_reset: [{"xs": [1, 0, 2]}],
    loops.with_break: [{"xs": [1, 9, 2]}, {"xs": [1]}],
    loops.with_continue: [{"xs": [1, 9, 2]}],
    loops.with_raise: [{"xs": [1, 9, 2]}, {"xs": [1]}],
    loops.with_return: [{"xs": [1, 9, 2]}, {"xs": [1]}],
    loops.inner_loop_writes_outer: [{"groups": [[1, 2], [3]]}],
    loops.caught_outside: [{"xs": [1, -1, 3]}, {"xs": [1, 2]}, {"xs": []}],
    loops.finally_outside: [{"xs": [1, -1, 3]}, {"xs": [1, 2]}],
    loops.start_not_in_block: [{"xs": [1, 2]}, {"xs": [1], "flag": False}],
    loops.skipped_start: [{"xs": [1, 2], "stop": True}, {"xs": [1, 2], "stop": False}],
    loops.carried_by_enclosing_loop: [{"xs": [1, 2]}],
    loops.subscript_write: [{"xs": [1, 2]}],
    loops.tuple_target: [{"pairs": [[1, 2], [3, 4]]}],
    loops.handler_with_finally: [{"xs": [1, 2]}, {"xs": [1, -2]}],
    loops.assigned_on_one_path: [{"xs": [1, 2, 0]}],
}

MIXED = {loops.fragment_sites: [{"xs": [1, 2]}, {"xs": [1, -1]}]}

CASES = [(wf, i) for table in (MAPPED, KEPT, MIXED) for wf, inputs in table.items() for i in inputs]


def _id(value: Any) -> str:
    return getattr(value, "__name__", None) or json.dumps(value)[:40]


def states(definition: dict[str, Any]) -> list[dict[str, Any]]:
    """Every state (with its name under "name"), those of Map processors and Parallel
    branches included."""
    out = []
    for name, state in definition["States"].items():
        out.append({**state, "name": name})
        if "ItemProcessor" in state:
            out += states(state["ItemProcessor"])
        for branch in state.get("Branches", ()):
            out += states(branch)
    return out


def index_loops(every: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The Choice states of general `for` loops (named "For", "For-<n>", "<fragment>-For")."""
    return [s for s in every if s["Type"] == "Choice" and "For" in s["name"].split("-")]


def run_local(wf: Any, execution_input: dict[str, Any], query_language: str | None = None) -> Outcome:
    compiled = compile_workflow(wf, query_language=query_language)
    ex = run_definition(compiled.definition, execution_input, tasks=compiled.task_functions())
    return Outcome(output=ex.output) if ex.status == "SUCCEEDED" else Outcome(error=ex.error)


@pytest.mark.parametrize("wf,execution_input", CASES, ids=_id)
def test_native_and_sfnx_agree(wf: Any, execution_input: dict[str, Any]) -> None:
    expected, compiled = check(wf, execution_input, reset=loops._log.clear)
    assert expected.agrees_with(compiled), f"native={expected} sfnx={compiled}"


@pytest.mark.parametrize("wf,execution_input", CASES, ids=_id)
def test_native_and_local_runner_agree(wf: Any, execution_input: dict[str, Any]) -> None:
    loops._log.clear()
    expected = native(wf, execution_input)
    loops._log.clear()
    compiled = run_local(wf, execution_input)
    assert expected.agrees_with(compiled), f"native={expected} local={compiled}"


@pytest.mark.parametrize("wf", list(MAPPED), ids=_id)
def test_becomes_a_map_run_one_item_at_a_time(wf: Any) -> None:
    every = states(compile_workflow(wf).definition)
    maps = [s for s in every if s["Type"] == "Map"]
    assert maps and all(m["MaxConcurrency"] == 1 for m in maps)
    assert all(m["ItemProcessor"]["ProcessorConfig"]["Mode"] == "INLINE" for m in maps)
    assert not index_loops(every) and "pf_seq" not in json.dumps(every), "an index loop is left"


@pytest.mark.parametrize("wf", list(KEPT), ids=_id)
def test_look_alikes_stay_choice_loops(wf: Any) -> None:
    every = states(compile_workflow(wf).definition)
    assert not any(s["Type"] == "Map" for s in every)
    assert index_loops(every)


def test_the_accumulator_is_the_map_result() -> None:
    """`totals = []` is not a state of its own: the Map assigns the list it builds."""
    definition = compile_workflow(loops.accumulate).definition
    assert list(definition["States"]) == ["Map_totals"]
    state = definition["States"]["Map_totals"]
    assert state["Items"] == "{% $states.input.xs %}"
    assert state["End"] is True and "Output" not in state and "Assign" not in state  # the list is the output


def test_a_started_list_is_extended() -> None:
    state = next(s for s in compile_workflow(loops.accumulate_onto_list).definition["States"].values()
                 if s["Type"] == "Map")
    assert state["Assign"] == {"acc": "{% $append($acc, $states.result) %}"}


def test_side_effects_keep_pythons_order() -> None:
    loops._log.clear()
    out = run_local(loops.side_effects, {"xs": [4, 1, 9, 2]})
    assert out.output == [4, 0, 9, 0]


@pytest.mark.parametrize("engine", ["local", "sfnx"])
@pytest.mark.parametrize("xs", ["ab", {"a": 1, "b": [2]}], ids=["str", "dict"])
def test_a_str_or_dict_is_iterated_as_python_does(engine: str, xs: Any) -> None:
    """Python iterates characters or keys: the Map's Items are those, never the value itself."""
    if engine == "local":
        out = run_local(loops.non_list_items, {"xs": xs})
    else:
        _, out = check(loops.non_list_items, {"xs": xs})
    assert out.output == list(xs)


def test_a_loop_found_unsound_late_is_lowered_again(tmp_path: Any) -> None:
    """The loop variable read after the loop is only seen on the finished graph: the
    function is lowered again with that loop as a Choice loop, and no diagnostic repeats."""
    src = tmp_path / "flow.py"
    src.write_text(
        "from pyflow import task, workflow\n\n"
        "@task\ndef t(x: int) -> int:\n    return x\n\n"
        "@workflow\ndef wf(xs: list, ys: list) -> list:\n"
        "    out = []\n    for x in xs:\n        out = out + [t(x)]\n"
        "    seen = []\n    for y in ys:\n        seen = seen + [t(y)]\n"
        "    return [out, seen, y]\n")
    every = states(compile_workflow(f"{src}:wf").definition)
    assert [s["Type"] for s in every].count("Map") == 1
    assert len(index_loops(every)) == 1


def test_a_fragment_loop_is_decided_per_call_site() -> None:
    every = states(compile_workflow(loops.fragment_sites).definition)
    assert [s["MaxConcurrency"] for s in every if s["Type"] == "Map"] == [1]
    assert len(index_loops(every)) == 1


def test_errors_are_reported_once_without_a_second_attempt(tmp_path: Any) -> None:
    """A failed first attempt is not lowered again: each diagnostic appears once."""
    src = tmp_path / "flow.py"
    src.write_text(
        "from pyflow import task, workflow\n\n"
        "@task\ndef t(x: int) -> int:\n    return x\n\n"
        "@workflow\ndef wf(xs: list) -> list:\n"
        "    out = []\n    for x in xs:\n        out = out + [t(x)]\n"
        "    print(x)\n    return out\n")
    with pytest.raises(CompileError) as info:
        compile_workflow(f"{src}:wf")
    assert [d.code for d in info.value.diagnostics] == ["PF104"]


def test_a_long_loop_as_a_map_is_named_by_the_history_limit(tmp_path: Any) -> None:
    src = tmp_path / "flow.py"
    src.write_text(
        "from pyflow import task, workflow\n\n"
        "@task\ndef work(i: int) -> int:\n    return i\n\n"
        "@workflow\ndef wf() -> int:\n    for i in range(20000):\n        work(i)\n    return 1\n")
    with pytest.raises(CompileError) as info:
        compile_workflow(f"{src}:wf")
    (d,) = info.value.diagnostics
    assert d.code == "PF120" and "this loop runs 20,000 times" in d.message and d.span.line == 9


def test_live_out_sees_reads_through_loops_and_nested_machines() -> None:
    """cfg.live_out: a variable read only inside a later Map body, or on the next pass of
    an enclosing loop, is live; one assigned before every read is not."""
    import networkx as nx

    from pyflow import ir
    from pyflow.cfg import add_edge, live_out

    body = nx.MultiDiGraph()
    body.add_node(0, op=ir.Entry())
    body.add_node(1, op=ir.Return(ir.BinOp("+", ir.Var("y"), ir.Var("z"))))
    body.add_node(2, op=ir.Assign("z", ir.Const(1)))
    add_edge(body, 0, 2, "next")
    add_edge(body, 2, 1, "next")
    g = nx.MultiDiGraph()
    g.add_node(10, op=ir.Entry())
    g.add_node(11, op=ir.Assign("x", ir.Const(0)))  # the node asked about
    g.add_node(12, op=ir.MapState(ir.Var("xs"), ir.SubMachine(body, 0)))
    g.add_node(13, op=ir.Branch(ir.Var("x")))
    g.add_node(14, op=ir.Return(ir.Const(None)))
    for u, v, k in [(10, 11, "next"), (11, 12, "next"), (12, 13, "next"), (13, 11, "T"), (13, 14, "F")]:
        add_edge(g, u, v, k)
    assert live_out(g, [11]) == {11: {"xs", "y", "x"}}
