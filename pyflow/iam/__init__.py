"""Least-privilege IAM for a workflow's execution role (issue 6)."""
from pyflow.iam.actions import iam_actions
from pyflow.iam.policy import PolicyResult, PolicyWarning, analyze_definition, policy_for_definition

__all__ = ["PolicyResult", "PolicyWarning", "analyze_definition", "iam_actions", "policy_for_definition"]
