"""DynamoDB and SQS for sfnx (benchmarks/workflows/ddb_sqs.py)."""
from typing import TypedDict

from sfnx import aws, state_machine

QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/signups"


class Input(TypedDict):
    user_id: str
    name: str


@state_machine
def record_signup(input: Input):
    aws.optimized.dynamodb.put_item(TableName="users", Item={"id": {"S": input["user_id"]}, "name": {"S": input["name"]}})
    found = aws.optimized.dynamodb.get_item(TableName="users", Key={"id": {"S": input["user_id"]}})
    aws.optimized.sqs.send_message(QueueUrl=QUEUE_URL, MessageBody=f"signup {input['user_id']}")
    return found["Item"]["name"]["S"]
