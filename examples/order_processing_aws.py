"""Order processing with AWS service integrations: DynamoDB, SQS and SNS called
straight from the workflow, no Lambda in between.

A boto3 client bound once at module level (``ddb = boto3.client("dynamodb")``) and
called inside a ``@workflow`` becomes a service-integration Task:
``arn:aws:states:::dynamodb:putItem`` where an optimized integration exists, else
``arn:aws:states:::aws-sdk:<service>:<action>``. Operation and parameter names are
checked against botocore's model at compile time; natively the calls just run
boto3, and the local runner makes the same calls with boto3, so both can be tested
against moto without an AWS account (``tests/examples/test_examples_run.py``), or
with ``pyflow.testing.run(..., mocks=...)``.

    pyflow compile examples/order_processing_aws.py:process_order_aws
    pyflow policy examples/order_processing_aws.py:process_order_aws
"""
import boto3

from pyflow import task, workflow

ddb = boto3.client("dynamodb")
sqs = boto3.client("sqs")
sns = boto3.client("sns")

PRICES = {"pen": 150, "book": 1200, "lamp": 4500}


class InvalidOrder(Exception):
    """The order cannot be processed as written."""


class PaymentDeclined(Exception):
    """The card was declined."""


@task
def validate(order: dict) -> dict:
    if not order.get("items"):
        raise InvalidOrder(f"order {order.get('id')} has no items")
    total = sum(PRICES[i["sku"]] * i["qty"] for i in order["items"])
    return {"id": order["id"], "total": total}


@task
def charge(card: str, amount: int) -> str:
    if card == "0000":
        raise PaymentDeclined(f"card ending {card} declined for {amount}")
    return f"ch-{card}-{amount}"


@workflow(timeout=3600)
def process_order_aws(order: dict, table: str = "orders", queue_url: str = "https://sqs.us-east-1.amazonaws.com/123456789012/shipping",
                      topic_arn: str = "arn:aws:sns:us-east-1:123456789012:orders") -> dict:
    valid = validate(order)
    ddb.put_item(TableName=table, Item={"id": {"S": valid["id"]}, "status": {"S": "RESERVED"}})
    try:
        charge_id = charge(order["card"], valid["total"])
    except PaymentDeclined as err:
        ddb.update_item(
            TableName=table,
            Key={"id": {"S": valid["id"]}},
            UpdateExpression="SET #s = :s",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":s": {"S": "DECLINED"}},
        )
        sns.publish(TopicArn=topic_arn, Message="payment declined: " + err.cause)
        return {"id": valid["id"], "status": "payment_declined"}
    sqs.send_message(QueueUrl=queue_url, MessageBody=valid["id"] + " " + charge_id)
    sns.publish(TopicArn=topic_arn, Message="order " + valid["id"] + " shipped")
    return {"id": valid["id"], "status": "shipped", "charge": charge_id}
