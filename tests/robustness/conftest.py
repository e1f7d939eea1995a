"""``--slow`` (or PYFLOW_SLOW=1) runs the full robustness suites; without it they run a sample.

Note: pytest reads ``pytest_addoption`` only from conftest files it loads at start-up,
so ``pytest --slow`` works when this directory is named on the command line
(``pytest tests/robustness --slow``); ``PYFLOW_SLOW=1 pytest`` works from anywhere.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

HERE = Path(__file__).parent


def pytest_addoption(parser: pytest.Parser) -> None:
    try:
        parser.addoption("--slow", action="store_true", default=False,
                         help="run the long robustness suites (the whole stdlib, thousands of generated programs)")
    except ValueError:  # already registered by another conftest
        pass


def slow_enabled(config: pytest.Config) -> bool:
    try:
        flag = bool(config.getoption("--slow"))
    except ValueError:
        flag = False
    return flag or os.environ.get("PYFLOW_SLOW", "") not in ("", "0")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if slow_enabled(config):
        return
    skip = pytest.mark.skip(reason="slow: run with --slow or PYFLOW_SLOW=1")
    for item in items:
        if "slow" in item.keywords and HERE in Path(str(item.fspath)).parents:
            item.add_marker(skip)


@pytest.fixture
def slow(request: pytest.FixtureRequest) -> bool:
    return slow_enabled(request.config)
