"""The issue's example: DynamoDB, SQS and SNS from boto3 calls in a workflow."""
import json

import boto3

import pyflow as pf
from pyflow import workflow

QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/signups"
TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:signups"

ddb = boto3.client("dynamodb", region_name="us-east-1")
sqs = boto3.client("sqs", region_name="us-east-1")
sns = boto3.client("sns", region_name="us-east-1")


@workflow
def register(user: dict) -> str:
    ddb.put_item(TableName="users", Item={"id": {"S": user["id"]}, "name": {"S": user["name"]}})
    found = ddb.get_item(TableName="users", Key={"id": {"S": user["id"]}})
    sqs.send_message(QueueUrl=QUEUE_URL, MessageBody=json.dumps(user))
    sns.publish(TopicArn=TOPIC_ARN, Message=f"welcome {user['name']}")
    return found["Item"]["id"]["S"]


@workflow
def misspelled(user: dict) -> None:
    ddb.put_itme(TableName="users", Item={"id": {"S": user["id"]}})


@workflow
def bad_parameter(user: dict) -> None:
    ddb.put_item(TableNme="users", Item={"id": {"S": user["id"]}})


@workflow
def local_client(bucket: str) -> list:
    s3 = boto3.client("s3", region_name="us-east-1")
    listing = s3.list_objects_v2(Bucket=bucket)
    return [obj["Key"] for obj in listing["Contents"]]


@workflow
def glue_job(name: str) -> str:
    glue = boto3.client("glue", region_name="us-east-1")
    run = pf.sync(glue.start_job_run(JobName=name), timeout=3600)
    return run["JobRunState"]


@workflow
def signup(user_id: str, name: str) -> str:
    """Expressible in both query languages: typed inputs, f-strings of str."""
    ddb.put_item(TableName="users", Item={"id": {"S": user_id}, "name": {"S": name}})
    found = ddb.get_item(TableName="users", Key={"id": {"S": user_id}})
    sqs.send_message(QueueUrl=QUEUE_URL, MessageBody=f"signup {user_id}")
    sns.publish(TopicArn=TOPIC_ARN, Message=f"welcome {name}")
    return found["Item"]["name"]["S"]
