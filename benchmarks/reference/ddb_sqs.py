"""DynamoDB putItem and getItem, then an SQS message: the optimized integrations, no Lambda."""
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks

from benchmarks.reference.common import ACCOUNT, REGION


def build(scope):
    table = dynamodb.Table.from_table_name(scope, "Users", "users")
    queue = sqs.Queue.from_queue_arn(scope, "Signups", f"arn:aws:sqs:{REGION}:{ACCOUNT}:signups")
    put = tasks.DynamoPutItem(scope, "Put User", table=table, item={
        "id": tasks.DynamoAttributeValue.from_string(sfn.JsonPath.string_at("$.user_id")),
        "name": tasks.DynamoAttributeValue.from_string(sfn.JsonPath.string_at("$.name")),
    }, result_path=sfn.JsonPath.DISCARD)
    get = tasks.DynamoGetItem(scope, "Get User", table=table, key={
        "id": tasks.DynamoAttributeValue.from_string(sfn.JsonPath.string_at("$.user_id")),
    }, result_path="$.found")
    send = tasks.SqsSendMessage(
        scope, "Send Signup", queue=queue,
        message_body=sfn.TaskInput.from_text(sfn.JsonPath.format("signup {}", sfn.JsonPath.string_at("$.user_id"))),
        result_path=sfn.JsonPath.DISCARD, output_path="$.found.Item.name.S")
    return {"record_signup": (put.next(get).next(send), {})}
