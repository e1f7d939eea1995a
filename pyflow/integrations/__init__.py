"""AWS service integrations from boto3 calls (issue 6).

``resolve_call`` turns ``boto3.client(c).m(**kw)`` into a Task ``Resource`` and
parameters, checked against botocore's model. botocore loads lazily, on the
first call, so importing this package stays cheap.
"""
from pyflow.integrations.model import Operation, Problem
from pyflow.integrations.resources import OPTIMIZED, ParsedResource, ServiceCall, parse_resource, resolve_call

__all__ = ["OPTIMIZED", "Operation", "ParsedResource", "Problem", "ServiceCall", "parse_resource", "resolve_call"]
