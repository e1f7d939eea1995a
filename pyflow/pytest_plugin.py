"""pytest plugin: fixtures that run workflows on pyflow's local runner.

Registered through the ``pytest11`` entry point, so any project that installs
pyflow gets:

- ``pyflow_run``: ``pyflow_run(workflow_or_definition, input, mocks=..., tasks=...)``
  -> ``Execution`` (see ``pyflow.testing.run``);
- ``pyflow_agrees``: ``pyflow_agrees(workflow, input)`` fails the test with a diff
  when the native and compiled runs differ (``pyflow.testing.assert_agrees``).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


@pytest.fixture
def pyflow_run() -> Callable[..., Any]:
    """Run a workflow or an ASL definition locally and return the ``Execution``."""
    from pyflow.testing import run

    return run


@pytest.fixture
def pyflow_agrees() -> Callable[..., Any]:
    """Assert that a workflow gives the same result natively and compiled."""
    from pyflow.testing import assert_agrees

    return assert_agrees
