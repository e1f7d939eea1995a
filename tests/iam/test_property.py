"""Property: the policy covers exactly the actions and resources the Task states use.

Random definitions are built from a pool of Task states, each paired with the
(action, resource) grants it needs (written out by hand, independently of the
policy code), nested in Parallel branches and Map processors, in either query
language. The policy, expanded to (action, resource) pairs, must equal the
union of the pool grants - nothing missing, nothing extra. (An action granted on
"*" absorbs its narrower grants, which the oracle applies too.)
"""
from __future__ import annotations

import itertools
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from pyflow.iam import policy_for_definition

P = "arn:${AWS::Partition}"
RA = "${AWS::Region}:${AWS::AccountId}"
RULE = ("events:DescribeRule", "events:PutRule", "events:PutTargets")


class Dyn:
    """A parameter value computed at run time."""


DYN = Dyn()
Grants = frozenset[tuple[str, str]]


def grants(actions: tuple[str, ...] | str, *resources: str) -> set[tuple[str, str]]:
    actions = (actions,) if isinstance(actions, str) else actions
    return {(a, r) for a in actions for r in resources}


CHILD = "arn:aws:states:us-east-1:123456789012:stateMachine:child"
POOL: list[tuple[str, dict[str, Any] | None, set[tuple[str, str]]]] = [
    ("${fn_a}", None, grants("lambda:InvokeFunction", "${fn_a}", "${fn_a}:*")),
    (
        "arn:aws:states:::lambda:invoke",
        {"FunctionName": "resize", "Payload": DYN},
        grants("lambda:InvokeFunction", f"{P}:lambda:{RA}:function:resize", f"{P}:lambda:{RA}:function:resize:*"),
    ),
    (
        "arn:aws:states:::dynamodb:putItem",
        {"TableName": "users", "Item": {"id": {"S": DYN}}},
        grants("dynamodb:PutItem", f"{P}:dynamodb:{RA}:table/users"),
    ),
    (
        "arn:aws:states:::dynamodb:getItem",
        {"TableName": "orders", "Key": {"id": {"S": DYN}}},
        grants("dynamodb:GetItem", f"{P}:dynamodb:{RA}:table/orders"),
    ),
    (
        "arn:aws:states:::sqs:sendMessage",
        {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/jobs", "MessageBody": DYN},
        grants("sqs:SendMessage", f"{P}:sqs:us-east-1:123456789012:jobs"),
    ),
    (
        "arn:aws:states:::sns:publish",
        {"TopicArn": "arn:aws:sns:us-east-1:123456789012:alerts", "Message": DYN},
        grants("sns:Publish", "arn:aws:sns:us-east-1:123456789012:alerts"),
    ),
    ("arn:aws:states:::sns:publish", {"TopicArn": DYN, "Message": "x"}, grants("sns:Publish", "*")),
    (
        "arn:aws:states:::aws-sdk:s3:getObject",
        {"Bucket": "data", "Key": DYN},
        grants("s3:GetObject", f"{P}:s3:::data/*"),
    ),
    ("arn:aws:states:::aws-sdk:sfn:listStateMachines", {}, grants("states:ListStateMachines", "*")),
    (
        "arn:aws:states:::batch:submitJob.sync",
        {"JobName": "j", "JobQueue": "q", "JobDefinition": "d"},
        grants(("batch:SubmitJob", "batch:DescribeJobs", "batch:TerminateJob"), "*")
        | grants(RULE, f"{P}:events:{RA}:rule/StepFunctionsGetEventsForBatchJobsRule"),
    ),
    (
        "arn:aws:states:::states:startExecution.sync:2",
        {"StateMachineArn": CHILD, "Input": DYN},
        grants("states:StartExecution", CHILD)
        | grants(
            ("states:DescribeExecution", "states:StopExecution"),
            "arn:aws:states:us-east-1:123456789012:execution:child:*",
        )
        | grants(RULE, f"{P}:events:{RA}:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule"),
    ),
    ("arn:aws:states:us-east-1:123456789012:activity:approve", None, set()),
]

# A tree: ("task", pool index) | ("parallel", [[tree...], ...]) | ("map", [tree...])
task = st.tuples(st.just("task"), st.integers(0, len(POOL) - 1))
trees = st.recursive(
    task,
    lambda inner: st.one_of(
        st.tuples(st.just("parallel"), st.lists(st.lists(inner, min_size=1, max_size=3), min_size=1, max_size=3)),
        st.tuples(st.just("map"), st.lists(inner, min_size=1, max_size=3)),
    ),
    max_leaves=12,
)


def render(value: Any, jsonata: bool) -> Any:
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if isinstance(item, Dyn) and not jsonata:
                out[f"{key}.$"] = "$.value"
            else:
                out[key] = render(item, jsonata)
        return out
    if isinstance(value, Dyn):
        return "{% $states.input.value %}"
    return value


def build(nodes: list, jsonata: bool, names: itertools.count, expected: set) -> dict[str, Any]:
    states: dict[str, Any] = {}
    order: list[str] = []
    for node in nodes:
        name = f"S{next(names)}"
        if node[0] == "task":
            resource, params, needs = POOL[node[1]]
            state: dict[str, Any] = {"Type": "Task", "Resource": resource}
            if params is not None:
                state["Arguments" if jsonata else "Parameters"] = render(params, jsonata)
            expected |= needs
        elif node[0] == "parallel":
            state = {"Type": "Parallel", "Branches": [build(b, jsonata, names, expected) for b in node[1]]}
        else:
            key = "ItemProcessor" if next(names) % 2 else "Iterator"
            state = {"Type": "Map", key: build(node[1], jsonata, names, expected)}
        states[name] = state
        order.append(name)
    for here, nxt in zip(order, order[1:]):
        states[here]["Next"] = nxt
    states[order[-1]]["End"] = True
    return {"StartAt": order[0], "States": states}


def absorb(pairs: set[tuple[str, str]]) -> set[tuple[str, str]]:
    starred = {a for a, r in pairs if r == "*"}
    return {(a, r) for a, r in pairs if r == "*" or a not in starred}


@settings(max_examples=60, deadline=None)
@given(st.lists(trees, min_size=1, max_size=5), st.booleans())
def test_policy_covers_exactly_the_tasks(nodes: list, jsonata: bool) -> None:
    expected: set[tuple[str, str]] = set()
    definition = build(nodes, jsonata, itertools.count(), expected)
    if jsonata:
        definition["QueryLanguage"] = "JSONata"
    document = policy_for_definition(definition)
    statements = document["Statement"]
    if not expected:
        assert statements == [{"Effect": "Deny", "Action": "*", "Resource": "*"}]
        return
    actual = {(a, r) for s in statements for a in s["Action"] for r in s["Resource"]}
    assert actual == absorb(expected)
    # grouped by action set: no two statements share one, and no duplicates
    keys = [tuple(s["Action"]) for s in statements]
    assert len(keys) == len(set(keys))
    assert statements == sorted(statements, key=lambda s: (s["Action"], s["Resource"]))
