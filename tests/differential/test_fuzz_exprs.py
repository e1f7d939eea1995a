"""A bounded run of the expression fuzzer (tools/fuzz_exprs.py): small generated workflows
over the JSONata target's expression subset give the same answer natively, on sfnx and on
pyflow's runner (DESIGN §1). Derandomized, so a failure reproduces; what is still known to
differ (tools/fuzz_exprs.py KNOWN_OPEN) is left out of the programs. For a long run:
``python tools/fuzz_exprs.py --examples 2000 --seed N``."""
from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tools.fuzz_exprs import differ, load, rand_input, rand_program  # noqa: E402


@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")
@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_generated_expressions_agree(seed: int, tmp_path_factory) -> None:
    r = random.Random(seed)
    source = rand_program(r, "wf", safe=True)
    inputs = [rand_input(r) for _ in range(3)]
    try:
        wf = load(source, tmp_path_factory.mktemp("fuzz"), f"fuzz_exprs_{seed}")
    except SyntaxError:
        return  # a generated f-string nested in another one with the same quotes (Python < 3.12)
    status, found = differ(wf, inputs, safe=True)
    assert not found, f"{source}\n" + "\n".join(
        f"input {inp}: native={n} sfnx={s} local={loc}" for inp, n, s, loc in found)
