"""A CDK app deploying pyflow workflows: logging, X-Ray tracing, grants, metrics and
alarms, an activity with its ARN as an output, and a state machine imported by ARN.

``pyflow.cdk.Workflow`` takes a ``@workflow`` (or ``"file.py:function"``) and creates
one Lambda function per ``@task``, the state machine from the compiled ASL (byte for
byte what ``pyflow compile`` prints), activities, nested workflows and a
least-privilege role. Its grants and metrics are the CDK ``StateMachine``'s.

    cdk synth --app "python examples/cdk_app.py"       # or: python examples/cdk_app.py
    pyflow synth examples/order_processing.py:process_order -o cdk.out   # one workflow, no app code
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

import aws_cdk as cdk  # noqa: E402 - after silencing jsii's Node.js banner
from aws_cdk import aws_cloudwatch as cloudwatch  # noqa: E402
from aws_cdk import aws_iam as iam  # noqa: E402
from aws_cdk import aws_logs as logs  # noqa: E402
from aws_cdk import aws_stepfunctions as sfn  # noqa: E402
from constructs import Construct  # noqa: E402

from pyflow.cdk import Workflow  # noqa: E402

HERE = Path(__file__).resolve().parent
IMPORTED_ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:StateMachine2E01A3A5-N5TJppzoevKQ"


class OrdersStack(cdk.Stack):
    def __init__(self, scope: Construct, id: str, **kwargs) -> None:
        super().__init__(scope, id, **kwargs)

        # Logging (the seed's "Logging") and X-Ray tracing (the seed's "X-Ray tracing").
        log_group = logs.LogGroup(self, "OrderLogs", retention=logs.RetentionDays.ONE_MONTH,
                                  removal_policy=cdk.RemovalPolicy.DESTROY)
        orders = Workflow(
            self, "ProcessOrder",
            workflow=f"{HERE / 'order_processing.py'}:process_order",
            logs=sfn.LogOptions(destination=log_group, level=sfn.LogLevel.ALL),
            tracing=True,
            exclude=(HERE.parent / "cdk.out",),
        )

        # Grants (the seed's "State Machine Permission Grants").
        role = iam.Role(self, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
        orders.grant_start_execution(role)                          # states:StartExecution
        orders.grant_read(role)                                     # List/Describe/GetExecutionHistory
        orders.grant_task_response(role)                            # SendTaskSuccess/Failure/Heartbeat
        orders.grant_execution(role, "states:GetExecutionHistory")  # on executions
        user = iam.User(self, "MyUser")
        orders.grant(user, "states:SendTaskSuccess")                # custom permissions

        # Metrics and alarms (the seed's "Metrics").
        cloudwatch.Alarm(self, "StateMachineAlarm", metric=orders.metric_failed(),
                         threshold=1, evaluation_periods=1)
        cloudwatch.Alarm(self, "TaskAlarm", metric=orders.metric_task("charge", "Failed"),
                         threshold=1, evaluation_periods=1)
        cloudwatch.Alarm(self, "ThrottledAlarm", metric=sfn.StateTransitionMetric.metric_throttled_events(),
                         threshold=10, evaluation_periods=2)

        # An activity (the seed's "Activity"): the worker needs its ARN.
        review = Workflow(self, "Review", workflow=f"{HERE / 'activity.py'}:review",
                          exclude=(HERE.parent / "cdk.out",))
        activity = review.activities["review_order"]
        activity.grant(role, "states:SendTaskSuccess")              # activity-level permissions
        cdk.CfnOutput(self, "ActivityArn", value=activity.activity_arn)
        cdk.CfnOutput(self, "StateMachineArn", value=orders.state_machine_arn)

        # Import by ARN (the seed's "Import"): grants and metrics work the same.
        imported = Workflow.from_state_machine_arn(self, "ImportedStateMachine", IMPORTED_ARN)
        imported.grant_start_execution(role)


def build(app: cdk.App | None = None) -> cdk.Stack:
    app = app or cdk.App()
    return OrdersStack(app, "PyflowOrders")


if __name__ == "__main__":
    stack = build()
    stack.node.root.synth()
    print("synthesized", stack.stack_name, file=sys.stderr)
