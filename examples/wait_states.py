"""Every kind of Wait state: fixed seconds, seconds from a variable, until a fixed
timestamp, until a timestamp from the input, and ``time.sleep``.

``pf.wait(seconds=10)`` -> ``Seconds``; ``pf.wait(seconds=x)`` -> ``SecondsPath``
(JSONata: an expression); ``pf.wait(until="2026-...Z")`` -> ``Timestamp``;
``pf.wait(until=trigger_time)`` -> ``TimestampPath`` (the seed's "Wait For Trigger
Time"); ``time.sleep(n)`` is read as ``pf.wait(seconds=n)``. Locally the runner and
``--native`` use a virtual clock, so nothing actually sleeps.

    pyflow run examples/wait_states.py:wait_for_trigger_time --input '{"trigger_time": "2026-01-01T00:00:00Z", "delay": 3}'
"""
import time

import pyflow as pf
from pyflow import task, workflow


@task
def start_the_work(label: str) -> str:
    """The seed's ``StartTheWork``."""
    return f"started {label}"


@workflow
def wait_for_trigger_time(trigger_time: str, delay: int = 2) -> list:
    done = []
    pf.wait(seconds=10)                       # Seconds
    done = done + [start_the_work("after 10 s")]
    pf.wait(seconds=delay)                    # SecondsPath
    done = done + [start_the_work("after delay")]
    pf.wait(until="2020-01-01T00:00:00Z")     # Timestamp (in the past: no wait)
    done = done + [start_the_work("after fixed time")]
    pf.wait(until=trigger_time)               # TimestampPath
    done = done + [start_the_work("after trigger time")]
    time.sleep(1)                             # time.sleep is a Wait too
    return done + [start_the_work("after sleep")]
