"""JSONata definitions on pyflow's runner and on sfnx (an independent JSONata engine)."""
from __future__ import annotations

from typing import Any

import pytest

from pyflow.local import run_definition

sfnx_testing = pytest.importorskip("sfnx.testing")

T = "arn:aws:lambda:us-east-1:123456789012:function:work"

DEFINITIONS: dict[str, tuple[dict[str, Any], Any]] = {
    "output_and_assign": ({
        "QueryLanguage": "JSONata", "StartAt": "A", "States": {
            "A": {"Type": "Pass", "Assign": {"total": "{% $sum($states.input.xs) %}"},
                  "Output": {"n": "{% $count($states.input.xs) %}"}, "Next": "B"},
            "B": {"Type": "Pass", "Output": "{% {'n': $states.input.n, 'total': $total, 'avg': $total / $states.input.n} %}",
                  "End": True}}}, {"xs": [1, 2, 3, 6]}),
    "json_nulls_kept": ({
        "QueryLanguage": "JSONata", "StartAt": "A", "States": {
            "A": {"Type": "Pass", "Assign": {"v": "{% $states.input.x %}", "w": "{% $states.input.w %}"}, "Next": "B"},
            "B": {"Type": "Pass",
                  "Output": "{% {'v': $v, 'w': $w, 'input': $states.input, 'parsed': $parse('{\"y\": null, \"z\": [1, null]}'),"
                            " 'isnull': $states.input.x = null} %}",
                  "End": True}}}, {"x": None, "w": [None, {"k": None}]}),
    "choice_condition": ({
        "QueryLanguage": "JSONata", "StartAt": "C", "States": {
            "C": {"Type": "Choice", "Choices": [
                {"Condition": "{% $states.input.n > 10 %}", "Next": "Big"},
                {"Condition": "{% $states.input.n > 5 %}", "Next": "Mid", "Assign": {"why": "mid"}}],
                "Default": "Small"},
            "Big": {"Type": "Pass", "Output": "big", "End": True},
            "Mid": {"Type": "Pass", "Output": "{% $why %}", "End": True},
            "Small": {"Type": "Pass", "Output": "small", "End": True}}}, {"n": 7}),
    "task_arguments_output": ({
        "QueryLanguage": "JSONata", "StartAt": "T", "States": {
            "T": {"Type": "Task", "Resource": T, "Arguments": {"x": "{% $states.input.x %}", "k": "const"},
                  "Output": "{% $states.result.y & '!' %}", "End": True}}}, {"x": 4}),
    "task_catch_error_output": ({
        "QueryLanguage": "JSONata", "StartAt": "T", "States": {
            "T": {"Type": "Task", "Resource": T, "Arguments": {"x": "{% $states.input.x %}"},
                  "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "H",
                             "Output": "{% $states.errorOutput %}", "Assign": {"failed": True}}], "End": True},
            "H": {"Type": "Pass", "Output": "{% {'err': $states.input.Error, 'failed': $failed} %}", "End": True}}},
        {"x": -1}),
    "map_items_selector": ({
        "QueryLanguage": "JSONata", "StartAt": "M", "States": {
            "M": {"Type": "Map", "Items": "{% $states.input.items %}",
                  "ItemSelector": {"v": "{% $states.context.Map.Item.Value %}", "i": "{% $states.context.Map.Item.Index %}"},
                  "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "Output": "{% $states.input.v * 10 + $states.input.i %}", "End": True}}},
                  "Output": "{% $sum($states.result) %}", "End": True}}}, {"items": [1, 2, 3]}),
    "parallel_and_functions": ({
        "QueryLanguage": "JSONata", "StartAt": "P", "States": {
            "P": {"Type": "Parallel", "Branches": [
                {"StartAt": "A", "States": {"A": {"Type": "Pass", "Output": "{% $partition([1,2,3,4,5], 2) %}", "End": True}}},
                {"StartAt": "B", "States": {"B": {"Type": "Pass", "Output": "{% $range(0, 10, 5) %}", "End": True}}},
                {"StartAt": "C", "States": {"C": {"Type": "Pass", "Output": "{% $parse('{\"a\": [true]}') %}", "End": True}}},
                {"StartAt": "D", "States": {"D": {"Type": "Pass", "Output": "{% $hash('abc', 'SHA-256') %}", "End": True}}}],
                  "End": True}}}, {}),
    "fail_expressions": ({
        "QueryLanguage": "JSONata", "StartAt": "F", "States": {
            "F": {"Type": "Fail", "Error": "{% 'Err.' & $states.input.kind %}", "Cause": "{% $string($states.input.n) %}"}}},
        {"kind": "Bad", "n": 3}),
    "wait_seconds_expression": ({
        "QueryLanguage": "JSONata", "StartAt": "W", "States": {
            "W": {"Type": "Wait", "Seconds": "{% $states.input.s * 2 %}", "Output": "{% $states.input %}", "End": True}}},
        {"s": 5}),
    "undefined_field_fails": ({
        "QueryLanguage": "JSONata", "StartAt": "A", "States": {
            "A": {"Type": "Pass", "Output": "{% $states.input.missing %}", "End": True}}}, {"x": 1}),
}


def work(payload: dict[str, Any]) -> dict[str, Any]:
    if payload["x"] < 0:
        raise ValueError("negative")
    return {"y": str(payload["x"] * 2)}


def _sfnx(definition: dict[str, Any], execution_input: Any) -> tuple[str, Any]:
    def tasks(call: Any) -> Any:
        try:
            return work(call.arguments)
        except ValueError as exc:
            raise sfnx_testing.Failure(type(exc).__name__, str(exc)) from None

    result = sfnx_testing.run(definition, execution_input, tasks)
    if result.error is not None:
        return "FAILED", result.error
    return "SUCCEEDED", result.output


@pytest.mark.parametrize("name", sorted(DEFINITIONS))
def test_same_as_sfnx(name: str) -> None:
    definition, execution_input = DEFINITIONS[name]
    ours = run_definition(definition, execution_input, tasks={"work": work})
    status, value = _sfnx(definition, execution_input)
    assert ours.status == status, (ours.error, ours.cause, value)
    if status == "SUCCEEDED":
        assert ours.output == value
    else:
        assert ours.error == value
