"""The execution history, shaped like Step Functions' ``GetExecutionHistory``.

Each event is a dict with ``timestamp``, ``type``, ``id``, ``previousEventId`` and
its ``<type>EventDetails``.  The service numbers events from 1 and points each at
the event that caused it; here that is the previously recorded event, which is
what a sequential run produces.  The 25,000-event quota of Standard workflows is
enforced: recording past it fails the execution with ``States.Runtime``, as the
service does.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pyflow.local.clock import VirtualClock
from pyflow.local.errors import RUNTIME, StatesError

DEFAULT_MAX_EVENTS = 25_000


_DETAILS_KEYS: dict[str, str] = {}  # event type -> its details key ("" for none), filled as types occur


def _details_key(event_type: str) -> str:
    """``TaskStateEntered`` -> ``stateEnteredEventDetails`` (the service's naming)."""
    for suffix in ("StateEntered", "StateExited"):
        if event_type.endswith(suffix) and event_type not in ("MapRunStarted",):
            return "stateEnteredEventDetails" if suffix == "StateEntered" else "stateExitedEventDetails"
    return event_type[0].lower() + event_type[1:] + "EventDetails"


_NO_DETAILS = {
    "LambdaFunctionStarted", "ParallelStateStarted", "ParallelStateSucceeded", "MapStateSucceeded",
    "MapStateAborted", "ParallelStateAborted", "MapIterationSucceeded", "ExecutionAborted",
}


class History:
    """An append-only list of events with the service's ids and quota."""

    def __init__(self, clock: VirtualClock, max_events: int = DEFAULT_MAX_EVENTS,
                 listener: Callable[[dict[str, Any]], None] | None = None) -> None:
        self.events: list[dict[str, Any]] = []
        self.clock = clock
        self.max_events = max_events
        self.listener = listener
        self._over = False

    def add(self, event_type: str, details: dict[str, Any] | None = None, *, final: bool = False) -> int:
        """Record one event and return its id.

        ``final`` events (the execution's last) are always recorded so the history
        says how the run ended even when the quota was the reason.
        """
        if len(self.events) >= self.max_events and not final:
            if not self._over:
                self._over = True
            raise StatesError(
                RUNTIME,
                f"The execution reached the maximum number of history events ({self.max_events}).",
            )
        events = self.events
        event_id = len(events) + 1
        event: dict[str, Any] = {
            "timestamp": self.clock.now(),
            "type": event_type,
            "id": event_id,
            "previousEventId": event_id - 1,
        }
        if details is not None:
            key = _DETAILS_KEYS.get(event_type)
            if key is None:
                key = _DETAILS_KEYS[event_type] = "" if event_type in _NO_DETAILS else _details_key(event_type)
            if key:
                event[key] = details
        events.append(event)
        if self.listener is not None:
            self.listener(event)
        return event_id

    def __len__(self) -> int:
        return len(self.events)
