"""The ASL model round-trips every definition pyflow writes, byte for byte, and
FIELD_ORDER is the order the backends emit (no compiled state needs its own order)."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


from pyflow.asl import model
from pyflow.compiled import dumps_definition

ROOT = Path(__file__).resolve().parents[2]
#: The refactoring snapshot (tools/snapshot.py), when one has been written on this machine.
SNAPSHOT = Path(os.environ.get("PYFLOW_SNAPSHOT", "/tmp/snap-base"))


def definitions() -> list[Path]:
    files = sorted(ROOT.glob("examples/*.asl.json"))
    if SNAPSHOT.is_dir():
        files += sorted(SNAPSHOT.glob("*.asl.json"))
    return files


def _load(path: Path) -> dict[str, Any] | None:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return None  # a snapshot of diagnostics, not a definition
    return value if isinstance(value, dict) and "States" in value else None


def _reordered(machine: model.Machine) -> list[str]:
    """Paths of the states that needed their source's field order."""
    found = [".".join(map(str, v.path)) for v in model.walk(machine)
             if v.state.order is not None and not isinstance(v.state, model.RawState)]
    return found


def test_every_definition_round_trips_byte_identically() -> None:
    files = definitions()
    assert len(files) >= 38
    checked = 0
    for path in files:
        raw = _load(path)
        if raw is None:
            continue
        text = path.read_text(encoding="utf-8")
        machine = model.from_dict(raw)
        assert dumps_definition(model.to_dict(machine)) == text, path
        assert _reordered(machine) == [], path  # FIELD_ORDER is what the backends write
        checked += 1
    assert checked >= 38


def test_unknown_fields_and_foreign_order_are_kept() -> None:
    raw = {"StartAt": "A", "Comment": "c", "States": {
        "A": {"Next": "B", "Type": "Task", "Resource": "arn:x", "X-Custom": {"k": 1},
              "Retry": [{"MaxAttempts": 2, "ErrorEquals": ["E"], "Extra": True}], "Catch": "not a list"},
        "B": {"Type": "Mystery", "Whatever": 1},
        "C": {"Type": "Pass", "End": True, "ResultPath": None},
    }, "x-top": 3}
    machine = model.from_dict(raw)
    assert json.dumps(model.to_dict(machine)) == json.dumps(raw)
    a = machine.states["A"]
    assert isinstance(a, model.Task) and a.extra == {"X-Custom": {"k": 1}}
    assert a.retry[0].extra == {"Extra": True} and a.catch == "not a list"
    assert isinstance(machine.states["B"], model.RawState)
    c = machine.states["C"]
    assert isinstance(c, model.Pass) and c.result_path is None and c.result is model.ABSENT


def test_a_built_machine_serialises_in_table_order() -> None:
    task = model.Task(resource="arn:aws:states:::lambda:invoke", arguments={"a": 1}, next="Done",
                      catch=[model.Catch(error_equals=["States.ALL"], next="Done")],
                      retry=[model.Retry(error_equals=["States.ALL"], max_attempts=3)])
    machine = model.Machine(query_language="JSONata", start_at="T",
                            states={"T": task, "Done": model.Succeed()})
    out = model.to_dict(machine)
    assert list(out) == ["QueryLanguage", "StartAt", "States"]
    assert list(out["States"]["T"]) == ["Type", "Resource", "Arguments", "Next", "Catch", "Retry"]
    task.arguments = model.ABSENT
    assert list(model.to_dict(task, "JSONPath")) == ["Type", "Resource", "Retry", "Catch", "Next"]


def test_walk_visits_nested_states_with_paths_and_languages() -> None:
    raw = {"QueryLanguage": "JSONata", "StartAt": "P", "States": {
        "P": {"Type": "Parallel", "End": True, "Branches": [
            {"StartAt": "B1", "States": {"B1": {"Type": "Pass", "End": True, "QueryLanguage": "JSONPath"}}},
            {"StartAt": "M", "States": {"M": {"Type": "Map", "End": True, "ItemProcessor": {
                "StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:r", "End": True}}}}}},
        ]}}}
    expected = [(("P",), "JSONata"), (("P", "Branches", 0, "B1"), "JSONPath"),
                (("P", "Branches", 1, "M"), "JSONata"),
                (("P", "Branches", 1, "M", "ItemProcessor", "T"), "JSONata")]
    for source in (raw, model.from_dict(raw)):
        visits = list(model.walk(source))
        assert [(v.path, v.language) for v in visits] == expected
        assert visits[3].parent is visits[2].state
    assert [v.name for v in model.walk(raw["States"])] == ["P", "B1", "M", "T"]
