"""The seed's Map with max concurrency: each number through a Lambda, two at a time."""
from aws_cdk import aws_stepfunctions as sfn

from benchmarks.reference.common import invoke


def build(scope):
    map_state = sfn.Map(scope, "Map State", max_concurrency=2, items_path=sfn.JsonPath.string_at("$.numbers"),
                        result_selector={"squares.$": "$"})
    map_state.item_processor(invoke(scope, "Square", "square", {"n.$": "$"}))
    return {"squares": (map_state, {})}
