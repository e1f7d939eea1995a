"""A custom state: the seed's DynamoDB ``putItem`` snippet spliced in as raw ASL.

``pf.custom_state({...})`` is the CDK's ``sfn.CustomState(state_json=...)``: any
state the language has no construct for. The state is spliced in as written (here
the table is named literally: create it with that name). Natively the state cannot run, so
``native=`` says what it does instead; the local runner needs a mock for it
(``pyflow.testing.run(..., mocks={...})``). Remember the permissions: the
construct's role gets ``dynamodb:PutItem`` from ``pyflow policy``.

    pyflow compile examples/custom_state.py:put_my_entry
    pyflow policy examples/custom_state.py:put_my_entry
"""
import pyflow as pf
from pyflow import task, workflow


@task
def final_step(entry_id: str) -> dict:
    """The seed's ``final step``."""
    return {"stored": entry_id}


def _native_put_item() -> None:
    """What the custom state does when the workflow runs as plain Python: nothing."""
    return None


@workflow(timeout=30)
def put_my_entry(entry_id: str = "MyEntry") -> dict:
    pf.custom_state(
        {
            "Type": "Task",
            "Resource": "arn:aws:states:::dynamodb:putItem",
            "Arguments": {
                "TableName": "montable",
                "Item": {"id": {"S": "MyEntry"}},
            },
        },
        native=_native_put_item,
    )
    return final_step(entry_id)
