"""botocore's service models, as the compiler needs them.

Why botocore and not a table of our own: botocore ships the same JSON models
boto3 uses at run time, so "does ``ddb.put_itme`` exist?" and "is ``TableNmae``
a parameter?" get the answer boto3 itself would give. Nothing here copies what
the model knows; the only hand-written knowledge (Step Functions' service
names, IAM exceptions) lives in :mod:`pyflow.integrations.resources` and
:mod:`pyflow.iam.actions`.

botocore is imported lazily (``import botocore.session`` costs ~0.1 s, and the
CLI must start fast); the session and every model loaded are cached.
"""
from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from botocore.model import OperationModel, ServiceModel, Shape

__all__ = [
    "Problem",
    "Operation",
    "client_names",
    "service_model",
    "resolve_operation",
    "check_parameters",
    "sdk_service_name",
    "client_for_sdk_name",
    "iam_service_prefix",
    "to_sfn_parameters",
]


@dataclass(frozen=True)
class Problem:
    """Something wrong with a boto3 call, for the compiler to turn into a diagnostic.

    ``kind`` is one of ``unknown-client``, ``unknown-operation``,
    ``unknown-parameter``, ``missing-parameter``, ``unsupported-pattern``.
    ``suggestion`` is the closest valid name from the model ("did you mean"),
    or ``None`` when nothing is close.
    """

    kind: str
    message: str
    suggestion: str | None = None


@dataclass(frozen=True)
class Operation:
    """One API operation, named the three ways the world names it."""

    client: str  # boto3 / botocore service name: "dynamodb", "stepfunctions"
    method: str  # boto3 method: "put_item"
    name: str  # API operation: "PutItem"

    @property
    def model(self) -> "OperationModel":
        return service_model(self.client).operation_model(self.name)

    @property
    def input_members(self) -> tuple[str, ...]:
        shape = self.model.input_shape
        return tuple(shape.members) if shape is not None else ()

    @property
    def required_members(self) -> tuple[str, ...]:
        shape = self.model.input_shape
        return tuple(shape.required_members) if shape is not None else ()


@lru_cache(maxsize=1)
def _session() -> Any:
    import botocore.session

    return botocore.session.get_session()


@lru_cache(maxsize=1)
def client_names() -> tuple[str, ...]:
    """Every name ``boto3.client(...)`` accepts (botocore's service names)."""
    return tuple(_session().get_available_services())


def _canonical_client(client: str) -> str:
    from botocore.utils import SERVICE_NAME_ALIASES

    return SERVICE_NAME_ALIASES.get(client, client)


@lru_cache(maxsize=None)
def service_model(client: str) -> "ServiceModel":
    """The botocore ``ServiceModel`` of a boto3 client name (cached)."""
    return _session().get_service_model(_canonical_client(client))


@lru_cache(maxsize=None)
def _methods(client: str) -> dict[str, str]:
    """boto3 method name -> API operation name, built from the model.

    boto3 names a client method ``xform_name(operation)``; the inverse is not a
    string function (``ListObjectsV2`` -> ``list_objects_v2``), so it is built
    by applying ``xform_name`` to every operation the model lists.
    """
    from botocore import xform_name

    return {xform_name(op): op for op in service_model(client).operation_names}


def _closest(word: str, candidates: Iterable[str]) -> str | None:
    candidates = list(candidates)
    folded = {re.sub(r"[_\-]", "", c).lower(): c for c in candidates}
    key = re.sub(r"[_\-]", "", word).lower()
    if key in folded:  # PutItem / putitem / put-item for put_item
        return folded[key]
    found = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    if not found:
        found = difflib.get_close_matches(key, list(folded), n=1, cutoff=0.6)
        found = [folded[f] for f in found]
    return found[0] if found else None


def resolve_operation(client: str, method: str) -> Operation | Problem:
    """Map ``boto3.client(client).method`` to its API operation, or say why not."""
    if _canonical_client(client) not in client_names():
        guess = _closest(client, client_names())
        hint = f"; did you mean {guess!r}?" if guess else ""
        return Problem("unknown-client", f"boto3 has no client named {client!r}{hint}", guess)
    methods = _methods(client)
    if method in methods:
        return Operation(client, method, methods[method])
    guess = _closest(method, methods)
    hint = f"; did you mean `{guess}`?" if guess else ""
    return Problem(
        "unknown-operation",
        f"the {client!r} client has no method `{method}`{hint}",
        guess,
    )


def check_parameters(operation: Operation, names: Iterable[str]) -> list[Problem]:
    """Check keyword names against the operation's input shape, as boto3 would.

    Unknown names get a "did you mean" from the input members; required members
    that are absent are reported in the model's order (deterministic).
    """
    members = operation.input_members
    given = list(names)
    problems: list[Problem] = []
    for name in given:
        if name not in members:
            guess = _closest(name, members)
            hint = f"; did you mean `{guess}`?" if guess else ""
            problems.append(
                Problem(
                    "unknown-parameter",
                    f"`{operation.method}` ({operation.name}) has no parameter `{name}`{hint}",
                    guess,
                )
            )
    suggested = {p.suggestion for p in problems}
    for name in operation.required_members:
        if name not in given and name not in suggested:  # a misspelling is reported once
            problems.append(
                Problem(
                    "missing-parameter",
                    f"`{operation.method}` ({operation.name}) needs the parameter `{name}`",
                    name,
                )
            )
    return problems


# --- Step Functions' aws-sdk service names ---------------------------------------


def sdk_service_name(client: str) -> str:
    """The ``<service>`` in ``arn:aws:states:::aws-sdk:<service>:<action>``: the one
    map in :mod:`pyflow.asl.resources` (kept here for the callers that import it)."""
    from pyflow.asl.resources import sdk_service_name as name

    return name(client)


def client_for_sdk_name(sdk_name: str) -> str | None:
    """The boto3 client for an aws-sdk integration service name (``sfn`` -> ``stepfunctions``);
    see :func:`pyflow.asl.resources.client_for_sdk_name`."""
    from pyflow.asl.resources import client_for_sdk_name as client

    return client(sdk_name)


def iam_service_prefix(client: str) -> str:
    """The model's own guess at the IAM prefix: ``signingName``, else ``endpointPrefix``.

    :mod:`pyflow.iam.actions` corrects the few services where IAM differs.
    """
    model = service_model(client)
    return str(model.signing_name or model.endpoint_prefix)


# --- parameter names as Step Functions spells them --------------------------------


def _pascal(name: str) -> str:
    return name[:1].upper() + name[1:]


def to_sfn_parameters(operation: Operation, params: Mapping[str, Any], *, aws_sdk: bool) -> dict[str, Any]:
    """Rename boto3 keyword arguments to the names a Task state's parameters use.

    Step Functions spells every structure member in PascalCase, even where the
    API and boto3 use camelCase (``batch.submit_job(jobName=...)`` ->
    ``JobName``; API Gateway's ``restApiId`` -> ``RestApiId``). Literal nested
    dicts and lists are walked along the input shape so nested structure
    members are renamed too, while map keys (a DynamoDB ``Item``'s attribute
    names) are left alone. Values that are not plain JSON containers (the
    compiler's expression objects) pass through untouched. For aws-sdk
    integrations a member named ``Equals`` is spelled ``EqualsValue``, as the
    Step Functions guide documents.
    """
    shape = operation.model.input_shape
    out: dict[str, Any] = {}
    for key, value in params.items():
        member = shape.members.get(key) if shape is not None else None
        out[_member_name(key, aws_sdk)] = _rename(value, member, aws_sdk)
    return out


def _member_name(name: str, aws_sdk: bool) -> str:
    pascal = _pascal(name)
    return "EqualsValue" if aws_sdk and pascal == "Equals" else pascal


def _rename(value: Any, shape: "Shape | None", aws_sdk: bool) -> Any:
    if shape is None:
        return value
    if shape.type_name == "structure" and isinstance(value, dict):
        members = shape.members  # type: ignore[attr-defined]
        return {
            (_member_name(k, aws_sdk) if k in members else k): _rename(v, members.get(k), aws_sdk)
            for k, v in value.items()
        }
    if shape.type_name == "list" and isinstance(value, list):
        return [_rename(v, shape.member, aws_sdk) for v in value]  # type: ignore[attr-defined]
    if shape.type_name == "map" and isinstance(value, dict):
        return {k: _rename(v, shape.value, aws_sdk) for k, v in value.items()}  # type: ignore[attr-defined]
    return value
