"""`pyflow graph`: every example and differential program drawn, read back and checked against its ASL."""
from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import zlib
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from pyflow.cli import main
from pyflow.compiler import compile_file
from pyflow.diagnostics import CompileError, Reporter
from pyflow.frontend.modules import ModuleLoader
from pyflow.graph import build_graph, draw, rule_text, to_dot, to_mermaid
from pyflow.graph.render import find_dot
from tests.graph.mermaid_parser import Flowchart, parse

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
PROGRAMS = ROOT / "tests" / "differential" / "programs"
JOB_POLLER = f"{EXAMPLES / 'job_poller.py'}:job_poller"
START, END = "<start>", "<end>"
SHAPE_OF = {"Task": "rounded", "Pass": "rect", "Wait": "hexagon", "Choice": "diamond", "Parallel": "subroutine",
            "Map": "subroutine", "Succeed": "stadium", "Fail": "flag"}
NO_DOT = "Graphviz `dot` is not installed (Debian package graphviz)"


def workflows(path: Path) -> list[str]:
    mod = ModuleLoader(Reporter()).load(path)
    assert mod is not None, path
    return sorted(f.name for f in mod.functions.values() if f.kind == "workflow")


def targets(*folders: Path) -> list[tuple[Path, str]]:
    return [(p, fn) for folder in folders for p in sorted(folder.glob("*.py")) if p.name != "__init__.py"
            for fn in workflows(p)]


def compiled(path: Path, fn: str, lang: str = "jsonata") -> Any:
    try:
        return compile_file(path, fn, lang)
    except CompileError as exc:
        if lang == "jsonpath":
            pytest.skip(f"{path.name}:{fn} is not in the JSONPath target: {exc.diagnostics[0].message}")
        pytest.skip(f"{path.name}:{fn} does not compile (the examples' own tests report it): "
                    f"{exc.diagnostics[0].message}")


def expected_edges(definition: dict[str, Any]) -> Counter:
    """(from, to, dashed) of every arrow the picture must have, read straight from the ASL."""
    edges: Counter = Counter({(START, definition["StartAt"], False): 1})

    def walk(machine: dict[str, Any], exit_: Any, top: bool) -> None:
        for name, st in machine["States"].items():
            kind = st["Type"]
            src = ("join", name) if kind in ("Parallel", "Map") else name
            for rule in st.get("Choices", []):
                edges[(src, rule["Next"], False)] += 1
            for key in ("Default", "Next"):
                if key in st:
                    edges[(src, st[key], False)] += 1
            for catcher in st.get("Catch", []):
                edges[(src, catcher["Next"], True)] += 1
            if st.get("End") is True or kind == "Succeed" or (kind == "Fail" and top):
                edges[(src, exit_, False)] += 1
            bodies = st.get("Branches", []) if kind == "Parallel" else (
                [st.get("ItemProcessor") or st.get("Iterator")] if kind == "Map" else [])
            for body in bodies:
                edges[(name, body["StartAt"], False)] += 1
                walk(body, ("join", name), False)

    walk(definition, END, True)
    return edges


def all_states(machine: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for name, st in machine["States"].items():
        out[name] = st
        for body in st.get("Branches", []) + [b for b in (st.get("ItemProcessor"), st.get("Iterator")) if b]:
            out.update(all_states(body))
    return out


def names_of(chart: Flowchart) -> dict[str, Any]:
    """Mermaid node id -> state name, START, END or ("join", Parallel/Map state)."""
    names: dict[str, Any] = {}
    for node in chart.nodes.values():
        if node.shape == "circle" and node.label == ["Start"] and node.subgraph is None:
            names[node.id] = START
        elif node.shape == "double-circle":
            names[node.id] = END
        elif node.shape not in ("circle", "double-circle"):
            names[node.id] = node.label[0]
    for node in chart.nodes.values():
        if node.shape == "circle" and node.label == [" "]:
            owners = [n.label[0] for n in chart.nodes.values() if n.subgraph == node.subgraph and n.shape == "subroutine"]
            assert len(owners) == 1, node
            names[node.id] = ("join", owners[0])
    return names


def check_against_asl(text: str, definition: dict[str, Any], source_map: dict[str, Any]) -> Flowchart:
    chart = parse(text)
    states = all_states(definition)
    names = names_of(chart)
    drawn = {names[n.id]: n for n in chart.nodes.values() if isinstance(names[n.id], str) and names[n.id] not in (START, END)}
    assert sorted(drawn) == sorted(states)
    for name, node in drawn.items():
        kind = states[name]["Type"]
        assert node.shape == SHAPE_OF[kind], name
        assert chart.classes[node.id].removesuffix("_visited") == "st_" + kind.lower()
        line = (source_map.get(name) or {}).get("line")
        if line:
            assert f"L{line}" in node.label[1], (name, node.label)
    got = Counter((names[e.src], names[e.dst], e.dashed) for e in chart.edges)
    assert got == expected_edges(definition)
    for e in chart.edges:  # Choice edges carry the Python conditions (or "else")
        src = names[e.src]
        if isinstance(src, str) and src in states and states[src]["Type"] == "Choice":
            conditions = [c for c in (source_map.get(src) or {}).get("conditions") or [] if c]
            asl = [rule_text(r) for r in states[src]["Choices"]]  # where the source map has no text
            assert e.label in conditions + asl + ["else"], (src, e.label)
        if e.dashed:
            assert e.label and "States" in e.label or e.label.split("\n")[0].isidentifier()
    return chart


ALL = targets(EXAMPLES, PROGRAMS)


@pytest.mark.parametrize("lang", ["jsonata", "jsonpath"])
@pytest.mark.parametrize("path,fn", ALL, ids=lambda v: getattr(v, "stem", v))
def test_every_workflow_draws_and_reads_back(path: Path, fn: str, lang: str) -> None:
    wf = compiled(path, fn, lang)
    from pyflow.cli.graph_cmd import source_map_for

    source_map = source_map_for(wf)
    mermaid = draw(wf.definition, "mermaid", source_map, title=wf.name)
    dot = draw(wf.definition, "dot", source_map, title=wf.name)
    assert draw(wf.definition, "mermaid", source_map, title=wf.name) == mermaid  # deterministic
    assert draw(wf.definition, "dot", source_map, title=wf.name) == dot
    check_against_asl(mermaid.decode(), wf.definition, source_map)
    assert dot.decode().startswith("digraph ") and dot.decode().rstrip().endswith("}")


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG signature"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    assert zlib.crc32(data[12:29]) == struct.unpack(">I", data[29:33])[0], "IHDR CRC"
    return struct.unpack(">II", data[16:24])


@pytest.mark.skipif(find_dot() is None, reason=NO_DOT)
@pytest.mark.parametrize("path,fn", targets(EXAMPLES), ids=lambda v: getattr(v, "stem", v))
def test_every_example_renders_to_png(path: Path, fn: str, tmp_path: Path) -> None:
    compiled(path, fn)  # skips what does not compile
    out = tmp_path / f"{fn}.png"
    assert main(["graph", f"{path}:{fn}", "--format", "png", "-o", str(out)]) == 0
    data = out.read_bytes()
    width, height = png_size(data)
    assert 100 <= width <= 20000 and 100 <= height <= 20000, (width, height)
    assert len(data) > 1024
    assert data.endswith(b"IEND\xaeB`\x82")


@pytest.mark.skipif(find_dot() is None, reason=NO_DOT)
def test_svg(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", JOB_POLLER, "--format", "svg"]) == 0
    svg = capsys.readouterr().out
    assert "<svg" in svg and "status == &quot;FAILED&quot;" in svg and "L46" in svg


def test_job_poller_picture(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", JOB_POLLER]) == 0
    chart = parse(capsys.readouterr().out)
    names = names_of(chart)
    labels = {(names[e.src], names[e.dst]): e.label for e in chart.edges}
    assert labels[("If", "JobFailed")] == 'status == "FAILED"'
    assert labels[("If", "final_status")] == 'status == "SUCCEEDED"'
    assert labels[("If", "Wait")] == "else"
    node = {names[n.id]: n for n in chart.nodes.values()}
    assert node["get_status"].label == ["get_status", "Task · L45"]
    assert node["If"].shape == "diamond" and node["JobFailed"].shape == "flag"
    assert (names[chart.edges[0].src], names[chart.edges[0].dst]) == (START, "submit_job")


def test_jsonpath_compile_borrows_lines_and_conditions(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", JOB_POLLER, "--query-language", "jsonpath"]) == 0
    chart = parse(capsys.readouterr().out)
    names = names_of(chart)
    labels = {(names[e.src], names[e.dst]): e.label for e in chart.edges}
    assert labels[("If", "JobFailed")] == 'status == "FAILED"'
    assert any(n.label == ["If", "Choice · L46"] for n in chart.nodes.values())


@pytest.mark.parametrize("suffix,condition", [("", '$status = "FAILED"'), (".jsonpath", '$.status == "FAILED"')])
def test_plain_asl_file(suffix: str, condition: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = EXAMPLES / f"job_poller.job_poller{suffix}.asl.json"
    assert main(["graph", str(path)]) == 0
    text = capsys.readouterr().out
    definition = json.loads(path.read_text())
    chart = check_against_asl(text, definition, {})
    names = names_of(chart)
    assert {e.label for e in chart.edges if names[e.dst] == "JobFailed"} == {condition}
    assert main(["graph", str(path), "--format", "dot"]) == 0
    assert "digraph" in capsys.readouterr().out


def test_catch_edges_are_dashed_and_name_the_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", f"{PROGRAMS / 'errors.py'}:pay"]) == 0
    chart = parse(capsys.readouterr().out)
    names = names_of(chart)
    catches = [(names[e.src], names[e.dst], e.label) for e in chart.edges if e.dashed]
    assert ("charge", "Set_pf_ret2", "PaymentDeclined") in catches
    assert any(label.startswith("ValueError\n") and label.endswith("more") for _, _, label in catches)
    assert all(not e.dashed for e in chart.edges if names[e.src] == "charge" and names[e.dst] == "Set_status")
    assert main(["graph", f"{PROGRAMS / 'errors.py'}:pay", "--format", "dot"]) == 0
    dot = capsys.readouterr().out
    assert 's_charge -> s_Set_pf_ret2 [label=" PaymentDeclined ", style=dashed' in dot


def test_parallel_branches_and_map_bodies_are_clusters(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", f"{PROGRAMS / 'concurrency.py'}:parallel_sum"]) == 0
    chart = parse(capsys.readouterr().out)
    titles = sorted(title for title, _ in chart.subgraphs.values())
    assert titles == [" ", "Branch 1", "Branch 2"]
    by_label = {n.label[0]: n for n in chart.nodes.values()}
    assert chart.subgraphs[by_label["add-2"].subgraph][0] == "Branch 2"
    assert chart.subgraphs[by_label["add-2"].subgraph][1] == by_label["Parallel"].subgraph
    assert main(["graph", f"{PROGRAMS / 'concurrency.py'}:for_map", "--format", "dot"]) == 0
    dot = capsys.readouterr().out
    assert 'label="for each item · max concurrency 2"' in dot and dot.count("subgraph cluster_") == 2


def test_rule_text_for_jsonpath_rules() -> None:
    rule = {"And": [{"Variable": "$.n", "NumericGreaterThanEquals": 1},
                    {"Not": {"Variable": "$.s", "StringMatches": "a*"}},
                    {"Variable": "$.x", "IsPresent": False},
                    {"Variable": "$.t", "TimestampLessThanPath": "$.u"}], "Next": "X"}
    assert rule_text(rule) == '($.n >= 1) and (not ($.s matches "a*")) and ($.x is not present) and ($.t < $.u)'
    assert rule_text({"Condition": "{% $a > 1 %}", "Next": "X"}) == "$a > 1"


def test_execution_overlay(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    trace = tmp_path / "trace.json"
    code = main(["run", JOB_POLLER, "--input", '{"order": {"id": "o-1", "polls": 2}}', "--trace", "--json"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["states"] == ["submit_job", "Wait", "get_status", "If", "Wait", "get_status", "If", "final_status"]
    trace.write_text(json.dumps(result))
    assert main(["graph", JOB_POLLER, "--execution", str(trace)]) == 0
    chart = parse(capsys.readouterr().out)
    names = names_of(chart)
    visited_nodes = {names[i] for i, c in chart.classes.items() if c.endswith("_visited")}
    assert visited_nodes == {START, END, "submit_job", "Wait", "get_status", "If", "final_status"}
    taken = {(names[e.src], names[e.dst]) for i, e in enumerate(chart.edges) if "stroke-width:3px" in chart.link_styles.get(i, "")}
    assert taken == {(START, "submit_job"), ("submit_job", "Wait"), ("Wait", "get_status"), ("get_status", "If"),
                     ("If", "Wait"), ("If", "final_status"), ("final_status", END)}
    assert main(["graph", JOB_POLLER, "--execution", str(trace), "--format", "dot"]) == 0
    dot = capsys.readouterr().out
    assert "s_If -> s_final_status [label=\" status == \\\"SUCCEEDED\\\" \", color=\"#2f9e44\", penwidth=2.8]" in dot
    assert "s_If -> s_JobFailed [label=\" status == \\\"FAILED\\\" \"];" in dot


def test_execution_overlay_in_a_parallel() -> None:
    wf = compile_file(PROGRAMS / "concurrency.py", "parallel_sum")
    graph = build_graph(wf.definition, wf.source_map, visited=["Start", "Parallel", "double", "add", "add-2"])
    taken = {(e.src, e.dst) for e in graph.edges if e.visited}
    assert ("s_double", "s_add") in taken and ("s_Parallel__join", "pf_end") in taken
    assert all(e.visited for e in graph.edges) and all(n.visited for n in graph.nodes)
    assert "linkStyle" in to_mermaid(graph) and "penwidth=3" in to_dot(graph)


def test_execution_file_forms(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for content in (["submit_job"], {"history": [{"type": "TaskStateEntered",
                                                  "stateEnteredEventDetails": {"name": "submit_job"}}]}):
        path = tmp_path / "t.json"
        path.write_text(json.dumps(content))
        assert main(["graph", JOB_POLLER, "--execution", str(path)]) == 0
        assert "class s_submit_job st_task_visited" in capsys.readouterr().out
    path = tmp_path / "bad.json"
    path.write_text('{"nothing": 1}')
    assert main(["graph", JOB_POLLER, "--execution", str(path)]) == 1
    assert "pyflow run --trace --json" in capsys.readouterr().err


def test_missing_dot_is_one_clear_line(tmp_path: Path) -> None:
    env = dict(os.environ, PATH=str(tmp_path))  # no dot (nor anything else) on PATH
    proc = subprocess.run([sys.executable, "-m", "pyflow.cli", "graph", JOB_POLLER, "--format", "png",
                           "-o", str(tmp_path / "x.png")], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=60)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "graphviz" in lines[0] and "dot" in lines[0], proc.stderr
    assert not (tmp_path / "x.png").exists()
    # text formats need no Graphviz
    proc = subprocess.run([sys.executable, "-m", "pyflow.cli", "graph", JOB_POLLER, "--format", "dot"],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
    assert proc.returncode == 0 and proc.stdout.startswith("digraph")


def test_errors_are_reported_not_raised(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.asl.json"
    bad.write_text('{"no": "states"}')
    assert main(["graph", str(bad)]) == 1
    assert capsys.readouterr().err.startswith("pyflow graph: ")
    assert main(["graph", str(tmp_path / "missing.asl.json")]) == 1
    assert "cannot read" in capsys.readouterr().err


HAND_WRITTEN = {  # JSONPath, with what pyflow's JSONPath target does not emit yet
    "StartAt": "Check",
    "States": {
        "Check": {"Type": "Choice", "Choices": [
            {"And": [{"Variable": "$.n", "NumericGreaterThan": 0}, {"Not": {"Variable": "$.s", "IsNull": True}}],
             "Next": "Fan out"}], "Default": "Nothing to do"},
        "Nothing to do": {"Type": "Succeed"},
        "Fan out": {"Type": "Parallel", "Next": "Each", "Catch": [
            {"ErrorEquals": ["States.TaskFailed", "Custom"], "Next": "Give up"}], "Branches": [
            {"StartAt": "Put", "States": {"Put": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
                                                  "Parameters": {}, "Retry": [{"ErrorEquals": ["States.ALL"]}],
                                                  "End": True}}},
            {"StartAt": "Pause", "States": {"Pause": {"Type": "Wait", "Seconds": 3, "Next": "Done"},
                                            "Done": {"Type": "Succeed"}}},
            {"StartAt": "Boom", "States": {"Boom": {"Type": "Fail", "Error": "Custom"}}}]},
        "Each": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 3, "End": True, "Iterator": {
            "StartAt": "Work \"quoted\" <b>|#", "States": {"Work \"quoted\" <b>|#": {"Type": "Pass", "End": True}}}},
        "Give up": {"Type": "Fail", "Error": "Failed"},
    },
}


def test_hand_written_jsonpath_definition(tmp_path: Path) -> None:
    text = to_mermaid(build_graph(HAND_WRITTEN))
    chart = check_against_asl(text, HAND_WRITTEN, {})
    names = names_of(chart)
    labels = {(names[e.src], names[e.dst]): e.label for e in chart.edges}
    assert labels[("Check", "Fan out")] == "($.n > 0) and (not ($.s is null))"
    assert labels[(("join", "Fan out"), "Give up")] == "States.TaskFailed\nCustom"
    assert ("Boom", ("join", "Fan out")) not in labels  # a Fail in a branch fails the Parallel: no arrow on
    node = {names[n.id]: n for n in chart.nodes.values()}
    assert node["Put"].label == ["Put", "Task · dynamodb:putItem · retry"]
    assert node["Pause"].label == ["Pause", "Wait · 3s"]
    assert 'Work "quoted" <b>|#' in node
    assert sorted(t for t, _ in chart.subgraphs.values()) == [" ", " ", "Branch 1", "Branch 2", "Branch 3",
                                                              "for each item · max concurrency 3"]
    if find_dot() is not None:
        width, height = png_size(draw(HAND_WRITTEN, "png"))
        assert width > 100 and height > 100
