"""Which IAM actions an API operation needs.

The rule is botocore's: ``<signingName or endpointPrefix>:<OperationName>``
(``dynamodb:PutItem``, ``states:StartExecution``, ``sqs:SendMessage``). This
module holds the ONE table of what botocore cannot know: the services whose IAM
prefix is not their signing name, and the operations whose IAM action is not
their own name. Sources: the Service Authorization Reference pages of each
service ("Actions, resources, and condition keys").
"""
from __future__ import annotations

from types import MappingProxyType
from typing import Mapping

__all__ = ["iam_actions", "PREFIX_EXCEPTIONS", "ACTION_EXCEPTIONS"]

#: boto3 client -> IAM service prefix, where it is not the model's signing name.
PREFIX_EXCEPTIONS: Mapping[str, str] = MappingProxyType(
    {
        "cloudwatch": "cloudwatch",  # endpointPrefix "monitoring"
        "resourcegroupstaggingapi": "tag",  # endpointPrefix "tagging"
        "mturk": "mechanicalturk",  # endpointPrefix "mturk-requester"
        "iot-data": "iot",  # signingName "iotdata"
    }
)

#: (boto3 client, operation) -> IAM actions, where they are not ``prefix:Operation``.
ACTION_EXCEPTIONS: Mapping[tuple[str, str], tuple[str, ...]] = MappingProxyType(
    {
        ("lambda", "Invoke"): ("lambda:InvokeFunction",),
        ("lambda", "InvokeWithResponseStream"): ("lambda:InvokeFunction",),
        ("s3", "HeadObject"): ("s3:GetObject",),
        ("s3", "HeadBucket"): ("s3:ListBucket",),
        ("s3", "ListObjects"): ("s3:ListBucket",),
        ("s3", "ListObjectsV2"): ("s3:ListBucket",),
        ("s3", "ListObjectVersions"): ("s3:ListBucketVersions",),
        ("s3", "ListBuckets"): ("s3:ListAllMyBuckets",),
        ("s3", "ListMultipartUploads"): ("s3:ListBucketMultipartUploads",),
        ("s3", "ListParts"): ("s3:ListMultipartUploadParts",),
        ("s3", "DeleteObjects"): ("s3:DeleteObject",),
        ("s3", "CopyObject"): ("s3:GetObject", "s3:PutObject"),
        ("s3", "CreateMultipartUpload"): ("s3:PutObject",),
        ("s3", "UploadPart"): ("s3:PutObject",),
        ("s3", "UploadPartCopy"): ("s3:GetObject", "s3:PutObject"),
        ("s3", "CompleteMultipartUpload"): ("s3:PutObject",),
        ("s3", "AbortMultipartUpload"): ("s3:AbortMultipartUpload",),
        ("s3", "GetBucketLifecycleConfiguration"): ("s3:GetLifecycleConfiguration",),
        ("s3", "PutBucketLifecycleConfiguration"): ("s3:PutLifecycleConfiguration",),
        ("s3", "GetBucketNotificationConfiguration"): ("s3:GetBucketNotification",),
        ("s3", "PutBucketNotificationConfiguration"): ("s3:PutBucketNotification",),
        ("s3", "GetBucketEncryption"): ("s3:GetEncryptionConfiguration",),
        ("s3", "PutBucketEncryption"): ("s3:PutEncryptionConfiguration",),
        ("s3", "DeleteBucketEncryption"): ("s3:PutEncryptionConfiguration",),
        ("dynamodb", "TransactGetItems"): ("dynamodb:GetItem",),
        ("dynamodb", "TransactWriteItems"): (
            "dynamodb:ConditionCheckItem",
            "dynamodb:DeleteItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
        ),
    }
)

#: Services whose IAM actions are HTTP verbs (``apigateway:GET``), from the model's ``http.method``.
_HTTP_VERB_SERVICES = frozenset({"apigateway", "apigatewayv2"})


def iam_actions(client: str, operation: str) -> tuple[str, ...]:
    """The IAM actions ``boto3.client(client).<operation>`` needs, sorted."""
    from pyflow.integrations.model import iam_service_prefix, service_model

    if (client, operation) in ACTION_EXCEPTIONS:
        return tuple(sorted(ACTION_EXCEPTIONS[client, operation]))
    if client in _HTTP_VERB_SERVICES:
        verb = service_model(client).operation_model(operation).http.get("method", "GET")
        return (f"apigateway:{verb}",)
    prefix = PREFIX_EXCEPTIONS.get(client) or iam_service_prefix(client)
    return (f"{prefix}:{operation}",)
