"""mode="distributed": ItemReader from S3 (objects, CSV), batching, ResultWriter,
tolerated failures — the shapes Step Functions documents."""
from __future__ import annotations

from pathlib import Path

import pytest

from pyflow.compiler import compile_file
from pyflow.diagnostics import CompileError
from tests.aslvalidator import validate_all

PROGRAM = Path(__file__).with_name("distributed_program.py")


def test_distributed_map_fields() -> None:
    # (the unread parameter `bucket` is still required: a Start Pass reads it first, DESIGN §2)
    states = [s for s in compile_file(PROGRAM, "reindex").definition["States"].values() if s["Type"] == "Map"]
    listing, batched = states
    assert listing["ItemReader"] == {"Resource": "arn:aws:states:::s3:listObjectsV2",
                                     "Arguments": {"Bucket": "my-bucket", "Prefix": "in/"}}
    assert listing["ItemProcessor"]["ProcessorConfig"] == {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}
    assert listing["ToleratedFailurePercentage"] == 5 and listing["MaxConcurrency"] == 100
    assert batched["ItemReader"]["ReaderConfig"] == {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"}
    assert batched["ItemBatcher"] == {"MaxItemsPerBatch": 50}
    assert batched["ResultWriter"]["Arguments"] == {"Bucket": "out", "Prefix": "results/"}
    (inner,) = batched["ItemProcessor"]["States"].values()
    assert inner["Arguments"] == {"rows": "{% $states.input.Items %}"}  # a batch is the iteration's Items


def test_distributed_map_is_valid_asl() -> None:
    assert not validate_all({"reindex": compile_file(PROGRAM, "reindex").definition})


def test_result_writer_needs_the_statement_form(tmp_path: Path) -> None:
    source = PROGRAM.read_text().replace(
        "max_concurrency=100, tolerated_failure_percentage=5)",
        "result_writer=pf.s3_results(bucket=\"out\"))")
    path = tmp_path / "bad.py"
    path.write_text(source)
    with pytest.raises(CompileError) as info:
        compile_file(path, "reindex")
    assert [d.code for d in info.value.diagnostics] == ["PF111"]
    assert "manifest" in info.value.diagnostics[0].message
