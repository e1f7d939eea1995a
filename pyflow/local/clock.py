"""The virtual clock of a local execution.

Waits, retry intervals and timeouts advance this clock instead of sleeping, so a
workflow that waits a day runs in microseconds while every timestamp it sees
(``$$.State.EnteredTime``, ``Wait`` deadlines, history events) stays consistent.
It subclasses ``pyflow.api.VirtualClock`` so the engine can install it as the
native clock while in-process tasks run: a task calling ``pf.wait`` moves the
same time the engine measures task timeouts on.
"""
from __future__ import annotations

import datetime as _dt

from pyflow.api import VirtualClock as _ApiVirtualClock

DEFAULT_START = _dt.datetime(2026, 1, 1, tzinfo=_dt.timezone.utc)


class VirtualClock(_ApiVirtualClock):
    """A clock that only moves when told to (``sleep``/``advance``).

    The default start is a fixed instant so that runs are deterministic; pass
    ``start=`` for another.
    """

    def __init__(self, start: _dt.datetime | str | None = None) -> None:
        if isinstance(start, str):
            start = parse_timestamp(start)
        super().__init__(start or DEFAULT_START)

    def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds`` (negative values are ignored)."""
        self.sleep(seconds)

    def advance_to(self, when: _dt.datetime) -> None:
        """Move time forward to ``when`` (never backwards)."""
        delta = (when - self.now()).total_seconds()
        if delta > 0:
            self.sleep(delta)


def iso(when: _dt.datetime) -> str:
    """Step Functions' timestamp format: ``2026-01-01T00:00:00.000Z``."""
    utc = when.astimezone(_dt.timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def parse_timestamp(text: str) -> _dt.datetime:
    """Parse an RFC 3339 timestamp; a zone (``Z`` or an offset) is required, as in ASL.

    Raises ``ValueError`` for anything else, including a date without a time.
    """
    if not isinstance(text, str) or "T" not in text.upper() or len(text) < 20:
        raise ValueError(f"not an RFC 3339 timestamp: {text!r}")
    value = _dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError(f"timestamp {text!r} has no time zone")
    return value


def is_timestamp(value: object) -> bool:
    """Whether ``value`` is a string Step Functions accepts as a timestamp."""
    if not isinstance(value, str):
        return False
    try:
        parse_timestamp(value)
    except ValueError:
        return False
    return True
