"""A Task state's ``Resource``, taken apart once, and the aws-sdk service names.

Why one parser: the IAM policy (via :mod:`pyflow.integrations.resources`) and the local
runner (:mod:`pyflow.local.integrations`) each had their own reading of Resource strings,
and they disagreed at the edges. :func:`parse` is the lexical reading both now share;
each keeps only its own interpretation (which boto3 client and operation, what to call).

Why one service-name map: Step Functions names an aws-sdk service after the AWS SDK for
Java v2 package (``arn:aws:states:::aws-sdk:cloudwatchlogs:putLogEvents``), which is not
the boto3 client name (``logs``). The compiler went from client to name, the runner could
not go back (``Unknown service: 'cloudwatchlogs'``). :func:`sdk_service_name` and
:func:`client_for_sdk_name` are both directions of one map, derived from botocore's
service models: the ``serviceId`` lower-cased, spaces and hyphens removed, a trailing
"Service" dropped ("SFN" -> ``sfn``, "CloudWatch Logs" -> ``cloudwatchlogs``, "Database
Migration Service" -> ``databasemigration``); :data:`SDK_NAME_EXCEPTIONS` lists where the
rule alone does not decide.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

__all__ = [
    "PATTERNS", "Resource", "parse", "SDK_NAME_EXCEPTIONS", "OPTIMIZED_CLIENTS",
    "sdk_service_name", "client_for_sdk_name", "sdk_service_map",
]

#: Integration patterns, as written after the action (without the dot).
PATTERNS: tuple[str, ...] = ("sync", "sync:2", "waitForTaskToken")

_SUBSTITUTION = re.compile(r"^\$\{(?P<name>[^}]+)\}$")
_LAMBDA_ARN = re.compile(r"^arn:[\w-]+:lambda:")
_ACTIVITY_ARN = re.compile(r"^arn:[\w-]+:states:[^:]*:[^:]*:activity:")
_STATES_ARN = re.compile(r"^arn:[\w-]+:states:::(?P<rest>.+)$")
_SUFFIX = re.compile(r"^(?P<body>.*?)(?:\.(?P<pattern>sync:2|sync|waitForTaskToken))?$", re.S)


@dataclass(frozen=True)
class Resource:
    """What a ``Resource`` string says, before any service model is consulted.

    ``kind``: ``lambda`` (a function ARN or a ``${name}`` substitution; ``function`` is
    the function's name when the string gives it), ``activity``, ``optimized``
    (``arn:aws:states:::<service>:<action>``), ``aws-sdk``
    (``arn:aws:states:::aws-sdk:<service>:<action>``) or ``other``. ``service`` is the
    service as the ARN names it (``dynamodb``, ``states``, ``cloudwatchlogs``); ``action``
    as written (``putItem``); ``pattern`` is ``""``, ``"sync"``, ``"sync:2"`` or
    ``"waitForTaskToken"``.
    """

    resource: str
    kind: str
    service: str = ""
    action: str = ""
    pattern: str = ""
    function: str = ""
    substitution: bool = False

    @property
    def suffix(self) -> str:
        """The pattern as the ARN ends with it: ``""`` or ``".sync"`` ..."""
        return "." + self.pattern if self.pattern else ""


def parse(resource: str) -> Resource:
    """Take a Task's ``Resource`` apart (pure string work: no service model loaded)."""
    sub = _SUBSTITUTION.match(resource)
    if sub:
        return Resource(resource, "lambda", function=sub["name"], substitution=True)
    if _LAMBDA_ARN.match(resource):
        name = resource.split(":function:", 1)[1].split(":", 1)[0] if ":function:" in resource else ""
        return Resource(resource, "lambda", function=name)
    if _ACTIVITY_ARN.match(resource):
        return Resource(resource, "activity")
    found = _STATES_ARN.match(resource)
    if not found:
        return Resource(resource, "other")
    split = _SUFFIX.match(found["rest"])
    assert split is not None  # the pattern matches every string
    body, pattern = split["body"], split["pattern"] or ""
    if body.startswith("aws-sdk:"):
        parts = body.split(":", 2)
        if len(parts) == 3 and parts[1] and parts[2]:
            return Resource(resource, "aws-sdk", parts[1], parts[2], pattern)
        return Resource(resource, "other")
    service, colon, action = body.partition(":")
    if not colon or not service or not action:
        return Resource(resource, "other")
    return Resource(resource, "optimized", service, action, pattern)


# --- the aws-sdk service names -----------------------------------------------------

#: Where the serviceId rule does not decide. Only one case today: botocore keeps two
#: client names for Pinpoint SMS Voice (``pinpoint-sms-voice`` and its older alias
#: ``sms-voice``, the same model), so the name maps back to the canonical client.
SDK_NAME_EXCEPTIONS: dict[str, str] = {
    # aws-sdk name -> boto3 client (the reverse direction only)
    "pinpointsmsvoice": "pinpoint-sms-voice",
}

#: ARN service names of optimized integrations that are not a boto3 client name.
OPTIMIZED_CLIENTS: dict[str, str] = {"states": "stepfunctions"}


@lru_cache(maxsize=1)
def _loader() -> Any:
    import botocore.session

    return botocore.session.get_session().get_component("data_loader")


@lru_cache(maxsize=1)
def _clients() -> tuple[str, ...]:
    import botocore.session

    return tuple(botocore.session.get_session().get_available_services())


@lru_cache(maxsize=None)
def _service_id(client: str) -> str:
    from botocore.utils import SERVICE_NAME_ALIASES

    model = _loader().load_service_model(SERVICE_NAME_ALIASES.get(client, client), "service-2")
    return str(model["metadata"].get("serviceId") or model["metadata"]["endpointPrefix"])


def sdk_service_name(client: str) -> str:
    """The ``<service>`` of ``arn:aws:states:::aws-sdk:<service>:<action>`` for a boto3 client."""
    name = re.sub(r"[\s\-]", "", _service_id(client)).lower()
    if name.endswith("service") and name != "service":
        name = name[: -len("service")]
    return name


@lru_cache(maxsize=1)
def sdk_service_map() -> dict[str, str]:
    """Every boto3 client -> its aws-sdk service name. Loads every service model (seconds):
    for tests and tools; the lookups below avoid it where they can."""
    return {client: sdk_service_name(client) for client in _clients()}


@lru_cache(maxsize=1)
def _by_sdk_name() -> dict[str, str]:
    found: dict[str, str] = dict(SDK_NAME_EXCEPTIONS)
    for client, name in sdk_service_map().items():
        found.setdefault(name, client)
    return found


@lru_cache(maxsize=None)
def client_for_sdk_name(sdk_name: str) -> str | None:
    """The boto3 client of an aws-sdk service name (``cloudwatchlogs`` -> ``logs``,
    ``sfn`` -> ``stepfunctions``), or None when no client has that name."""
    if sdk_name in SDK_NAME_EXCEPTIONS:
        return SDK_NAME_EXCEPTIONS[sdk_name]
    # Loading every model takes seconds, so the likely clients' models go first: most
    # names are the client's without hyphens, and the rest mostly spell the client's
    # letters in order or the other way round ("cloudwatchlogs" for logs, "costexplorer"
    # for ce, "sfn" for stepfunctions).
    def same(client: str) -> bool:
        return client.replace("-", "") == sdk_name

    def spelled(client: str) -> bool:
        short = client.replace("-", "")
        return _spelled_in(short, sdk_name) or _spelled_in(sdk_name, short)

    for likely in (same, spelled):
        for client in _clients():
            if likely(client) and sdk_service_name(client) == sdk_name:
                return client
    return _by_sdk_name().get(sdk_name)


def _spelled_in(short: str, long: str) -> bool:
    """``short``'s letters appear in ``long`` in order."""
    rest = iter(long)
    return all(ch in rest for ch in short)
