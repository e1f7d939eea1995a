"""boto3 client calls inside a workflow -> Step Functions service integrations (issue 6).

``ddb.put_item(TableName=..., Item=...)`` on a client bound once with
``boto3.client("dynamodb")`` (at module level or in the workflow) becomes a Task on
the optimized resource (``arn:aws:states:::dynamodb:putItem``) or the aws-sdk one.
Operation and parameter names are checked against botocore's model
(``pyflow.integrations``) and every problem is a diagnostic with a "did you mean".
``pf.sync(call)`` selects the ``.sync`` pattern, ``pf.task_token()`` in the
parameters ``.waitForTaskToken``; ``pf.options(call, timeout=, heartbeat=, retry=)``
or the same keywords on ``pf.sync`` set the Task's options.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import libcst as cst

from pyflow import ir
from pyflow.frontend.modules import _option_expr, boto3_client_service, literal, retry_problems

if TYPE_CHECKING:  # pragma: no cover
    from pyflow.frontend.lower import FunctionLowerer

PROBLEM_CODES = {"unknown-client": "PF140", "unknown-operation": "PF140", "unknown-parameter": "PF141",
                 "missing-parameter": "PF141", "unsupported-pattern": "PF142"}


def to_tree(e: ir.Expr) -> Any:
    """IR dict/list/constant displays as Python containers (leaves stay IR), so the
    integration library can rename parameters along the operation's input shape."""
    if isinstance(e, ir.DictExpr) and all(isinstance(k, ir.Const) and isinstance(k.value, str) for k, _ in e.entries):
        return {k.value: to_tree(v) for k, v in e.entries}  # type: ignore[union-attr]
    if isinstance(e, ir.ListExpr):
        return [to_tree(v) for v in e.items]
    if isinstance(e, ir.Const):
        return e.value
    return e


def from_tree(value: Any) -> ir.Expr:
    if isinstance(value, dict):
        return ir.DictExpr(tuple((ir.Const(k), from_tree(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ir.ListExpr(tuple(from_tree(v) for v in value))
    if isinstance(value, (ir.Const, ir.Var, ir.Input, ir.Subscript, ir.BinOp, ir.UnaryOp, ir.Compare, ir.BoolOp,
                          ir.IfExp, ir.ListExpr, ir.DictExpr, ir.FString, ir.Builtin, ir.Context, ir.TaskResult)):
        return value
    return ir.Const(value)


class ServiceLowering:
    """Mixin of ``FunctionLowerer``."""

    def client_of(self: "FunctionLowerer", func: cst.BaseExpression) -> tuple[str, str] | None:
        """``ddb.put_item`` -> ("dynamodb", "put_item") when ``ddb`` is a boto3 client."""
        if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)):
            return None
        name = func.value.value
        service = self.local_clients.get(name)
        if service is None and name not in self.locals:
            service = self.mod.clients.get(name)
        return (service, func.attr.value) if service else None

    def bind_local_client(self: "FunctionLowerer", target: cst.BaseExpression, value: cst.BaseExpression) -> bool:
        """``ddb = boto3.client("dynamodb")`` inside the workflow: no state, just a name."""
        if not isinstance(target, cst.Name):
            return False
        service = boto3_client_service(self.mod, value)
        if service is None:
            return False
        self.local_clients[target.value] = service
        return True

    def service_call(self: "FunctionLowerer", node: cst.Call, pattern: str | None = None,
                     options: dict[str, Any] | None = None) -> ir.TaskCall:
        found = self.client_of(node.func)
        assert found is not None
        client, method = found
        params: dict[str, ir.Expr] = {}
        for arg in node.args:
            if arg.keyword is None or arg.star:
                self.error("PF141", f"boto3's {client}.{method}() takes keyword arguments only", arg,
                           help="name each parameter, e.g. TableName=\"users\"")
                raise self.Unsupported
            params[arg.keyword.value] = self.expr(arg.value)
        if any(isinstance(n, ir.Context) and n.path == ("Task", "Token") for v in params.values() for n in ir.walk(v)):
            if pattern not in (None, "waitForTaskToken"):
                self.error("PF142", "a call cannot both wait for a task token and use pf.sync", node)
                raise self.Unsupported
            pattern = "waitForTaskToken"
        from pyflow.integrations import resolve_call
        from pyflow.integrations.model import Problem

        result = resolve_call(client, method, {k: to_tree(v) for k, v in params.items()}, pattern=pattern)
        if isinstance(result, list):
            for problem in result:
                assert isinstance(problem, Problem)
                code = PROBLEM_CODES.get(problem.kind, "PF141")
                hint = f"did you mean `{problem.suggestion}`?" if problem.suggestion else \
                    "see the service's API reference for its operations and parameters"
                where: cst.CSTNode = node.func
                if problem.kind in ("unknown-parameter",) and problem.suggestion is not None:
                    where = next((a for a in node.args if a.keyword is not None
                                  and a.keyword.value in problem.message), node)
                self.error(code, problem.message, where, help=hint)
            raise self.Unsupported
        args = {k: from_tree(v) for k, v in result.parameters.items()}
        opts = dict(options or {})
        opts.update({"resource": result.resource, "client": client, "method": method,
                     "iam_actions": list(result.iam_actions)})
        name = f"{client}_{method}"
        self.services.add(name)
        return ir.TaskCall(None, name, args, options=opts, kind="service", span=self.span(node))

    def sync_or_options(self: "FunctionLowerer", node: cst.Call, name: str) -> ir.TaskCall:
        """``pf.sync(client.op(...), timeout=...)`` / ``pf.options(client.op(...), ...)``."""
        positional = [a for a in node.args if a.keyword is None]
        if len(positional) != 1 or not isinstance(positional[0].value, cst.Call) \
                or self.client_of(positional[0].value.func) is None:
            self.error("PF142", f"pf.{name}() wraps one boto3 client call, e.g. pf.{name}(glue.start_job_run(...))",
                       node, help="call the service through a client bound with boto3.client(...)")
            raise self.Unsupported
        options: dict[str, Any] = {}
        for arg in node.args:
            if arg.keyword is None:
                continue
            key = arg.keyword.value
            if key in ("timeout", "heartbeat"):
                try:
                    options[key] = int(literal(arg.value))
                except (ValueError, SyntaxError, TypeError):
                    self.error("PF142", f"{key}= must be a whole number of seconds", arg.value)
            elif key == "retry":
                options["retry"] = _option_expr(self.mod, arg.value)
                for problem in retry_problems(options["retry"]):
                    self.error("PF112", problem, arg.value)
            elif key == "pattern" and name == "sync":
                try:
                    options["pattern"] = str(literal(arg.value))
                except (ValueError, SyntaxError):
                    self.error("PF142", "pattern= must be \"sync\" or \"sync:2\"", arg.value)
            else:
                self.error("PF142", f"pf.{name}() has no option {key!r}", arg,
                           help="options: timeout, heartbeat, retry" + (", pattern" if name == "sync" else ""))
        pattern = None
        if name == "sync":
            pattern = options.pop("pattern", None) or self.default_sync_pattern(positional[0].value)
        return self.service_call(positional[0].value, pattern=pattern, options=options)

    def default_sync_pattern(self: "FunctionLowerer", call: cst.Call) -> str:
        found = self.client_of(call.func)
        # a nested execution's output comes back parsed with .sync:2, as Python code expects
        return "sync:2" if found and found[0] in ("stepfunctions", "sfn") else "sync"
