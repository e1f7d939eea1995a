"""The execution role's least-privilege policy, read from a state machine definition.

Reads ASL only (either query language), so it serves ``pyflow policy``, the CDK
construct, and hand-written definitions alike. For each Task state:

* Lambda (``"Resource": "${name}"``, a function ARN, or ``lambda:invoke`` with
  a literal ``FunctionName``): ``lambda:InvokeFunction`` on the function and on
  ``<function>:*`` (its versions and aliases).
* A service call (optimized or aws-sdk): the IAM actions of the operation
  (:func:`pyflow.iam.actions.iam_actions`) on the narrowest ARN the literal
  parameters give (a DynamoDB ``TableName``, an SQS ``QueueUrl``, an SNS
  ``TopicArn``, an S3 ``Bucket``/``Key``, a ``StateMachineArn`` ...), written with
  CloudFormation pseudo parameters (``arn:${AWS::Partition}:dynamodb:
  ${AWS::Region}:${AWS::AccountId}:table/users``) for ``Fn::Sub``. Where nothing
  can be derived the resource is ``"*"`` and a :class:`PolicyWarning` names the state.
* ``.sync``: the describe/stop actions Step Functions polls with and, where the
  guide documents one, ``events:PutTargets/PutRule/DescribeRule`` on the managed
  rule (``StepFunctionsGetEventsForECSTaskRule`` ...).
* Activities: nothing. The worker polls with its own credentials; the guide's
  policy for a machine with only activity tasks allows nothing.

A definition that needs no permission at all gets the guide's "activities or no
Tasks" policy: one statement denying everything (IAM rejects empty policies).
Statements are grouped by action set, never duplicated, and sorted.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Callable

__all__ = ["PolicyWarning", "PolicyResult", "analyze_definition", "policy_for_definition", "SYNC_PERMISSIONS"]

PARTITION = "${AWS::Partition}"
REGION = "${AWS::Region}"
ACCOUNT = "${AWS::AccountId}"
WILDCARD = "*"


@dataclass(frozen=True)
class PolicyWarning:
    """Something the policy could not make narrow, naming the state responsible.

    ``kind``: ``wildcard-resource`` (a ``"*"`` resource), ``unknown-resource`` (a
    Resource this module does not understand: no permission was added),
    ``sync-permissions`` (a ``.sync`` whose polling permissions are not known
    here), ``distributed-map`` (child executions are not covered).
    """

    state: str
    kind: str
    message: str


@dataclass(frozen=True)
class PolicyResult:
    document: dict[str, Any]
    warnings: tuple[PolicyWarning, ...]


class _Dynamic:
    """Marks a parameter whose value is only known at run time."""

    def __repr__(self) -> str:  # pragma: no cover
        return "<dynamic>"


DYNAMIC = _Dynamic()


def _arn(service: str, resource: str, *, region: str = REGION, account: str = ACCOUNT) -> str:
    return f"arn:{PARTITION}:{service}:{region}:{account}:{resource}"


def _rule(name: str) -> str:
    return _arn("events", f"rule/{name}")


# --- parameters -------------------------------------------------------------------


def _is_jsonata_expr(value: Any) -> bool:
    return isinstance(value, str) and value.strip().startswith("{%") and value.strip().endswith("%}")


def _literal(value: Any, jsonata: bool) -> Any:
    """The ASL parameter payload with every run-time value replaced by DYNAMIC."""
    if jsonata and _is_jsonata_expr(value):
        return DYNAMIC
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not jsonata and key.endswith(".$"):
                out[key[:-2]] = DYNAMIC
            else:
                out[key] = _literal(item, jsonata)
        return out
    if isinstance(value, list):
        return [_literal(v, jsonata) for v in value]
    return value


def _params(state: Mapping[str, Any], jsonata: bool) -> dict[str, Any]:
    raw = state.get("Arguments" if jsonata else "Parameters")
    if raw is None:
        # A state in one language may still carry the other field when hand-written.
        raw = state.get("Parameters" if jsonata else "Arguments", {})
    value = _literal(raw, jsonata)
    return value if isinstance(value, dict) else {}


def _get(params: Mapping[str, Any], name: str) -> Any:
    """A parameter by its PascalCase name (camelCase tolerated); DYNAMIC if absent-but-dynamic."""
    for key in (name, name[:1].lower() + name[1:]):
        if key in params:
            return params[key]
    return None


def _text(params: Mapping[str, Any], name: str) -> str | None:
    value = _get(params, name)
    return value if isinstance(value, str) else None


# --- resource ARNs from literal parameters ------------------------------------------

Deriver = Callable[[str, Mapping[str, Any]], "list[str] | None"]


def _table_arns(op: str, p: Mapping[str, Any]) -> list[str] | None:
    names: list[str] = []
    table = _text(p, "TableName")
    if table:
        names.append(table)
    items = _get(p, "RequestItems")
    if isinstance(items, dict):
        names.extend(items)
    if not names or (_get(p, "TableName") is DYNAMIC):
        return None
    arns = [n if n.startswith("arn:") else _arn("dynamodb", f"table/{n}") for n in names]
    index = _text(p, "IndexName")
    if index and table:
        arns.append(f"{arns[0]}/index/{index}")
    return arns


_SQS_URL = re.compile(r"^https?://(?P<host>[^/]+)/(?P<account>[^/]+)/(?P<name>[^/?#]+)/?$")


def _queue_arns(op: str, p: Mapping[str, Any]) -> list[str] | None:
    url = _text(p, "QueueUrl")
    if url:
        found = _SQS_URL.match(url)
        if not found:
            return None
        region = REGION
        host = re.match(r"^(?:sqs\.)?(?P<region>[a-z]{2}(?:-[a-z]+)+-\d)\.", found["host"])
        if host:
            region = host["region"]
        return [_arn("sqs", found["name"], region=region, account=found["account"])]
    name = _text(p, "QueueName")
    return [_arn("sqs", name)] if name else None


def _topic_arns(op: str, p: Mapping[str, Any]) -> list[str] | None:
    for key in ("TopicArn", "TargetArn"):
        arn = _text(p, key)
        if arn:
            return [arn]
    name = _text(p, "Name")
    return [_arn("sns", name)] if name and op == "CreateTopic" else None


def _s3_arns(op: str, p: Mapping[str, Any]) -> list[str] | None:
    from pyflow.integrations.model import service_model

    bucket = _text(p, "Bucket")
    if not bucket:
        return None
    shape = service_model("s3").operation_model(op).input_shape
    if shape is None or "Key" not in shape.members:
        return [f"arn:{PARTITION}:s3:::{bucket}"]
    key = _text(p, "Key")
    return [f"arn:{PARTITION}:s3:::{bucket}/{key if key else '*'}"]


def _states_arns(op: str, p: Mapping[str, Any]) -> list[str] | None:
    for key in ("StateMachineArn", "ExecutionArn", "ActivityArn", "MapRunArn"):
        arn = _text(p, key)
        if arn:
            return [arn]
    return None


def _event_bus_arns(op: str, p: Mapping[str, Any]) -> list[str] | None:
    def bus(name: str) -> str:
        return name if name.startswith("arn:") else _arn("events", f"event-bus/{name}")

    if op == "PutEvents":
        entries = _get(p, "Entries")
        if not isinstance(entries, list):
            return None
        buses: list[str] = []
        for entry in entries:
            if not isinstance(entry, dict):
                return None
            name = _get(entry, "EventBusName")
            if name is None:
                name = "default"  # PutEvents' documented default bus
            if not isinstance(name, str):
                return None
            buses.append(bus(name))
        return buses or None
    name = _text(p, "EventBusName")
    return [bus(name)] if name else None


def _function_arns(name: str) -> list[str]:
    """A Lambda function and its versions/aliases, from a name, ARN or ``${substitution}``."""
    if name.startswith("${") or name.startswith("arn:"):
        base = name
        parts = name.split(":")
        if name.startswith("arn:") and len(parts) == 8:  # qualified ARN: drop the qualifier
            base = ":".join(parts[:7])
    else:
        base = _arn("lambda", f"function:{name.split(':')[0]}")
    return [base, f"{base}:*"]


def _lambda_arns(op: str, p: Mapping[str, Any]) -> list[str] | None:
    name = _text(p, "FunctionName")
    return _function_arns(name) if name else None


def _secret_arns(op: str, p: Mapping[str, Any]) -> list[str] | None:
    secret = _text(p, "SecretId") or (_text(p, "Name") if op == "CreateSecret" else None)
    if not secret:
        return None
    # Secrets Manager appends "-" and six random characters to a secret's ARN.
    return [secret if secret.startswith("arn:") else _arn("secretsmanager", f"secret:{secret}-??????")]


def _parameter_arns(op: str, p: Mapping[str, Any]) -> list[str] | None:
    names = _get(p, "Names")
    if not isinstance(names, list):
        names = [_get(p, "Name")]
    if not names or not all(isinstance(n, str) for n in names):
        return None
    return [n if n.startswith("arn:") else _arn("ssm", f"parameter/{n.lstrip('/')}") for n in names]


def _codebuild_arns(op: str, p: Mapping[str, Any]) -> list[str] | None:
    name = _text(p, "ProjectName")
    if not name:
        return None
    return [name if name.startswith("arn:") else _arn("codebuild", f"project/{name}")]


def _ecs_arns(op: str, p: Mapping[str, Any]) -> list[str] | None:
    if op != "RunTask":
        return None
    td = _text(p, "TaskDefinition")
    if not td:
        return None
    if td.startswith("arn:"):
        return [td]
    return [_arn("ecs", f"task-definition/{td if ':' in td else td + ':*'}")]


def _athena_arns(op: str, p: Mapping[str, Any]) -> list[str] | None:
    group = _get(p, "WorkGroup")
    if group is None:
        group = "primary"  # Athena's default work group
    return [_arn("athena", f"workgroup/{group}")] if isinstance(group, str) else None


def _sagemaker_arns(op: str, p: Mapping[str, Any]) -> list[str] | None:
    kinds = {"CreateTrainingJob": ("TrainingJobName", "training-job"), "CreateTransformJob": ("TransformJobName", "transform-job")}
    if op not in kinds:
        return None
    key, kind = kinds[op]
    name = _text(p, key)
    return [_arn("sagemaker", f"{kind}/{name}")] if name else None


def _no_resource_level(op: str, p: Mapping[str, Any]) -> list[str] | None:
    return None


_DERIVERS: dict[str, Deriver] = {
    "dynamodb": _table_arns,
    "sqs": _queue_arns,
    "sns": _topic_arns,
    "s3": _s3_arns,
    "stepfunctions": _states_arns,
    "events": _event_bus_arns,
    "lambda": _lambda_arns,
    "secretsmanager": _secret_arns,
    "ssm": _parameter_arns,
    "codebuild": _codebuild_arns,
    "ecs": _ecs_arns,
    "athena": _athena_arns,
    "sagemaker": _sagemaker_arns,
}

#: Services whose actions take no resource-level permissions (the guide's own policies use "*").
_STAR_BY_DESIGN = frozenset({"batch", "glue"})


# --- .sync ----------------------------------------------------------------------


@dataclass(frozen=True)
class SyncPermissions:
    """What ``.sync`` adds: polling/stopping actions, and the managed events rule if any."""

    actions: tuple[str, ...]
    on: str  # "same": the call's own resources; "*": any; "executions": the machine's executions
    rule: str | None = None


#: From each service's page in the Step Functions guide ("IAM policies for ...").
SYNC_PERMISSIONS: Mapping[tuple[str, str], SyncPermissions] = {
    ("ecs", "RunTask"): SyncPermissions(("ecs:DescribeTasks", "ecs:StopTask"), "*", "StepFunctionsGetEventsForECSTaskRule"),
    ("batch", "SubmitJob"): SyncPermissions(
        ("batch:DescribeJobs", "batch:TerminateJob"), "*", "StepFunctionsGetEventsForBatchJobsRule"
    ),
    ("glue", "StartJobRun"): SyncPermissions(("glue:BatchStopJobRun", "glue:GetJobRun", "glue:GetJobRuns"), "*"),
    ("codebuild", "StartBuild"): SyncPermissions(
        ("codebuild:BatchGetBuilds", "codebuild:StopBuild"), "same", "StepFunctionsGetEventForCodeBuildStartBuildRule"
    ),
    ("athena", "StartQueryExecution"): SyncPermissions(("athena:GetQueryExecution", "athena:StopQueryExecution"), "same"),
    ("stepfunctions", "StartExecution"): SyncPermissions(
        ("states:DescribeExecution", "states:StopExecution"),
        "executions",
        "StepFunctionsGetEventsForStepFunctionsExecutionRule",
    ),
    ("sagemaker", "CreateTrainingJob"): SyncPermissions(
        ("sagemaker:DescribeTrainingJob", "sagemaker:StopTrainingJob"),
        "same",
        "StepFunctionsGetEventsForSageMakerTrainingJobsRule",
    ),
    ("sagemaker", "CreateTransformJob"): SyncPermissions(
        ("sagemaker:DescribeTransformJob", "sagemaker:StopTransformJob"),
        "same",
        "StepFunctionsGetEventsForSageMakerTransformJobsRule",
    ),
}

_MACHINE_ARN = re.compile(r"^(?P<prefix>arn:[^:]+:states:[^:]*:[^:]*):stateMachine:(?P<name>[^:]+)(?::.*)?$")


def _execution_arns(machines: list[str]) -> list[str] | None:
    out = []
    for arn in machines:
        found = _MACHINE_ARN.match(arn)
        if not found:
            return None
        out.append(f"{found['prefix']}:execution:{found['name']}:*")
    return out


# --- the walk -----------------------------------------------------------------------


class _Collector:
    def __init__(self, lambda_tasks: Mapping[str, str] | None, activities: Iterable[str]) -> None:
        self.grants: set[tuple[str, str]] = set()
        self.warnings: list[PolicyWarning] = []
        self.lambda_tasks = dict(lambda_tasks or {})
        self.activities = {a if a.startswith("${") else "${" + a + "}" for a in activities}

    def grant(self, actions: Iterable[str], resources: Iterable[str]) -> None:
        for action in actions:
            for resource in resources:
                self.grants.add((action, resource))

    def function(self, target: str) -> str:
        """A ``${name}`` bound to an existing function (``lambda_tasks``) becomes its ARN."""
        key = target[2:-1] if target.startswith("${") and target.endswith("}") else None
        return self.lambda_tasks.get(key, target) if key is not None else target

    def warn(self, state: str, kind: str, message: str) -> None:
        warning = PolicyWarning(state, kind, message)
        if warning not in self.warnings:
            self.warnings.append(warning)

    def walk(self, machine: Mapping[str, Any], language: str) -> None:
        """Every Task's permissions, nested branches and item processors included
        (``asl.walk`` gives each state the query language its fields are written in)."""
        from pyflow.asl.model import walk

        for visit in walk(machine, language):
            name, state = visit.name, visit.state
            kind = state.get("Type")
            if kind == "Task":
                self.task(name, state, visit.language == "JSONata")
            elif kind == "Map":
                inner = state.get("ItemProcessor") or state.get("Iterator") or {}
                mode = inner.get("ProcessorConfig", {}).get("Mode", "INLINE")
                if mode == "DISTRIBUTED":
                    self.warn(
                        name,
                        "distributed-map",
                        f"state {name!r}: a distributed Map starts child executions; their "
                        "states:StartExecution/DescribeExecution/StopExecution permissions are not generated",
                    )

    def task(self, name: str, state: Mapping[str, Any], jsonata: bool) -> None:
        from pyflow.iam.actions import iam_actions
        from pyflow.integrations.resources import parse_resource

        resource = state.get("Resource", "")
        if resource in self.activities:
            return
        parsed = parse_resource(resource)
        if parsed.kind == "activity":
            return  # activity workers call Step Functions with their own credentials
        if parsed.kind == "lambda":
            self.grant(["lambda:InvokeFunction"], _function_arns(self.function(parsed.target or resource)))
            return
        if parsed.kind == "unknown" or parsed.client is None or parsed.operation is None:
            self.warn(name, "unknown-resource", f"state {name!r}: no permission generated for Resource {resource!r}")
            return
        client, op = parsed.client, parsed.operation
        params = _params(state, jsonata)
        actions = iam_actions(client, op)
        if client == "lambda" and isinstance(_get(params, "FunctionName"), str):
            params = {**params, "FunctionName": self.function(_get(params, "FunctionName"))}
        deriver = _DERIVERS.get(client)
        resources = deriver(op, params) if deriver else None
        if resources is None:
            resources = [WILDCARD]
            why = (
                f"{client} {op} has no resource-level permissions"
                if client in _STAR_BY_DESIGN
                else "no resource ARN can be derived from its literal parameters"
            )
            self.warn(name, "wildcard-resource", f"state {name!r}: {', '.join(actions)} on \"*\": {why}")
        self.grant(actions, resources)
        if parsed.pattern in ("sync", "sync:2"):
            self.sync(name, client, op, resources)

    def sync(self, name: str, client: str, op: str, resources: list[str]) -> None:
        extra = SYNC_PERMISSIONS.get((client, op))
        if extra is None:
            self.warn(
                name,
                "sync-permissions",
                f"state {name!r}: the .sync polling permissions of {client} {op} are not known to pyflow; add them",
            )
            return
        if extra.on == "same":
            on = resources
        elif extra.on == "executions":
            on = _execution_arns(resources) if resources != [WILDCARD] else None
            if on is None:
                on = [_arn("states", "execution:*")]
                self.warn(
                    name,
                    "wildcard-resource",
                    f"state {name!r}: states:DescribeExecution/StopExecution on every execution: the "
                    "state machine's name is not in its literal ARN",
                )
        else:
            on = [WILDCARD]
        self.grant(extra.actions, on)
        if extra.rule:
            self.grant(("events:DescribeRule", "events:PutRule", "events:PutTargets"), [_rule(extra.rule)])

    def document(self) -> dict[str, Any]:
        starred = {a for a, r in self.grants if r == WILDCARD}
        by_resource: dict[str, set[str]] = {}
        for action, resource in self.grants:
            if action in starred and resource != WILDCARD:
                continue  # already allowed everywhere
            by_resource.setdefault(resource, set()).add(action)
        by_actions: dict[tuple[str, ...], list[str]] = {}
        for resource, actions in by_resource.items():
            by_actions.setdefault(tuple(sorted(actions)), []).append(resource)
        statements: list[dict[str, Any]] = [
            {"Effect": "Allow", "Action": list(actions), "Resource": sorted(resources)}
            for actions, resources in sorted(by_actions.items(), key=lambda kv: (kv[0], sorted(kv[1])))
        ]
        if not statements:
            # The guide's policy for "Activities or no Tasks"; IAM rejects an empty Statement list.
            statements = [{"Effect": "Deny", "Action": "*", "Resource": "*"}]
        return {"Version": "2012-10-17", "Statement": statements}


def analyze_definition(
    definition: Mapping[str, Any],
    *,
    lambda_tasks: Mapping[str, str] | None = None,
    activities: Iterable[str] = (),
) -> PolicyResult:
    """The execution role's policy for ``definition``, with warnings for every ``"*"``.

    ``lambda_tasks`` maps a substitution name (``submit_job`` for
    ``"${submit_job}"``) to the function ARN to grant instead, for tasks bound to
    an existing function; unmapped substitutions stay ``${name}`` in the policy
    (CDK fills them in). ``activities`` lists substitution names that are
    activities rather than Lambda functions (they need no permission).
    """
    collector = _Collector(lambda_tasks, activities)
    collector.walk(definition, "JSONPath")
    return PolicyResult(collector.document(), tuple(collector.warnings))


def policy_for_definition(
    definition: dict[str, Any],
    *,
    lambda_tasks: Mapping[str, str] | None = None,
    activities: Iterable[str] = (),
) -> dict[str, Any]:
    """Just the policy document of :func:`analyze_definition`."""
    return analyze_definition(definition, lambda_tasks=lambda_tasks, activities=activities).document
