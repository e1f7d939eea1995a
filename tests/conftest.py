"""Suite-wide setup: ``pyflow compile`` runs started by the tests keep their compile
cache in a directory of this test session, not in the user's ~/.cache."""
from __future__ import annotations

import os
import shutil
import tempfile

_CACHE: list[str] = []


def pytest_configure(config) -> None:
    _CACHE.append(tempfile.mkdtemp(prefix="pyflow-test-cache-"))
    os.environ["PYFLOW_CACHE_DIR"] = _CACHE[-1]


def pytest_unconfigure(config) -> None:
    while _CACHE:
        shutil.rmtree(_CACHE.pop(), ignore_errors=True)
