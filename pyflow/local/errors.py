"""Errors raised inside the local engine.

``StatesError`` is the one exception that travels through the interpreter: it
carries the ASL error name and cause exactly as Step Functions would report them,
so Retry/Catch matching and the final ``ExecutionFailed`` event read the same
fields.  ``DefinitionError`` is raised before anything runs, listing every problem
found in a definition (Step Functions rejects a definition as a whole).
"""
from __future__ import annotations


class StatesError(Exception):
    """An ASL-level failure: ``error`` is the name a Catch matches, ``cause`` the text.

    ``located`` is set once the cause names the state it happened in (AWS's
    ``An error occurred while executing the state ...`` prefix) or when it must
    not (a task's own failure), so an enclosing Map or Parallel leaves it alone.
    ``from_task``: the failure of a Task's invocation (see ``engine.matches``).
    """

    located = False
    fails_map = False  # a Map's iteration failed: the Map records MapStateFailed unless it retries
    from_task = False  # raised by a Task's invocation (its answer, or its result's size)

    def __init__(self, error: str, cause: str | None = None) -> None:
        super().__init__(f"{error}: {cause}" if cause else error)
        self.error = error
        self.cause = cause


class DefinitionError(ValueError):
    """A definition Step Functions would reject; ``problems`` lists every one found."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"invalid state machine definition ({len(self.problems)} problem(s)):\n{lines}")


RUNTIME = "States.Runtime"
QUERY_ERROR = "States.QueryEvaluationError"
INTRINSIC = "States.IntrinsicFailure"
RESULT_PATH = "States.ResultPathMatchFailure"
PARAMETER_PATH = "States.ParameterPathFailure"
DATA_LIMIT = "States.DataLimitExceeded"
TIMEOUT = "States.Timeout"
HEARTBEAT = "States.HeartbeatTimeout"
NO_CHOICE = "States.NoChoiceMatched"
BRANCH_FAILED = "States.BranchFailed"
TASK_FAILED = "States.TaskFailed"
ALL = "States.ALL"
TOLERATED = "States.ExceedToleratedFailureThreshold"
