"""ONE CDK app, ONE stack, every reference state machine; synthesized in-process once.

``definitions()`` returns ``{machine name: ASL definition dict}``, extracted from the
synthesized template: a ``DefinitionString`` that is a ``Fn::Join`` has its tokens
replaced by plain strings (pseudo parameters by this account's values, a state
machine's ``Ref`` by the ``${name}`` placeholder pyflow's runner resolves with
``state_machines=``). Cached for the life of the process.
"""
from __future__ import annotations

import json
import os
import time
from typing import Any

from benchmarks.reference.common import ACCOUNT, REGION

_CACHE: dict[str, Any] = {}

PSEUDO = {"AWS::Region": REGION, "AWS::AccountId": ACCOUNT, "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com"}


def build_app():
    """The app and a mapping from machine name to its CloudFormation logical id."""
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
    from aws_cdk import App, Environment, Stack
    from aws_cdk import aws_stepfunctions as sfn

    from benchmarks.reference import (
        choice_state, ddb_sqs, fragments, job_poller, map_state, nested, order_processing, paginated,
        parallel_state, task_chaining,
    )

    app = App()
    stack = Stack(app, "CostReference", env=Environment(account=ACCOUNT, region=REGION))
    machines: dict[str, Any] = {}

    def add(name: str, definition: Any, options: dict[str, Any]) -> sfn.StateMachine:
        scope = _scope(stack, name)
        sm = sfn.StateMachine(scope, "StateMachine", definition_body=sfn.DefinitionBody.from_chainable(definition),
                              **options)
        machines[name] = sm
        return sm

    for module in (job_poller, task_chaining, parallel_state, map_state, choice_state, fragments,
                   order_processing, paginated, ddb_sqs):
        scope_name = module.__name__.rsplit(".", 1)[-1]
        built = module.build(_scope(stack, scope_name + "-states"))
        for name, (definition, options) in built.items():
            add(name, definition, options)
    child = add("price_order", nested.build_child(_scope(stack, "price_order-states")), {})
    add("process_batch", nested.build(_scope(stack, "process_batch-states"), child), {})
    logical = {name: stack.get_logical_id(sm.node.default_child) for name, sm in machines.items()}
    return app, stack, logical


def _scope(stack, name):
    from constructs import Construct

    return Construct(stack, name)


def synth() -> dict[str, Any]:
    """{"definitions": {name: dict}, "template": dict, "seconds": float}, cached per process."""
    if "result" in _CACHE:
        return _CACHE["result"]
    started = time.perf_counter()
    app, stack, logical = build_app()
    assembly = app.synth()
    template = assembly.get_stack_by_name(stack.stack_name).template
    by_id = {v: k for k, v in logical.items()}
    definitions = {}
    for name, lid in logical.items():
        props = template["Resources"][lid]["Properties"]
        definitions[name] = json.loads(resolve(props["DefinitionString"], by_id))
    result = {"definitions": definitions, "template": template, "seconds": time.perf_counter() - started}
    _CACHE["result"] = result
    return result


def definitions() -> dict[str, dict[str, Any]]:
    return synth()["definitions"]


def resolve(value: Any, machine_names: dict[str, str]) -> str:
    """A CloudFormation string expression to text, for the tokens a definition holds."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        (fn, arg), = value.items()
        if fn == "Fn::Join":
            sep, parts = arg
            return sep.join(resolve(p, machine_names) for p in parts)
        if fn == "Ref":
            if arg in PSEUDO:
                return PSEUDO[arg]
            if arg in machine_names:
                return "${" + machine_names[arg] + "}"
        if fn == "Fn::GetAtt" and arg[0] in machine_names:
            return "${" + machine_names[arg[0]] + "}"
    raise ValueError(f"cannot resolve {json.dumps(value)} in a state machine definition")


if __name__ == "__main__":
    out = synth()
    print(json.dumps(out["definitions"], indent=2))
    print(f"synthesized in {out['seconds']:.1f} s")
