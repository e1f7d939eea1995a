"""The seed's Job Poller: Submit Job -> Wait X Seconds -> Get Job Status -> Job Complete? ."""
from aws_cdk import Duration
from aws_cdk import aws_stepfunctions as sfn

from benchmarks.reference.common import invoke


def build(scope):
    submit_job = invoke(scope, "Submit Job", "submit_job", {"order.$": "$.order"},
                        result_path="$.job", assign={"attempt": 0})
    wait_x = sfn.Wait(scope, "Wait X Seconds", time=sfn.WaitTime.seconds_path("$.job.wait_seconds"),
                      assign={"attempt.$": "States.MathAdd($attempt, 1)"})
    get_status = invoke(scope, "Get Job Status", "get_status", {"job.$": "$.job", "attempt.$": "$attempt"},
                        result_path="$.status")
    job_failed = sfn.Fail(scope, "Job Failed", cause="AWS Batch Job Failed", error="JobFailed")
    final_status = invoke(scope, "Get Final Job Status", "final_status", {"guid.$": "$.job.guid"})
    definition = submit_job.next(wait_x).next(get_status).next(
        sfn.Choice(scope, "Job Complete?")
        .when(sfn.Condition.string_equals("$.status", "FAILED"), job_failed)
        .when(sfn.Condition.string_equals("$.status", "SUCCEEDED"), final_status)
        .otherwise(wait_x)
    )
    return {"job_poller": (definition, {"timeout": Duration.minutes(5)})}
