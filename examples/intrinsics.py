"""Accessing state and intrinsic functions: the seed's ``JsonPath`` class.

``JsonPath.string_at("$.OrderId")`` is just ``order_id``; ``JsonPath.format``,
``JsonPath.string_to_json``, ``JsonPath.json_to_string`` and ``JsonPath.array``
are f-strings, ``json.loads``, ``json.dumps`` and list displays. Python's spacing
of ``json.dumps`` is kept.

    pyflow run examples/intrinsics.py:invoke_order_processor --input '{"order_id": "o-42", "obj_str": "{\"a\": [1, 2]}", "value": 7}'
"""
import json

from pyflow import task, workflow


@task
def order_processor(payload: dict) -> dict:
    """The seed's ``InvokeOrderProcessor`` Lambda."""
    return {"processed": payload["OrderId"], "keys": sorted(payload)}


@workflow
def invoke_order_processor(order_id: str, obj_str: str, value: int) -> dict:
    parsed = json.loads(obj_str)                          # JsonPath.string_to_json
    payload = {
        "OrderId": order_id,                              # JsonPath.string_at("$.OrderId")
        "Message": f"The value is {value}.",              # JsonPath.format
        "Parsed": parsed,
        "Text": json.dumps(parsed),                       # JsonPath.json_to_string
        "Both": [order_id, value],                        # JsonPath.array
    }
    result = order_processor(payload)
    return {**result, "text": payload["Text"], "message": payload["Message"]}
