"""Every example workflow runs natively and compiled (JSONata, on pyflow's local
runner) and the two agree (DESIGN §1). Examples are imported by file path.

Examples that need what ``assert_agrees`` cannot pass (a mock for a custom state,
an activity's implementation, the definitions of nested workflows) go through
``agree`` below, which does the same comparison with those extras.
"""
from __future__ import annotations

import contextlib
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import pyflow as pf
from pyflow.compiler import compile_file
from pyflow.errors import error_name
from pyflow.testing import assert_agrees, run

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def load(stem: str) -> ModuleType:
    """Import ``examples/<stem>.py`` by path, once."""
    name = f"pyflow_examples_{stem}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{stem}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


ORDER_OK = {"order": {"id": "o-1", "items": [{"sku": "pen", "qty": 2}], "card": "4242"}}
CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("job_poller", "job_poller", {"order": {"id": "o-1", "polls": 2}}),
    ("job_poller", "job_poller", {"order": {"id": "o-1", "polls": 1, "fail": True}}),
    ("pass_state", "add_hello_world", {"order": {"id": "o-1"}}),
    ("pass_state", "add_hello_world", {}),  # missing input: see test_missing_input_is_documented_difference
    ("pass_state", "filter_input", {"input": {"greeting": "hi", "noise": 1}}),
    ("pass_state", "filter_input", {"input": {"noise": 1}}),  # KeyError / engine data error
    ("wait_states", "wait_for_trigger_time", {"trigger_time": "2026-01-01T00:00:00Z", "delay": 3}),
    ("wait_states", "wait_for_trigger_time", {"trigger_time": "2020-06-01T00:00:00+02:00"}),
    ("choice_state", "did_it_work", {"status": "SUCCESS", "attempts": 1}),
    ("choice_state", "did_it_work", {"status": "FAILURE", "attempts": 6}),
    ("choice_state", "did_it_work", {"status": "FAILURE", "attempts": 5}),
    ("choice_state", "what_color", {"item": {"color": "BLUE", "id": 1}}),
    ("choice_state", "what_color", {"item": {"color": "RED", "id": 7}}),
    ("choice_state", "what_color", {"item": {"color": "GREEN", "id": 9}}),
    ("choice_state", "what_color", {"item": {"color": "RED"}}),  # KeyError / engine data error
    ("choice_state", "what_color", {"item": {}}),
    ("choice_state", "conditions", {"event": {"name": "log-1.txt", "size": 3, "ok": True, "at": "2026-03-01T00:00:00Z"},
                                    "limit": 5, "expected": "log-1.txt", "flag": True, "since": "2026-01-01T00:00:00Z"}),
    ("choice_state", "conditions", {"event": {"name": "zz", "size": 2.5, "ok": False, "at": "2024-03-01T00:00:00Z",
                                              "note": "n", "missing": 1},
                                    "limit": 1, "expected": "a", "flag": True, "since": "2025-01-01T00:00:00Z"}),
    ("choice_state", "conditions", {"event": {"name": "", "size": 0, "ok": True, "at": "2026-03-01T00:00:00Z"},
                                    "limit": 0, "expected": "", "flag": False, "since": "2026-03-01T00:00:00Z"}),
    ("parallel_state", "do_the_work", {"order": {"id": "o-1", "items": ["a", "b"]}}),
    ("parallel_state", "do_the_work", {"order": {"id": "o-2", "items": []}}),
    ("map_state", "map_state", {"input_for_map": [1, 2, 3, 4]}),
    ("map_state", "map_state", {"input_for_map": []}),
    ("task_chaining", "chain", {"status": "SUCCESS"}),
    ("task_chaining", "chain", {"status": "PENDING"}),
    ("fragments", "all_jobs", {"branch": "left"}),
    ("fragments", "all_jobs", {"branch": "right"}),
    ("fragments", "all_jobs", {"branch": "up"}),
    ("nested_workflows", "price_order", {"order_id": "a", "qty": 3}),
    ("error_handling", "charge_with_receipt", {"amount": 120}),
    ("error_handling", "charge_with_receipt", {"amount": 5000}),
    ("error_handling", "charge_with_receipt", {"amount": -5}),
    ("error_handling", "must_be_positive", {"n": 1}),
    ("error_handling", "must_be_positive", {"n": 0}),
    ("error_handling", "must_be_positive", {"n": -1}),
    ("error_handling", "audit_then_reraise", {"amount": 10}),
    ("error_handling", "audit_then_reraise", {"amount": 5000}),
    ("intrinsics", "invoke_order_processor", {"order_id": "o-42", "obj_str": "{\"a\": [1, 2.5, \"x\"], \"b\": {}}", "value": 7}),
    ("order_processing", "process_order", ORDER_OK),
    ("order_processing", "process_order", {"order": {"id": "o-2", "items": [{"sku": "pen", "qty": 2}], "card": "0000"}}),
    ("order_processing", "process_order", {"order": {"id": "o-3", "items": [{"sku": "lamp", "qty": 1}], "card": "4242",
                                                     "address": "nowhere"}}),
    ("order_processing", "process_order", {"order": {"id": "o-4", "items": [], "card": "4242"}}),
    ("order_processing", "process_order", {"order": {"id": "o-5", "items": [{"sku": "book", "qty": 9}], "card": "1"}}),
]


@pytest.mark.parametrize("stem,fn,execution_input", CASES,
                         ids=[f"{s}:{f}-{i}" for i, (s, f, _) in enumerate(CASES)])
def test_native_and_compiled_agree(stem: str, fn: str, execution_input: dict[str, Any]) -> None:
    assert_agrees(getattr(load(stem), fn), execution_input)


def native(workflow: Any, execution_input: dict[str, Any]) -> tuple[str, Any]:
    with pf.virtual_time():
        try:
            return "SUCCEEDED", workflow.run(execution_input)
        except Exception as exc:  # noqa: BLE001
            return "FAILED", error_name(exc)


def agree(workflow: Any, execution_input: dict[str, Any], **extras: Any) -> Any:
    """``assert_agrees`` with extras for the local runner (mocks, tasks, state_machines)."""
    expected = native(workflow, execution_input)
    execution = run(workflow, execution_input, **extras)
    got = (execution.status, execution.output if execution.status == "SUCCEEDED" else execution.error)
    assert json.dumps(got, sort_keys=True) == json.dumps(expected, sort_keys=True), (got, expected, execution.cause)
    return execution


def test_json_null_round_trip() -> None:
    assert_agrees(load("intrinsics").invoke_order_processor,
                  {"order_id": "o", "obj_str": "{\"a\": [1, null]}", "value": 1})


def test_missing_input_is_documented_difference() -> None:
    """docs/semantics.md: natively pyflow.MissingInput; compiled (JSONata) the engine's
    States.QueryEvaluationError whose cause names pyflow.MissingInput."""
    module = load("pass_state")
    assert native(module.add_hello_world, {}) == ("FAILED", "pyflow.MissingInput")
    execution = run(module.add_hello_world, {})
    assert execution.status == "FAILED"
    assert execution.error in ("pyflow.MissingInput", "States.QueryEvaluationError")
    assert "pyflow.MissingInput" in (execution.cause or "")


@pytest.mark.parametrize("orders", [[{"id": "a", "qty": 2}, {"id": "b", "qty": 0}], []])
def test_nested_workflows(orders: list) -> None:
    module = load("nested_workflows")
    child = compile_file(EXAMPLES / "nested_workflows.py", "price_order").definition
    execution = agree(module.process_batch, {"orders": orders}, state_machines={"price_order": child})
    if orders:
        assert execution.output == {"orders": 2, "revenue": 500}


def test_custom_state_with_a_mock() -> None:
    module = load("custom_state")
    execution = agree(module.put_my_entry, {}, mocks={"arn:aws:states:::dynamodb:putItem": {"result": {}}})
    assert execution.output == {"stored": "MyEntry"}


@pytest.mark.parametrize("total,approved", [(80, True), (250, False)])
def test_activity_with_its_local_worker(total: int, approved: bool) -> None:
    module = load("activity")
    execution = agree(module.review, {"order": {"id": "o-1", "total": total}},
                      tasks={"${review_order}": module.review_locally, "review_order": module.review_locally})
    assert execution.output["decision"]["approved"] is approved


def test_activity_runs_locally_on_its_local_implementation(tmp_path: Path) -> None:
    """`pyflow run` and pyflow.testing.run answer an Activity with its ``local=``, as the native run does."""
    module = load("activity")
    execution = agree(module.review, {"order": {"id": "o-2", "total": 80}})
    assert execution.output["message"] == "order o-2 approved"
    run = subprocess.run([sys.executable, "-m", "pyflow.cli", "run", str(EXAMPLES / "activity.py") + ":review",
                          "--input", '{"order": {"id": "o-3", "total": 250}}'],
                         capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["decision"] == {"id": "o-3", "approved": False}


def test_activity_worker_answers_through_pyflow_worker() -> None:
    """The worker (pyflow.worker.run_worker) against a fake Step Functions client."""
    module = load("activity")
    calls: list[tuple[str, dict]] = []
    inputs = [{"id": "o-9", "total": 50}, {"total": 1}]  # the second has no id: a KeyError

    class FakeSfn:
        def get_activity_task(self, **kw: Any) -> dict:
            calls.append(("get", kw))
            return {"taskToken": f"tok{len(calls)}", "input": json.dumps(inputs.pop(0))}

        def send_task_success(self, **kw: Any) -> None:
            calls.append(("success", kw))

        def send_task_failure(self, **kw: Any) -> None:
            calls.append(("failure", kw))

    assert module.serve("arn:aws:states:us-east-1:123456789012:activity:review_order", max_tasks=2,
                        client=FakeSfn()) == 2
    assert calls[1] == ("success", {"taskToken": "tok1", "output": json.dumps({"id": "o-9", "approved": True})})
    assert calls[3][0] == "failure" and calls[3][1]["error"] == "KeyError"


@pytest.fixture()
def aws(monkeypatch: pytest.MonkeyPatch):
    """moto in place of AWS: boto3 calls made natively and by the local runner both land there."""
    moto = pytest.importorskip("moto")
    for key, value in {"AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "testing",
                       "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(key, value)
    with moto.mock_aws():
        import boto3

        ddb = boto3.client("dynamodb")
        # A mock another test's fixture keeps active in this worker shares its state with
        # this one, so the table may already be there: start from an empty one.
        with contextlib.suppress(ddb.exceptions.ResourceNotFoundException):
            ddb.delete_table(TableName="orders")
        ddb.create_table(TableName="orders", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                         BillingMode="PAY_PER_REQUEST")
        queue_url = boto3.client("sqs").create_queue(QueueName="shipping")["QueueUrl"]
        topic_arn = boto3.client("sns").create_topic(Name="orders")["TopicArn"]
        try:
            yield {"ddb": ddb, "queue_url": queue_url, "topic_arn": topic_arn}
        finally:
            ddb.delete_table(TableName="orders")
            boto3.client("sqs").delete_queue(QueueUrl=queue_url)


@pytest.mark.parametrize("card,status", [("4242", "shipped"), ("0000", "payment_declined")])
def test_order_processing_aws(aws: dict, card: str, status: str) -> None:
    definition = compile_file(EXAMPLES / "order_processing_aws.py", "process_order_aws").definition
    resources = {s.get("Resource") for s in definition["States"].values() if s["Type"] == "Task"}
    assert {"arn:aws:states:::dynamodb:putItem", "arn:aws:states:::sqs:sendMessage",
            "arn:aws:states:::sns:publish"} <= resources
    sys.modules.pop("pyflow_examples_order_processing_aws", None)  # its clients must be made inside moto
    module = load("order_processing_aws")
    execution_input = {**ORDER_OK, "order": {**ORDER_OK["order"], "card": card},
                       "queue_url": aws["queue_url"], "topic_arn": aws["topic_arn"]}
    execution = assert_agrees(module.process_order_aws, execution_input)
    assert execution.output["status"] == status
    item = aws["ddb"].get_item(TableName="orders", Key={"id": {"S": "o-1"}})["Item"]
    assert item["status"]["S"] == ("RESERVED" if status == "shipped" else "DECLINED")


def test_every_example_workflow_is_exercised() -> None:
    """A new example without a run here fails this test."""
    from tests.compiler.test_examples import example_targets

    covered = {(s, f) for s, f, _ in CASES} | {("nested_workflows", "process_batch"), ("custom_state", "put_my_entry"),
                                                ("activity", "review"), ("order_processing_aws", "process_order_aws")}
    targets = {(p.stem, fn) for p, fn in example_targets()}
    assert targets <= covered, sorted(targets - covered)
