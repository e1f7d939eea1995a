"""Pass states: inject a fixed result, or build new parameters from the input.

In the CDK you write ``sfn.Pass(result=..., result_path="$.subObject")`` or
``sfn.Pass(parameters={...})``. In pyflow a Pass is just an assignment or a dict
you build: expressions without task calls are folded into neighbouring states or
become a ``Pass`` state.

    pyflow compile examples/pass_state.py:add_hello_world
    pyflow run examples/pass_state.py:add_hello_world --input '{"order": {"id": "o-1"}}'
    pyflow run examples/pass_state.py:filter_input --input '{"input": {"greeting": "hi", "noise": 1}}'
"""
from pyflow import task, workflow


@task
def next_state(data: dict) -> dict:
    """The seed's ``NextState``: here a task that receives the enriched data."""
    return {**data, "seen": True}


@workflow
def add_hello_world(order: dict) -> dict:
    # sfn.Pass(result=Result.from_object({"hello": "world"}), result_path="$.subObject")
    sub_object = {"hello": "world"}
    data = {**order, "subObject": sub_object}
    return next_state(data)


@workflow
def filter_input(input: dict) -> dict:
    # sfn.Pass(parameters={"input": JsonPath.string_at("$.input.greeting"), "other_data": "some-extra-stuff"})
    params = {"input": input["greeting"], "other_data": "some-extra-stuff"}
    return params
