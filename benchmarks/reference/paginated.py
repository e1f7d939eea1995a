"""A paginated loop: fetch the first page, then the next one while there is a next token.

The running total lives in a JSONPath Variable (``assign``): kept in the state
document instead, adding each page's count would need a Pass per page."""
from aws_cdk import aws_stepfunctions as sfn

from benchmarks.reference.common import invoke


def build(scope):
    first = invoke(scope, "Fetch First Page", "fetch_page", {"token.$": "$.start"},
                   result_path="$.page", assign={"total.$": "$.count"})
    fetch_next = invoke(scope, "Fetch Next Page", "fetch_page", {"token.$": "$.page.next"},
                        result_path="$.page", assign={"total.$": "States.MathAdd($total, $.count)"})
    done = sfn.Pass(scope, "Done", parameters={"total.$": "$total"}, output_path="$.total")
    has_next = sfn.Choice(scope, "Has Next Page?").when(
        sfn.Condition.number_greater_than_equals("$.page.next", 0), fetch_next).otherwise(done)
    fetch_next.next(has_next)
    return {"paginate": (first.next(has_next), {})}
