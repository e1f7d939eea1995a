"""Suite-wide setup: ``pyflow compile`` runs started by the tests keep their compile
cache in a directory of this test session, not in the user's ~/.cache."""
from __future__ import annotations

import os
import shutil
import tempfile

from hypothesis import settings

# CI is deterministic: every hypothesis test draws the same examples each run (a test's own
# @settings keeps this unless it says otherwise). Random exploration runs outside CI:
# PYFLOW_HYPOTHESIS=explore python -m pytest ...; what it finds becomes a test.
settings.register_profile("ci", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile("explore" if os.environ.get("PYFLOW_HYPOTHESIS") == "explore" else "ci")

_CACHE: list[str] = []


def pytest_configure(config) -> None:
    _CACHE.append(tempfile.mkdtemp(prefix="pyflow-test-cache-"))
    os.environ["PYFLOW_CACHE_DIR"] = _CACHE[-1]


def pytest_unconfigure(config) -> None:
    while _CACHE:
        shutil.rmtree(_CACHE.pop(), ignore_errors=True)
