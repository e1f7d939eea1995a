"""Task resources executed for real: Lambda, AWS SDK and optimized integrations.

A local run has no AWS account, but boto3 does not need one to talk to an
emulator: whatever endpoint boto3 is configured for (moto in tests, LocalStack,
or a real account) receives the calls.  This module turns a Task's ``Resource``
and its effective input into one boto3 call and shapes the answer the way Step
Functions hands it to the state:

- ``arn:aws:states:::aws-sdk:<service>:<action>``: the API response without
  ``ResponseMetadata``; errors named ``<Service>.<ErrorCode>``;
- optimized resources (``lambda:invoke``, ``dynamodb:putItem``,
  ``sqs:sendMessage``, ``sns:publish``, ``events:putEvents`` ...): JSON bodies
  are serialised for the service, and the response carries ``SdkHttpMetadata``
  like the service's;
- plain Lambda ARNs: the function's return value.

It also keeps the task tokens of ``.waitForTaskToken`` states (``TOKENS``), so a
test or a worker thread can answer them with ``send_task_success``/``failure``.
"""
from __future__ import annotations

import base64
import datetime as _dt
import json
import threading
from dataclasses import dataclass
from typing import Any

from pyflow.local.errors import RUNTIME, TASK_FAILED, StatesError

PATTERNS = (".waitForTaskToken", ".sync:2", ".sync")


@dataclass(frozen=True)
class ResourceInfo:
    """A Task's ``Resource`` taken apart.

    ``kind`` is ``lambda-arn`` (plain function ARN or a ``${name}`` substitution),
    ``optimized``, ``aws-sdk``, ``activity`` or ``other``; ``service``/``action`` are
    set for the integration kinds; ``pattern`` is ``""``, ``.sync``, ``.sync:2`` or
    ``.waitForTaskToken``; ``function`` is a Lambda function's name when known.
    """

    resource: str
    kind: str
    service: str = ""
    action: str = ""
    pattern: str = ""
    function: str = ""

    @property
    def resource_type(self) -> str:
        """``resourceType`` of Task* history events (``lambda``, ``aws-sdk:dynamodb`` ...)."""
        if self.kind == "aws-sdk":
            return f"aws-sdk:{self.service}"
        if self.kind == "optimized":
            return self.service
        if self.kind == "activity":
            return "activity"
        return "lambda" if self.kind == "lambda-arn" else "other"

    @property
    def resource_name(self) -> str:
        """``resource`` of Task* history events (``invoke``, ``putItem.waitForTaskToken`` ...)."""
        if self.kind in ("aws-sdk", "optimized"):
            return self.action + self.pattern
        return self.resource


def parse_resource(resource: str) -> ResourceInfo:
    """Classify a Task's ``Resource`` string (taken apart by :func:`pyflow.asl.resources.parse`,
    the parser the compiler's IAM policy uses too)."""
    from pyflow.asl.resources import parse

    parsed = parse(resource)
    if parsed.kind == "lambda":
        return ResourceInfo(resource, "lambda-arn", function=parsed.function)
    if parsed.kind in ("activity", "aws-sdk", "optimized"):
        return ResourceInfo(resource, parsed.kind, parsed.service, parsed.action, parsed.suffix)
    return ResourceInfo(resource, "other")


# --------------------------------------------------------------------------- task tokens
class TokenBroker:
    """Where ``.waitForTaskToken`` answers arrive (from the test, a task, or a thread)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._answers: dict[str, tuple[str, Any, Any]] = {}
        self.pending: dict[str, Any] = {}

    def open(self, token: str, payload: Any) -> None:
        with self._cond:
            self.pending[token] = payload

    def send_task_success(self, token: str, output: Any) -> None:
        """Complete a callback task; ``output`` is a JSON string (as the API takes) or a value."""
        if isinstance(output, str):
            try:
                output = json.loads(output)
            except ValueError:
                pass
        self._answer(token, ("success", output, None))

    def send_task_failure(self, token: str, error: str = "", cause: str = "") -> None:
        """Fail a callback task with ``error``/``cause``."""
        self._answer(token, ("failure", error, cause))

    def send_task_heartbeat(self, token: str) -> None:
        """Accepted for API parity; a local run does not time heartbeats out while waiting."""
        with self._cond:
            if token not in self.pending and token not in self._answers:
                raise KeyError(f"unknown task token {token!r}")

    def _answer(self, token: str, answer: tuple[str, Any, Any]) -> None:
        with self._cond:
            self._answers[token] = answer
            self._cond.notify_all()

    def take(self, token: str, wait: float) -> tuple[str, Any, Any] | None:
        """The answer for ``token``, waiting up to ``wait`` real seconds for another thread."""
        with self._cond:
            if token not in self._answers and wait > 0:
                self._cond.wait_for(lambda: token in self._answers, timeout=wait)
            self.pending.pop(token, None)
            return self._answers.pop(token, None)


TOKENS = TokenBroker()


def send_task_success(token: str, output: Any) -> None:
    """Complete a ``.waitForTaskToken`` task of a local run (like ``SendTaskSuccess``)."""
    TOKENS.send_task_success(token, output)


def send_task_failure(token: str, error: str = "", cause: str = "") -> None:
    """Fail a ``.waitForTaskToken`` task of a local run (like ``SendTaskFailure``)."""
    TOKENS.send_task_failure(token, error, cause)


# --------------------------------------------------------------------------- boto3 calls
_ERROR_PREFIX = {"dynamodb": "DynamoDb", "sqs": "Sqs", "sns": "Sns", "s3": "S3", "lambda": "Lambda",
                 "sfn": "Sfn", "eventbridge": "EventBridge", "events": "EventBridge"}
_OPTIMIZED_PREFIX = {"dynamodb": "DynamoDB", "sqs": "SQS", "sns": "SNS", "lambda": "Lambda",
                     "events": "EventBridge", "states": "StepFunctions"}


def _client(service: str) -> Any:
    """The boto3 client of a service as a Resource ARN names it: an optimized
    integration's (``states`` is boto3's ``stepfunctions``) or an aws-sdk one's
    (``cloudwatchlogs`` is boto3's ``logs``), by the one map in :mod:`pyflow.asl.resources`."""
    import boto3  # local: only runs that call AWS pay for the import
    from pyflow.asl.resources import OPTIMIZED_CLIENTS, client_for_sdk_name

    client = OPTIMIZED_CLIENTS.get(service) or (service if service in _boto3_clients() else None)
    return boto3.client(client or client_for_sdk_name(service) or service)


def _boto3_clients() -> frozenset[str]:
    from pyflow.integrations.model import client_names

    return frozenset(client_names())


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, _dt.datetime):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if hasattr(value, "read"):
        return value.read().decode("utf-8", "replace")
    if type(value).__name__ == "Decimal":
        return int(value) if value == int(value) else float(value)
    return value


def _sdk_metadata(response: dict[str, Any]) -> dict[str, Any]:
    meta = response.get("ResponseMetadata", {})
    return {
        "SdkHttpMetadata": {
            "HttpHeaders": dict(meta.get("HTTPHeaders", {})),
            "HttpStatusCode": meta.get("HTTPStatusCode", 200),
        },
        "SdkResponseMetadata": {"RequestId": meta.get("RequestId", "")},
    }


def _call(service: str, action: str, params: Any, error_prefix: str) -> dict[str, Any]:
    from botocore import xform_name
    from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError

    if not isinstance(params, dict):
        raise StatesError(RUNTIME, f"the parameters of {service}:{action} must be a JSON object")
    try:
        client = _client(service)
        method = getattr(client, xform_name(action[:1].upper() + action[1:]))
    except AttributeError:
        raise StatesError(RUNTIME, f"{service} has no action {action!r}") from None
    except BotoCoreError as exc:
        raise StatesError(RUNTIME, f"{service}: {exc}") from None
    try:
        return method(**params)
    except ParamValidationError as exc:
        raise StatesError(f"{error_prefix}.ValidationException", str(exc)) from None
    except ClientError as exc:
        err = exc.response.get("Error", {})
        code = err.get("Code", "Unknown")
        meta = exc.response.get("ResponseMetadata", {})
        cause = (
            f"{err.get('Message', '')} (Service: {service}, Status Code: {meta.get('HTTPStatusCode', 400)}, "
            f"Error Code: {code}, Request ID: {meta.get('RequestId', '')})"
        )
        raise StatesError(f"{error_prefix}.{code}", cause) from None
    except BotoCoreError as exc:
        raise StatesError(f"{error_prefix}.SdkClientException", str(exc)) from None


def call_aws_sdk(info: ResourceInfo, params: Any) -> Any:
    """``arn:aws:states:::aws-sdk:<service>:<action>``: the plain API response."""
    prefix = _ERROR_PREFIX.get(info.service, info.service[:1].upper() + info.service[1:])
    return _jsonable(_call(info.service, info.action, params, prefix))


def invoke_lambda(function_name: str, payload: Any) -> tuple[Any, dict[str, Any]]:
    """Invoke a Lambda function with boto3: (its return value, the invoke response)."""
    response = _call("lambda", "invoke", {"FunctionName": function_name, "Payload": json.dumps(payload).encode()}, "Lambda")
    raw = response.get("Payload")
    text = raw.read().decode("utf-8") if hasattr(raw, "read") else (raw or b"").decode("utf-8") if isinstance(raw, bytes) else str(raw or "")
    try:
        value = json.loads(text) if text else None
    except ValueError:
        value = text
    if response.get("FunctionError"):
        error = value.get("errorType", "Exception") if isinstance(value, dict) else "Exception"
        raise StatesError(error, text)
    return value, response


def call_optimized(info: ResourceInfo, params: Any) -> Any:
    """An optimized integration (``arn:aws:states:::dynamodb:putItem`` ...)."""
    service, action = info.service, info.action
    prefix = _OPTIMIZED_PREFIX.get(service, service[:1].upper() + service[1:])
    if not isinstance(params, dict):
        raise StatesError(RUNTIME, f"the parameters of {service}:{action} must be a JSON object")
    params = dict(params)
    if service == "lambda" and action == "invoke":
        name = params.get("FunctionName")
        value, response = invoke_lambda(str(name), params.get("Payload"))
        result = {"ExecutedVersion": response.get("ExecutedVersion", "$LATEST"), "Payload": value,
                  "StatusCode": response.get("StatusCode", 200)}
        result.update(_sdk_metadata(response))
        return result
    if service == "sqs" and action == "sendMessage" and not isinstance(params.get("MessageBody"), str):
        params["MessageBody"] = json.dumps(params.get("MessageBody"), separators=(",", ":"))
    if service == "sns" and action == "publish" and not isinstance(params.get("Message"), str):
        params["Message"] = json.dumps(params.get("Message"), separators=(",", ":"))
    if service == "events" and action == "putEvents":
        entries = []
        for entry in params.get("Entries", []):
            entry = dict(entry)
            if not isinstance(entry.get("Detail"), str):
                entry["Detail"] = json.dumps(entry.get("Detail"), separators=(",", ":"))
            entries.append(entry)
        params["Entries"] = entries
    response = _call(service, action, params, prefix)
    result = _jsonable(response)
    if service in ("dynamodb", "sqs", "sns", "lambda"):
        result.update(_sdk_metadata(response))
    return result


def start_execution_sync(params: dict[str, Any], pattern: str) -> Any:
    """``states:startExecution.sync``/``.sync:2`` against boto3's endpoint: start, then poll."""
    import time

    response = _call("stepfunctions", "startExecution", params, "StepFunctions")
    arn = response["executionArn"]
    client = _client("stepfunctions")
    while True:
        desc = client.describe_execution(executionArn=arn)
        if desc["status"] != "RUNNING":
            break
        time.sleep(0.05)
    return describe_to_result(desc, pattern)


def describe_to_result(desc: dict[str, Any], pattern: str) -> Any:
    """Shape a finished child execution as the ``.sync`` task result (or its failure)."""
    out = {k[:1].upper() + k[1:]: v for k, v in _jsonable(desc).items()}
    if pattern == ".sync:2":
        for key in ("Input", "Output"):
            if isinstance(out.get(key), str):
                try:
                    out[key] = json.loads(out[key])
                except ValueError:
                    pass
    if desc.get("status") != "SUCCEEDED":
        raise StatesError(TASK_FAILED, json.dumps(out, separators=(",", ":"), default=str))
    return out
