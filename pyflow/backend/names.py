"""State names from the source: readable, unique, at most 80 characters.

Only ``[A-Za-z0-9_-]`` is used, the set Step Functions accepts everywhere
(CloudWatch logging included).
"""
from __future__ import annotations

import re

from pyflow import ir

MAX = 80
_BAD = re.compile(r"[^A-Za-z0-9_-]+")


def clean(text: str) -> str:
    text = _BAD.sub("_", text).strip("_") or "State"
    return text[:MAX]


def unique_names(wanted: list[tuple[int, str, int]], taken: set[str] | None = None) -> dict[int, str]:
    """(node, base name, line) -> node -> unique name. A base used once stays bare;
    repeated bases get ``-<line>`` (and ``-<n>`` on a shared line). ``taken`` holds
    the names already used elsewhere in the machine (Parallel branches, Map bodies)
    and is updated."""
    counts: dict[str, int] = {}
    for _, base, _ in wanted:
        counts[base] = counts.get(base, 0) + 1
    if taken is None:
        taken = set()
    out: dict[int, str] = {}
    for node, base, line in wanted:
        name = base if counts[base] == 1 else f"{base[:MAX - 8]}-{line}"
        candidate, i = name, 2
        while candidate in taken:
            suffix = f"-{i}"
            candidate = name[: MAX - len(suffix)] + suffix
            i += 1
        taken.add(candidate)
        out[node] = candidate
    return out


def state_base_name(o: ir.Op) -> str:
    """What a state is called before uniqueness: the task, or what the statement does,
    prefixed by a fragment's call site."""
    if isinstance(o, ir.TaskCall):
        base = o.task
    elif isinstance(o, ir.Choice):
        base = {"while": "While", "for": "For", "reraise": "Reraise"}.get(o.kind, "If")
    elif isinstance(o, ir.Wait):
        base = "Wait"
    elif isinstance(o, ir.Raise):
        base = o.error.rsplit(".", 1)[-1] if o.error else "Reraise"
    elif isinstance(o, ir.Parallel):
        base = {"try": "Try", "guard": "Guard"}.get(o.kind, "Parallel")
    elif isinstance(o, ir.MapState):
        base = f"Map_{o.target}" if o.target and not o.target.startswith("pf_") else "Map"
    elif isinstance(o, ir.Return):
        base = "Return"
    elif isinstance(o, ir.Assign):
        base = f"Set_{o.target}"
    elif isinstance(o, ir.Custom):
        base = str(o.state.get("Comment") or f"Custom_{o.state.get('Type', 'State')}")
    else:
        base = "Spin"
    return clean(o.name_prefix + base)
