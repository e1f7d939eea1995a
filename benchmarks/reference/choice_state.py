"""The seed's "What color is it?": a Choice whose branches join again with afterwards()."""
from aws_cdk import aws_stepfunctions as sfn

from benchmarks.reference.common import invoke


def build(scope):
    choice = sfn.Choice(scope, "What color is it?")
    handle_blue_item = invoke(scope, "HandleBlueItem", "handle_item", {"color": "BLUE", "item_id.$": "$.item.id"},
                              result_path="$.note")
    handle_red_item = invoke(scope, "HandleRedItem", "handle_item", {"color": "RED", "item_id.$": "$.item.id"},
                             result_path="$.note")
    handle_other_item_color = sfn.Pass(scope, "HandleOtherItemColor",
                                       parameters={"value.$": "States.Format('other color: {}', $.item.color)"},
                                       output_path="$.value", result_path="$.note")
    choice.when(sfn.Condition.string_equals("$.item.color", "BLUE"), handle_blue_item)
    choice.when(sfn.Condition.string_equals("$.item.color", "RED"), handle_red_item)
    choice.otherwise(handle_other_item_color)
    ship_the_item = invoke(scope, "ShipTheItem", "ship_the_item", {"item_id.$": "$.item.id", "note.$": "$.note"})
    choice.afterwards().next(ship_the_item)
    return {"what_color": (choice, {})}
