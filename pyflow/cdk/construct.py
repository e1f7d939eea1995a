"""``pyflow.cdk.Workflow``: a ``@workflow`` as deployable CDK constructs.

One construct gives the whole deployment of a workflow: a Lambda function per
``@task``, a state machine built from the compiled ASL (not re-modelled with
``aws_stepfunctions`` states, so what runs in AWS is byte for byte what
``pyflow compile`` printed and the local runner executed), nested ``@workflow``s as
their own state machines, activities, and one execution role whose policy is
exactly what ``pyflow.iam`` derives from the states, plus what logging, tracing and
encryption need.

The state-machine-level API (grants and metrics) delegates to the underlying
``sfn.StateMachine`` so it behaves exactly as the CDK's; ``state_machine``,
``functions``, ``activities``, ``nested`` and ``role`` are exposed for anything else.
"""
from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

# jsii prints an end-of-life banner on every start under Node 20; it is noise in a synth.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

import aws_cdk as cdk  # noqa: E402
import jsii  # noqa: E402
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from pyflow.cdk.assets import build_asset
from pyflow.cdk.source import WorkflowSource, compile_source, query_language_name
from pyflow.compiled import CompiledWorkflow, TaskInfo, dumps_deployed

#: The Lambda entry point of every task (``PYFLOW_TASK`` says which task).
HANDLER = "pyflow.runtime.handler"
DEFAULT_RUNTIME = "python3.12"
#: Lambda's own default (3 s) kills ordinary Python tasks; a minute is a safer default.
#: ``@task(timeout=...)`` overrides it (and also bounds the Task state).
DEFAULT_TIMEOUT_SECONDS = 60
LAMBDA_MAX_TIMEOUT_SECONDS = 900

#: Per-task CloudWatch metrics Step Functions publishes (namespace ``AWS/States``):
#: metric -> (prefix form, default statistic). Lambda tasks are reported as
#: ``LambdaFunction<X>``/``LambdaFunctions<X>`` with dimension ``LambdaFunctionArn``,
#: activities as ``Activity<X>``/``Activities<X>`` with ``ActivityArn``.
TASK_METRICS: dict[str, tuple[str, str]] = {
    "Failed": ("plural", "Sum"),
    "Succeeded": ("plural", "Sum"),
    "Started": ("plural", "Sum"),
    "Scheduled": ("plural", "Sum"),
    "TimedOut": ("plural", "Sum"),
    "HeartbeatTimedOut": ("plural", "Sum"),  # activities only
    "Time": ("singular", "Average"),
    "RunTime": ("singular", "Average"),
    "ScheduleTime": ("singular", "Average"),
}

Existing = Union[lambda_.IFunction, sfn.IStateMachine, sfn.IActivity, str]

_PLACEHOLDER = re.compile(r"\$\{([^}]+)\}")
_PSEUDO_PARAMETERS: dict[str, Callable[[], str]] = {
    "AWS::Region": lambda: cdk.Aws.REGION,
    "AWS::AccountId": lambda: cdk.Aws.ACCOUNT_ID,
    "AWS::Partition": lambda: cdk.Aws.PARTITION,
    "AWS::URLSuffix": lambda: cdk.Aws.URL_SUFFIX,
    "AWS::StackName": lambda: cdk.Aws.STACK_NAME,
}


# --------------------------------------------------------------------------- policy
def workflow_policy(compiled: CompiledWorkflow) -> dict[str, Any]:
    """The execution role's policy for ``compiled``, with ``${...}`` placeholders.

    The single source of truth is ``pyflow.iam`` (also behind ``pyflow policy``), so
    the deployed role and the printed policy cannot drift apart.
    """
    from pyflow.iam import policy_for_definition

    existing = {t.name: t.existing_arn for t in compiled.tasks if t.existing_arn}
    return policy_for_definition(compiled.definition, lambda_tasks=existing, activities=compiled.activities)


# --------------------------------------------------------------------------- helpers
def _task_modules(compiled: CompiledWorkflow) -> dict[Path, tuple[str, ...]]:
    """The modules of every task of the workflow tree, by the source root they import from:
    an asset holds these and what they import, nothing else of the directory."""
    found: dict[Path, set[str]] = {}
    pending = [compiled]
    while pending:
        wf = pending.pop()
        pending.extend(wf.nested)
        for info in wf.tasks:
            found.setdefault(info.root, set()).add(info.module)
    return {root: tuple(sorted(names)) for root, names in found.items()}


def definition_text(compiled: CompiledWorkflow, *, comment: str | None, timeout: Any) -> str:
    """The definition to deploy: ``compiled.json``, with ``Comment`` and ``TimeoutSeconds``
    set when given.

    They must live in the definition: for a string definition body the CDK ignores
    its ``comment``/``timeout`` props, and CloudFormation has no such properties.
    The text is the deployed form (no indentation), the bytes Step Functions' 1 MB
    limit and PF120 count; unchanged definitions are ``compiled.deployed_json``.
    """
    seconds = int(timeout.to_seconds()) if isinstance(timeout, cdk.Duration) else timeout
    definition = compiled.definition
    if (comment is None or definition.get("Comment") == comment) and (
        seconds is None or definition.get("TimeoutSeconds") == seconds
    ):
        return compiled.deployed_json
    updated: dict[str, Any] = {}
    head = {k: definition[k] for k in ("QueryLanguage",) if k in definition}
    updated.update(head)
    if comment is not None:
        updated["Comment"] = comment
    for key, value in definition.items():
        if key not in updated:
            updated[key] = value
    if seconds is not None:
        updated["TimeoutSeconds"] = int(seconds)
    return dumps_deployed(updated)


def _runtime(value: Any) -> lambda_.Runtime:
    if value is None:
        value = DEFAULT_RUNTIME
    if isinstance(value, lambda_.Runtime):
        return value
    name = str(value).lower()
    if not name.startswith("python"):
        name = "python" + name
    for runtime in lambda_.Runtime.ALL:
        if runtime.name == name:
            return runtime
    return lambda_.Runtime(name, lambda_.RuntimeFamily.PYTHON)


def _architecture(value: Any) -> lambda_.Architecture | None:
    if value is None or isinstance(value, lambda_.Architecture):
        return value
    key = str(value).lower().replace("-", "_")
    if key in ("arm64", "arm_64", "aarch64"):
        return lambda_.Architecture.ARM_64
    if key in ("x86_64", "x86", "amd64"):
        return lambda_.Architecture.X86_64
    raise ValueError(f"architecture must be 'arm64' or 'x86_64', not {value!r}")


def _lambda_timeout(info: TaskInfo) -> cdk.Duration:
    seconds = info.options.get("timeout")
    if seconds is None:
        return cdk.Duration.seconds(DEFAULT_TIMEOUT_SECONDS)
    if seconds > LAMBDA_MAX_TIMEOUT_SECONDS:
        raise ValueError(
            f"task {info.name!r}: timeout={seconds} exceeds Lambda's {LAMBDA_MAX_TIMEOUT_SECONDS} s maximum; "
            "use an activity or a service integration for longer work"
        )
    return cdk.Duration.seconds(seconds)


def _state_machine_type(value: Any) -> sfn.StateMachineType:
    if isinstance(value, sfn.StateMachineType):
        return value
    text = str(value or "STANDARD").upper()
    if text not in ("STANDARD", "EXPRESS"):
        raise ValueError(f"type must be 'STANDARD' or 'EXPRESS', not {value!r}")
    return sfn.StateMachineType[text]


_LOG_LEVELS = {"ALL": sfn.LogLevel.ALL, "ERROR": sfn.LogLevel.ERROR, "FATAL": sfn.LogLevel.FATAL, "OFF": sfn.LogLevel.OFF}


def _log_options(value: Any) -> sfn.LogOptions | None:
    """Normalise ``logs=``: ``LogOptions``, ``True``, a level name, or a dict of its fields.

    ``True`` (e.g. ``@workflow(logs=True)``) means level ``ALL`` with execution data:
    someone who asks for logs without details wants to debug.
    """
    if value is None or value is False:
        return None
    if isinstance(value, sfn.LogOptions):
        return value
    if value is True:
        return sfn.LogOptions(level=sfn.LogLevel.ALL, include_execution_data=True)
    if isinstance(value, sfn.LogLevel):
        return sfn.LogOptions(level=value)
    if isinstance(value, str):
        if value.upper() not in _LOG_LEVELS:
            raise ValueError(f"logs level must be one of {sorted(_LOG_LEVELS)}, not {value!r}")
        return sfn.LogOptions(level=_LOG_LEVELS[value.upper()])
    if isinstance(value, Mapping):
        level = value.get("level", "ALL")
        return sfn.LogOptions(
            destination=value.get("destination"),
            level=_LOG_LEVELS[str(level).upper()] if isinstance(level, str) else level,
            include_execution_data=value.get("include_execution_data"),
        )
    raise TypeError(f"logs must be sfn.LogOptions, True, a level name or a dict, not {type(value).__name__}")


def _task_name(task: Any) -> str:
    return task if isinstance(task, str) else str(getattr(task, "name", None) or getattr(task, "__name__"))


@dataclass
class _Shared:
    """What the machines of one workflow tree share: a task called from the parent and
    from a nested workflow is one Lambda function, a nested workflow called twice is
    one state machine."""

    scope: Construct
    overrides: Mapping[str, Existing]
    exclude: tuple[Path, ...]
    tracing: bool | None
    functions: dict[str, lambda_.IFunction] = field(default_factory=dict)
    activities: dict[str, sfn.IActivity] = field(default_factory=dict)
    machines: dict[str, sfn.IStateMachine] = field(default_factory=dict)
    workflows: dict[str, "Workflow"] = field(default_factory=dict)
    code: dict[Path, lambda_.Code] = field(default_factory=dict)
    building: set[str] = field(default_factory=set)
    modules: dict[Path, tuple[str, ...]] = field(default_factory=dict)  # per source root: the task modules


# --------------------------------------------------------------------------- construct
@jsii.implements(iam.IGrantable)
class Workflow(Construct):
    """A pyflow ``@workflow`` deployed as a Step Functions state machine.

    ``workflow`` is the ``@workflow`` function, a ``"file.py:function"`` string, or an
    already compiled ``CompiledWorkflow``. Keyword arguments override the options
    written in ``@workflow(...)``; ``None`` means "as the decorator says".

    - ``logs``: ``sfn.LogOptions`` (a LogGroup is created when it has no
      ``destination``), ``True``, a level name, or ``False`` to turn logging off.
    - ``tracing``: X-Ray tracing of the state machine and its task functions.
    - ``type``: ``"STANDARD"`` or ``"EXPRESS"``; ``timeout`` in seconds or a
      ``Duration``; ``comment``; ``state_machine_name``.
    - ``query_language``: compile for ``"jsonata"`` (default) or ``"jsonpath"``.
    - ``encryption``: an ``sfn.EncryptionConfiguration`` (customer-managed KMS keys
      add the key permissions the service documents to the role).
    - ``existing``: use these instead of creating resources, by substitution name
      (task name, nested workflow name or activity name): an ``IFunction``, an
      ``IStateMachine``, an ``IActivity`` or an ARN string.
    - ``exclude``: directories not to package into Lambda code (e.g. ``cdk.out``).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        workflow: WorkflowSource,
        logs: Any = None,
        tracing: bool | None = None,
        type: Any = None,  # noqa: A002 - the name the issue and users use
        query_language: Any = None,
        timeout: int | cdk.Duration | None = None,
        comment: str | None = None,
        state_machine_name: str | None = None,
        encryption: sfn.EncryptionConfiguration | None = None,
        removal_policy: cdk.RemovalPolicy | None = None,
        existing: Mapping[str, Existing] | None = None,
        exclude: tuple[str | Path, ...] = (),
        _shared: _Shared | None = None,
    ) -> None:
        super().__init__(scope, id)
        self.compiled = compile_source(workflow, query_language)
        compiled = self.compiled
        opts = compiled.options
        root = _shared is None
        if _shared is None:
            _shared = _Shared(
                scope=self,
                overrides=dict(existing or {}),
                exclude=tuple(Path(p) for p in exclude),
                tracing=tracing if tracing is not None else bool(opts.get("tracing")),
                modules=_task_modules(compiled),
            )
        self._shared = _shared
        _shared.building.add(compiled.name)
        self.tracing = bool(tracing if tracing is not None else opts.get("tracing", False))

        # Resources the definition names, then its substitutions.
        self.functions: dict[str, lambda_.IFunction] = {t.name: self._function(t) for t in compiled.tasks}
        self.activities: dict[str, sfn.IActivity] = {a: self._activity(a) for a in compiled.activities}
        effective_logs = logs if logs is not None else opts.get("logs")
        self.nested: dict[str, sfn.IStateMachine] = {
            # A nested machine keeps what its own @workflow(...) says, else inherits the
            # parent's logs and tracing: one trace and one log setting per deployment.
            w.name: self._nested(
                w,
                logs=w.options.get("logs", effective_logs),
                tracing=w.options.get("tracing", self.tracing),
                encryption=encryption,
                removal_policy=removal_policy,
            )
            for w in compiled.nested
        }
        self.substitutions: dict[str, str] = self._substitutions()

        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("states.amazonaws.com"),
            description=f"Execution role of pyflow workflow {compiled.name}",
        )
        self.policy_document: dict[str, Any] = workflow_policy(compiled)
        for statement in self.policy_document.get("Statement", []):
            if statement.get("Effect") == "Deny":
                # pyflow.iam's document for a machine that needs nothing is the guide's Deny-all
                # (a policy must hold a statement). In a role, a Deny overrides the logging,
                # X-Ray and grant permissions CDK adds to the same role: no statement instead.
                continue
            self.role.add_to_policy(iam.PolicyStatement.from_json(self._resolve(statement)))

        log_options = _log_options(logs if logs is not None else opts.get("logs"))
        if log_options is not None and log_options.destination is None and log_options.level != sfn.LogLevel.OFF:
            self.log_group: aws_logs.ILogGroup | None = aws_logs.LogGroup(self, "Logs", removal_policy=removal_policy)
            log_options = sfn.LogOptions(
                destination=self.log_group,
                level=log_options.level,
                include_execution_data=log_options.include_execution_data,
            )
        else:
            self.log_group = log_options.destination if log_options is not None else None

        ql = query_language_name(compiled.query_language)
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            definition_body=sfn.DefinitionBody.from_string(
                definition_text(
                    compiled,
                    comment=comment if (comment is not None and root) else opts.get("comment"),
                    timeout=timeout if (timeout is not None and root) else opts.get("timeout"),
                )
            ),
            definition_substitutions=self.substitutions or None,
            role=self.role,
            state_machine_name=state_machine_name if (state_machine_name is not None and root) else opts.get("name"),
            state_machine_type=_state_machine_type(type if (type is not None and root) else opts.get("type")),
            logs=log_options,
            tracing_enabled=self.tracing or None,
            encryption_configuration=encryption,
            query_language=sfn.QueryLanguage.JSONATA if ql == "jsonata" else sfn.QueryLanguage.JSON_PATH,
            removal_policy=removal_policy,
        )
        _shared.building.discard(compiled.name)
        _shared.machines[compiled.name] = self.state_machine
        _shared.workflows[compiled.name] = self

    # ----------------------------------------------------------------- resources
    def _function(self, info: TaskInfo) -> lambda_.IFunction:
        shared = self._shared
        if info.name in shared.functions:
            return shared.functions[info.name]
        cid = f"Task-{info.name}"
        given = shared.overrides.get(info.name)
        if given is not None:
            fn = lambda_.Function.from_function_arn(shared.scope, cid, given) if isinstance(given, str) else given
        elif info.existing_arn:
            fn = lambda_.Function.from_function_arn(shared.scope, cid, info.existing_arn)
        else:
            opts = info.options
            environment = {str(k): str(v) for k, v in sorted((opts.get("environment") or {}).items())}
            environment["PYFLOW_TASK"] = f"{info.module}:{info.function}"
            fn = lambda_.Function(
                shared.scope,
                cid,
                code=self._code(info.root),
                handler=HANDLER,
                runtime=_runtime(opts.get("runtime")),
                memory_size=opts.get("memory"),
                timeout=_lambda_timeout(info),
                architecture=_architecture(opts.get("architecture")),
                environment=environment,
                tracing=lambda_.Tracing.ACTIVE if shared.tracing else None,
                description=f"pyflow task {info.module}:{info.function}",
            )
        shared.functions[info.name] = fn
        return fn

    def _code(self, root: Path) -> lambda_.Code:
        """One asset per source directory, shared by the functions packaged from it."""
        shared = self._shared
        if root not in shared.code:
            asset = build_asset(root, exclude=shared.exclude, modules=shared.modules.get(root, ()))
            shared.code[root] = lambda_.Code.from_asset(str(asset))
        return shared.code[root]

    def _activity(self, name: str) -> sfn.IActivity:
        shared = self._shared
        if name not in shared.activities:
            given = shared.overrides.get(name)
            cid = f"Activity-{name}"
            if isinstance(given, str):
                shared.activities[name] = sfn.Activity.from_activity_arn(shared.scope, cid, given)
            elif given is not None:
                shared.activities[name] = given  # type: ignore[assignment]
            else:
                shared.activities[name] = sfn.Activity(shared.scope, cid)
        return shared.activities[name]

    def _nested(self, child: CompiledWorkflow, **settings: Any) -> sfn.IStateMachine:
        shared = self._shared
        if child.name in shared.machines:
            return shared.machines[child.name]
        if child.name in shared.building:
            raise ValueError(f"workflow {child.name!r} starts itself; recursive workflows cannot be deployed")
        given = shared.overrides.get(child.name)
        if given is not None:
            cid = f"Workflow-{child.name}"
            machine = sfn.StateMachine.from_state_machine_arn(shared.scope, cid, given) if isinstance(given, str) else given
            shared.machines[child.name] = machine  # type: ignore[assignment]
            return machine  # type: ignore[return-value]
        Workflow(shared.scope, f"Workflow-{child.name}", workflow=child, _shared=shared, **settings)
        return shared.machines[child.name]

    def _substitutions(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for name, fn in self.functions.items():
            values[name] = fn.function_arn
        for name, machine in self.nested.items():
            values[name] = machine.state_machine_arn
        for name, activity in self.activities.items():
            values[name] = activity.activity_arn
        missing = [n for n in self.compiled.substitutions if n not in values]
        if missing:
            raise ValueError(f"workflow {self.compiled.name!r}: no resource for substitutions {missing}")
        return dict(sorted(values.items()))

    def _resolve(self, value: Any) -> Any:
        """Replace ``${name}`` (a task, nested workflow or activity) and ``${AWS::Region}``-style
        placeholders in a policy statement by the deployed resources' ARNs."""
        if isinstance(value, str):
            def repl(match: re.Match[str]) -> str:
                key = match.group(1)
                if key in self.substitutions:
                    return self.substitutions[key]
                if key in _PSEUDO_PARAMETERS:
                    return _PSEUDO_PARAMETERS[key]()
                return match.group(0)  # an IAM policy variable such as ${aws:username}

            return _PLACEHOLDER.sub(repl, value)
        if isinstance(value, list):
            return [self._resolve(v) for v in value]
        if isinstance(value, dict):
            return {k: self._resolve(v) for k, v in value.items()}
        return value

    # ----------------------------------------------------------------- IGrantable
    @property
    def grant_principal(self) -> iam.IPrincipal:
        """The execution role: ``table.grant_read_data(flow)`` adds to it (your choice)."""
        return self.role.grant_principal

    @property
    def state_machine_arn(self) -> str:
        return self.state_machine.state_machine_arn

    @property
    def state_machine_name(self) -> str:
        return self.state_machine.state_machine_name

    # ----------------------------------------------------------------- grants
    def grant_start_execution(self, identity: iam.IGrantable) -> iam.Grant:
        """Let ``identity`` start executions (``states:StartExecution``)."""
        return self.state_machine.grant_start_execution(identity)

    def grant_start_sync_execution(self, identity: iam.IGrantable) -> iam.Grant:
        """Let ``identity`` start synchronous executions (Express workflows)."""
        return self.state_machine.grant_start_sync_execution(identity)

    def grant_read(self, identity: iam.IGrantable) -> iam.Grant:
        """Let ``identity`` list and describe the machine and its executions."""
        return self.state_machine.grant_read(identity)

    def grant_task_response(self, identity: iam.IGrantable) -> iam.Grant:
        """Let ``identity`` send task tokens back (``SendTaskSuccess/Failure/Heartbeat``)."""
        return self.state_machine.grant_task_response(identity)

    def grant_execution(self, identity: iam.IGrantable, *actions: str) -> iam.Grant:
        """Grant execution-level ``actions`` (e.g. ``states:GetExecutionHistory``)."""
        return self.state_machine.grant_execution(identity, *actions)

    def grant(self, identity: iam.IGrantable, *actions: str) -> iam.Grant:
        """Grant state-machine-level ``actions``."""
        return self.state_machine.grant(identity, *actions)

    def grant_redrive_execution(self, identity: iam.IGrantable) -> iam.Grant:
        """Let ``identity`` redrive failed executions (``states:RedriveExecution``)."""
        return self.state_machine.grant_redrive_execution(identity)

    # ----------------------------------------------------------------- metrics
    def metric(self, metric_name: str, **props: Any) -> cloudwatch.Metric:
        """Any ``AWS/States`` metric of this state machine."""
        return self.state_machine.metric(metric_name, **props)

    def metric_failed(self, **props: Any) -> cloudwatch.Metric:
        return self.state_machine.metric_failed(**props)

    def metric_succeeded(self, **props: Any) -> cloudwatch.Metric:
        return self.state_machine.metric_succeeded(**props)

    def metric_started(self, **props: Any) -> cloudwatch.Metric:
        return self.state_machine.metric_started(**props)

    def metric_aborted(self, **props: Any) -> cloudwatch.Metric:
        return self.state_machine.metric_aborted(**props)

    def metric_timed_out(self, **props: Any) -> cloudwatch.Metric:
        return self.state_machine.metric_timed_out(**props)

    def metric_throttled(self, **props: Any) -> cloudwatch.Metric:
        return self.state_machine.metric_throttled(**props)

    def metric_time(self, **props: Any) -> cloudwatch.Metric:
        return self.state_machine.metric_time(**props)

    def metric_task(self, task: Any, metric: str = "Failed", **props: Any) -> cloudwatch.Metric:
        """A per-task metric: ``flow.metric_task("submit_job", "Failed")``.

        ``task`` is a task or activity name (or the ``@task``/``Activity`` object);
        ``metric`` is one of ``TASK_METRICS`` (``Failed``, ``Succeeded``, ``Started``,
        ``Scheduled``, ``TimedOut``, ``Time``, ``RunTime``, ``ScheduleTime``, and
        ``HeartbeatTimedOut`` for activities). These are the metrics Step Functions
        publishes per Lambda function / activity, the same ones the CDK's task
        states offer; ``props`` are ``cloudwatch.MetricOptions`` fields.
        """
        name = _task_name(task)
        if metric not in TASK_METRICS:
            raise ValueError(f"unknown task metric {metric!r}; use one of {sorted(TASK_METRICS)}")
        form, statistic = TASK_METRICS[metric]
        if name in self._shared.functions:
            if metric == "HeartbeatTimedOut":
                raise ValueError("HeartbeatTimedOut is published for activities only")
            prefix = "LambdaFunction" if form == "singular" else "LambdaFunctions"
            dimensions = {"LambdaFunctionArn": self._shared.functions[name].function_arn}
        elif name in self._shared.activities:
            prefix = "Activity" if form == "singular" else "Activities"
            dimensions = {"ActivityArn": self._shared.activities[name].activity_arn}
        else:
            known = sorted(self._shared.functions) + sorted(self._shared.activities)
            raise KeyError(f"workflow {self.compiled.name!r} has no task or activity {name!r}; it has {known}")
        options: dict[str, Any] = {"dimensions_map": dimensions, "statistic": statistic}
        options.update(props)
        return cloudwatch.Metric(namespace="AWS/States", metric_name=prefix + metric, **options)

    # ----------------------------------------------------------------- import
    @staticmethod
    def from_state_machine_arn(scope: Construct, id: str, state_machine_arn: str) -> sfn.IStateMachine:
        """A state machine defined elsewhere (grants and metrics as on ``Workflow``);
        pass it in ``existing=`` to call it as a nested workflow."""
        return sfn.StateMachine.from_state_machine_arn(scope, id, state_machine_arn)

    @staticmethod
    def from_state_machine_name(scope: Construct, id: str, state_machine_name: str) -> sfn.IStateMachine:
        """A state machine defined elsewhere, by name in this stack's account and region."""
        return sfn.StateMachine.from_state_machine_name(scope, id, state_machine_name)



class WorkflowStack(cdk.Stack):
    """A stack holding one pyflow ``Workflow`` (what ``pyflow synth`` deploys), with the
    ARNs a caller or an activity worker needs after ``cdk deploy`` as outputs."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        workflow: WorkflowSource,
        env: cdk.Environment | None = None,
        description: str | None = None,
        **options: Any,
    ) -> None:
        super().__init__(scope, id, env=env, description=description)
        self.workflow = Workflow(self, "Workflow", workflow=workflow, **options)
        cdk.CfnOutput(self, "StateMachineArn", value=self.workflow.state_machine_arn)
        for name, activity in sorted(self.workflow._shared.activities.items()):
            cdk.CfnOutput(self, f"Activity-{name}", value=activity.activity_arn, description=f"activity {name}")
