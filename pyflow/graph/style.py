"""Colours and shapes per state type, shared by the Mermaid and Graphviz writers."""
from __future__ import annotations

# type -> (fill, stroke); close to the Step Functions console's palette
COLOURS: dict[str, tuple[str, str]] = {
    "Task": ("#e7f0fd", "#1c64d9"),
    "Pass": ("#f1f3f5", "#868e96"),
    "Wait": ("#fff3d4", "#c08a00"),
    "Choice": ("#ffe8d6", "#e8590c"),
    "Parallel": ("#efe9fc", "#6741d9"),
    "Map": ("#e0f5f1", "#0c8599"),
    "Succeed": ("#dcf5e0", "#2b8a3e"),
    "Fail": ("#ffe3e3", "#c92a2a"),
    "Start": ("#343a40", "#343a40"),
    "End": ("#343a40", "#343a40"),
    "Join": ("#868e96", "#868e96"),
}
UNKNOWN = ("#ffffff", "#495057")
TEXT = "#1b1b1b"
MARKER_TEXT = "#ffffff"
EDGE = "#5c636a"
CATCH = "#c92a2a"
VISITED = "#2f9e44"
CLUSTER = {"Parallel": ("#faf8ff", "#6741d9"), "Map": ("#f5fcfa", "#0c8599"),
           "Branch": ("#ffffff", "#adb5bd"), "Items": ("#ffffff", "#adb5bd")}
# the order classDefs are written in
ORDER = ("Start", "End", "Task", "Pass", "Wait", "Choice", "Parallel", "Map", "Succeed", "Fail", "Join")


def colours(node_type: str) -> tuple[str, str]:
    return COLOURS.get(node_type, UNKNOWN)
