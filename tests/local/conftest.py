"""Shared fixtures of the local-runner tests: the corpus and moto's interpreter."""
from __future__ import annotations

import json
import pathlib
import sys
from collections.abc import Iterator
from typing import Any

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # benchmarks/ holds the moto harness
    sys.path.insert(0, str(ROOT))

CORPUS = pathlib.Path(__file__).parent / "corpus"


def corpus_cases() -> list[tuple[str, dict[str, Any]]]:
    return [(p.stem, json.loads(p.read_text())) for p in sorted(CORPUS.glob("*.json"))]


class Lambdas:
    """The Python functions behind the corpus's Lambda ARNs (the same for both engines)."""

    def __init__(self) -> None:
        self.calls = 0

    def reset(self) -> None:
        self.calls = 0

    def double(self, payload: dict[str, Any]) -> dict[str, Any]:
        return {"n": payload["n"] * 2}

    def boom(self, payload: Any) -> Any:
        raise ValueError("kaboom")

    def flaky(self, payload: dict[str, Any]) -> dict[str, Any]:
        self.calls += 1
        if self.calls <= payload["fail_times"]:
            raise ValueError(f"attempt {self.calls} failed")
        return {"attempts": self.calls}

    def mapping(self) -> dict[str, Any]:
        return {"double": self.double, "boom": self.boom, "flaky": self.flaky}


@pytest.fixture(scope="session")
def lambdas() -> Lambdas:
    return Lambdas()


@pytest.fixture(scope="module")
def moto(lambdas: Lambdas) -> Iterator[Any]:
    """moto's interpreter, for one module at a time: a mock left active for the whole
    session would share its state with every later test's own ``mock_aws()``."""
    from benchmarks.runner_bench import MotoRunner, create_lambdas

    with MotoRunner(lambdas.mapping()) as runner:
        create_lambdas(list(lambdas.mapping()))
        yield runner
