"""A DynamoDB/SQS flow: boto3 calls straight from the workflow, no Lambda."""
import boto3

from pyflow import workflow

QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/signups"

ddb = boto3.client("dynamodb", region_name="us-east-1")
sqs = boto3.client("sqs", region_name="us-east-1")


@workflow
def record_signup(user_id: str, name: str) -> str:
    ddb.put_item(TableName="users", Item={"id": {"S": user_id}, "name": {"S": name}})
    found = ddb.get_item(TableName="users", Key={"id": {"S": user_id}})
    sqs.send_message(QueueUrl=QUEUE_URL, MessageBody=f"signup {user_id}")
    return found["Item"]["name"]["S"]
