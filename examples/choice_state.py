"""Choice states: the seed's "Did it work?" and "What color is it?" (``afterwards``),
and one workflow that reaches every condition of the seed's list.

An ``if``/``elif``/``else`` chain is a ``Choice`` with a ``Default``; the code after
the chain is where every branch joins again, which is what the CDK's
``choice.afterwards().next(...)`` spells out by hand.

    pyflow run examples/choice_state.py:did_it_work --input '{"status": "SUCCESS", "attempts": 1}'
    pyflow run examples/choice_state.py:what_color --input '{"item": {"color": "RED", "id": 7}}'
    pyflow run examples/choice_state.py:conditions --input '{"event": {"name": "log-1.txt", "size": 3, "ok": true, "at": "2026-03-01T00:00:00Z"}, "limit": 5, "expected": "log-1.txt", "flag": true, "since": "2026-01-01T00:00:00Z"}'
"""
from fnmatch import fnmatch

import pyflow as pf
from pyflow import task, workflow


@task
def handle_item(color: str, item_id: int) -> str:
    return f"{color.lower()} item {item_id} handled"


@task
def ship_the_item(item_id: int, note: str) -> dict:
    return {"shipped": item_id, "note": note}


@workflow
def did_it_work(status: str, attempts: int) -> str:
    if status == "SUCCESS":                  # Condition.stringEquals
        return "SuccessState"
    elif attempts > 5:                       # Condition.numberGreaterThan
        return "FailureState"
    else:                                    # .otherwise()
        return "TryAgainState"


@workflow
def what_color(item: dict) -> dict:
    color = item["color"]
    if color == "BLUE":
        note = handle_item("BLUE", item["id"])
    elif color == "RED":
        note = handle_item("RED", item["id"])
    else:
        note = "other color: " + color
    # .afterwards(): every branch continues here
    return ship_the_item(item["id"], note)


@workflow
def conditions(event: dict, limit: int, expected: str, flag: bool, since: str) -> list:
    """One test per condition of the seed's list; the result says which matched."""
    name: str = event["name"]
    size: int = event["size"]
    ok: bool = event["ok"]
    hits = []
    # presence and types
    if "name" in event:                                   # isPresent
        hits = hits + ["isPresent"]
    if "missing" not in event:                            # isNotPresent
        hits = hits + ["isNotPresent"]
    if isinstance(event["name"], str):                    # isString
        hits = hits + ["isString"]
    if not isinstance(event["size"], str):                # isNotString
        hits = hits + ["isNotString"]
    if isinstance(event["size"], (int, float)):           # isNumeric
        hits = hits + ["isNumeric"]
    if not isinstance(event["name"], (int, float)):       # isNotNumeric
        hits = hits + ["isNotNumeric"]
    if isinstance(event["ok"], bool):                     # isBoolean
        hits = hits + ["isBoolean"]
    if not isinstance(event["size"], bool):               # isNotBoolean
        hits = hits + ["isNotBoolean"]
    if pf.is_timestamp(since):                            # isTimestamp
        hits = hits + ["isTimestamp"]
    if not pf.is_timestamp(event["name"]):                # isNotTimestamp
        hits = hits + ["isNotTimestamp"]
    if event.get("note") is None:                         # isNull
        hits = hits + ["isNull"]
    if event["name"] is not None:                         # isNotNull
        hits = hits + ["isNotNull"]
    # booleans
    if ok == True:                                        # booleanEquals  # noqa: E712
        hits = hits + ["booleanEquals"]
    if ok == flag:                                        # booleanEqualsJsonPath
        hits = hits + ["booleanEqualsJsonPath"]
    # strings against a literal, then against a variable (the ...JsonPath forms)
    if name == "log-1.txt":
        hits = hits + ["stringEquals"]
    if name == expected:
        hits = hits + ["stringEqualsJsonPath"]
    if name < "m":
        hits = hits + ["stringLessThan"]
    if name < expected + "z":
        hits = hits + ["stringLessThanJsonPath"]
    if name <= "log-1.txt":
        hits = hits + ["stringLessThanEquals"]
    if name <= expected:
        hits = hits + ["stringLessThanEqualsJsonPath"]
    if name > "a":
        hits = hits + ["stringGreaterThan"]
    if name > "a" + expected:
        hits = hits + ["stringGreaterThanJsonPath"]
    if name >= "log-1.txt":
        hits = hits + ["stringGreaterThanEquals"]
    if name >= expected:
        hits = hits + ["stringGreaterThanEqualsJsonPath"]
    if fnmatch(name, "log-*.txt"):
        hits = hits + ["stringMatches"]
    # numbers
    if size == 3:
        hits = hits + ["numberEquals"]
    if size == limit - 2:
        hits = hits + ["numberEqualsJsonPath"]
    if size < 4:
        hits = hits + ["numberLessThan"]
    if size < limit:
        hits = hits + ["numberLessThanJsonPath"]
    if size <= 3:
        hits = hits + ["numberLessThanEquals"]
    if size <= limit:
        hits = hits + ["numberLessThanEqualsJsonPath"]
    if size > 2.5:
        hits = hits + ["numberGreaterThan"]
    if size > limit - 3:
        hits = hits + ["numberGreaterThanJsonPath"]
    if size >= 3:
        hits = hits + ["numberGreaterThanEquals"]
    if size >= limit - 2:
        hits = hits + ["numberGreaterThanEqualsJsonPath"]
    # timestamps
    at = pf.timestamp(event["at"])
    if at == pf.timestamp("2026-03-01T00:00:00Z"):
        hits = hits + ["timestampEquals"]
    if at == pf.timestamp(event["at"]):
        hits = hits + ["timestampEqualsJsonPath"]
    if at < pf.timestamp("2027-01-01T00:00:00Z"):
        hits = hits + ["timestampLessThan"]
    if pf.timestamp(since) < at:
        hits = hits + ["timestampLessThanJsonPath"]
    if at <= pf.timestamp("2026-03-01T00:00:00Z"):
        hits = hits + ["timestampLessThanEquals"]
    if pf.timestamp(since) <= at:
        hits = hits + ["timestampLessThanEqualsJsonPath"]
    if at > pf.timestamp("2025-01-01T00:00:00Z"):
        hits = hits + ["timestampGreaterThan"]
    if at > pf.timestamp(since):
        hits = hits + ["timestampGreaterThanJsonPath"]
    if at >= pf.timestamp("2026-03-01T00:00:00Z"):
        hits = hits + ["timestampGreaterThanEquals"]
    if at >= pf.timestamp(since):
        hits = hits + ["timestampGreaterThanEqualsJsonPath"]
    # and / or / not and truthiness
    if (size > 0 and ok) or not name:
        hits = hits + ["and/or/not"]
    if hits:
        hits = hits + ["truthiness"]
    return hits
