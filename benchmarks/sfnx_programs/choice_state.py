"""The seed's "What color is it?" with afterwards() for sfnx (examples/choice_state.py:what_color)."""
from typing import TypedDict

from sfnx import state_machine, task


class Item(TypedDict):
    color: str
    id: int


class Input(TypedDict):
    item: Item


@state_machine
def what_color(input: Input):
    item = input["item"]
    color = item["color"]
    if color == "BLUE":
        note: str = task("${handle_item}", {"color": "BLUE", "item_id": item["id"]})
    elif color == "RED":
        note = task("${handle_item}", {"color": "RED", "item_id": item["id"]})
    else:
        note = "other color: " + color
    return task("${ship_the_item}", {"item_id": item["id"], "note": note})
