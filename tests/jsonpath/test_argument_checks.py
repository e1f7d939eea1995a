"""``str + value of unknown type`` in a task's (or an AWS service call's) argument on the
JSONPath target: ``States.Format`` joins them exactly when the value is a str, and a Choice
before the task fails the run with Python's TypeError when it is not. Each program runs
natively, on moto's Step Functions interpreter and on pyflow's local runner with the same
outcome; the example that calls DynamoDB, SQS and SNS runs on pyflow's runner against moto's
services."""
from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from pyflow.compiler import compile_file
from pyflow.testing import assert_agrees
from tests.aslvalidator import validate_all
from tests.differential.engines import native
from tests.examples.test_examples_run import ORDER_OK, aws, load  # noqa: F401 - the fixture
from tests.jsonpath import argument_check_programs as ap
from tests.jsonpath.test_jsonpath import (  # noqa: F401 - moto_runner is a fixture
    assert_jsonpath_agrees,
    case_id,
    compile_jsonpath,
    moto_runner,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
VALUES: list[Any] = ["s", "", "é'{}", 1, 2.5, True, None, ["a"], {"a": "b"}]

CASES: dict[Any, list[dict[str, Any]]] = {
    ap.concat_argument: [{"value": v} for v in VALUES],
    ap.concat_after_task: [{"value": v} for v in VALUES],
    ap.two_arguments: [{"a": a, "b": b} for a, b in (("x", "y"), ("x", 1), (None, "y"), ([], {}))],
    ap.concat_in_map: [{"xs": []}, {"xs": ["a", "b"]}, {"xs": ["a", 1]}],
    ap.concat_in_loop: [{"xs": []}, {"xs": ["a", "b"]}, {"xs": [None, "b"]}],
}

ALL = [(wf, i) for wf, inputs in CASES.items() for i in inputs]


@pytest.mark.parametrize("wf,execution_input", ALL, ids=case_id)
def test_agrees_with_native(wf: Any, execution_input: dict[str, Any], moto_runner: Any) -> None:
    assert_jsonpath_agrees(wf, execution_input, moto_runner)


def test_inputs_cover_every_outcome() -> None:
    assert native(ap.concat_argument, {"value": 1}).error == "TypeError"
    assert native(ap.concat_argument, {"value": "é'{}"}).output == "<got: é'{}>"
    assert native(ap.concat_in_map, {"xs": ["a", 1]}).error == "TypeError"


@pytest.mark.parametrize("card,status", [("4242", "shipped"), ("0000", "payment_declined")])
def test_order_processing_aws_runs_locally(aws: dict, card: str, status: str) -> None:
    """`valid["id"] + " " + charge_id` in an SQS message body: checked by a Choice first."""
    sys.modules.pop("pyflow_examples_order_processing_aws", None)  # its clients must be made inside moto
    module = load("order_processing_aws")
    execution_input = {**ORDER_OK, "order": {**ORDER_OK["order"], "card": card},
                       "queue_url": aws["queue_url"], "topic_arn": aws["topic_arn"]}
    execution = assert_agrees(module.process_order_aws, execution_input, query_language="jsonpath")
    assert execution.output["status"] == status


def test_every_definition_passes_asl_validator() -> None:
    definitions = {wf.__name__: compile_jsonpath(wf).definition for wf in CASES}
    definitions["process_order_aws"] = compile_file(EXAMPLES / "order_processing_aws.py", "process_order_aws",
                                                    "jsonpath").definition
    problems = validate_all(definitions)
    assert not problems, json.dumps(problems, indent=2)


def test_one_choice_before_the_task() -> None:
    d = compile_jsonpath(ap.two_arguments).definition
    assert Counter(s["Type"] for s in d["States"].values()) == {"Choice": 1, "Task": 1, "Fail": 1}
    check = d["States"][d["StartAt"]]
    assert check["Choices"][0]["Next"] == "TypeError" and check["Default"] == "pair"
    assert d["States"]["pair"]["Parameters"] == {"a.$": "States.Format('{}1', $.a)", "b.$": "States.Format('2{}', $.b)"}
