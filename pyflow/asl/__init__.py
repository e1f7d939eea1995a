"""The ASL document: the top-level fields around a lowered machine, and its text."""
from __future__ import annotations

from typing import Any

from pyflow.asl.model import Machine, Visit, from_dict, to_dict, walk
from pyflow.compiled import dumps_definition

__all__ = ["Machine", "Visit", "definition", "dumps_definition", "from_dict", "to_dict", "walk"]


def definition(query_language: str, start: str, states: dict[str, Any], options: dict[str, Any]) -> dict[str, Any]:
    """``{"Comment", "QueryLanguage", "StartAt", "States", "TimeoutSeconds"}`` in that order
    (the order is part of the deterministic output)."""
    out: dict[str, Any] = {}
    if isinstance(options.get("comment"), str):
        out["Comment"] = options["comment"]
    out["QueryLanguage"] = query_language
    out["StartAt"] = start
    out["States"] = states
    timeout = options.get("timeout")
    if isinstance(timeout, int) and not isinstance(timeout, bool):
        out["TimeoutSeconds"] = timeout
    return out
