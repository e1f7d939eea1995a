"""The local runner replays the executions recorded on real AWS Step Functions (DESIGN.md §7).

``shared/aws-conformance/executions.json`` (beside the repository; see its README)
holds 945 executions LocalStack recorded against real AWS.  Each is replayed
here, its Lambda tasks answered with the outcomes AWS's Lambda gave, and must give
AWS's status, output, error, cause and (where recorded) history event types.
The comparison lives in ``aws_conformance.py``; ``python tests/local/aws_conformance.py -v``
prints every difference.

``KNOWN_DIFFERENCES`` lists what still differs (xfail, strict: fixing one makes
its case fail until it is removed from the list); ``PERMANENT`` lists what cannot
be reproduced without a real service, with the reason.
"""
from __future__ import annotations

import json

import pytest

from tests.local import aws_conformance as conf
from pyflow.local import DefinitionError, validate_definition

DATA = conf.load()
EXECUTIONS = {e["id"]: e for e in DATA["executions"]} if DATA else {}
REJECTED = {e["id"]: e for e in DATA["definitions_aws_rejected"]} if DATA else {}

# id -> why the runner still differs from AWS.  Fixing one flips its xfail (strict): remove it here.
KNOWN_DIFFERENCES: dict[str, str] = {
    'tests/aws/services/stepfunctions/v2/assign/test_assign_base.py::TestAssignBase::test_base_parallel_cases[BASE_SCOPE_PARALLEL]':
        'history: event #7 is PassStateEntered on AWS, PassStateExited here',
    'tests/aws/services/stepfunctions/v2/base/test_base.py::TestSnfBase::test_json_path_array_wildcard_or_slice_with_no_input[$[*]]':
        'output: AWS {"item": []}, runner {"item": [{}]}',
    'tests/aws/services/stepfunctions/v2/intrinsic_functions/test_array_jsonata.py::TestArrayJSONata::test_array_range#2':
        'output: AWS "1", runner [1]',
    'tests/aws/services/stepfunctions/v2/intrinsic_functions/test_math_operations_jsonata.py::TestMathOperationsJSONata::test_math_random_seeded':
        "cause worded unlike AWS's",
    'tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.py::TestBaseScenarios::test_parallel_state[PARALLEL_STATE]':
        'history: event #7 is PassStateEntered on AWS, PassStateExited here',
    'tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.py::TestBaseScenarios::test_parallel_state[PARALLEL_STATE_PARAMETERS]':
        'history: event #5 is PassStateEntered on AWS, PassStateExited here',
    'tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.py::TestBaseScenarios::test_parallel_state_order':
        'history: event #5 is PassStateEntered on AWS, PassStateExited here',
    'tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.py::TestBaseScenarios::test_parallel_state_nested':
        'history: event #8 is ParallelStateExited on AWS, ParallelStateSucceeded here',
    'tests/aws/services/stepfunctions/v2/timeouts/test_timeouts.py::TestTimeouts::test_service_lambda_map_timeout':
        'history: event #5 is MapIterationStarted on AWS, TaskStateEntered here',
}

# Differences that cannot be fixed without a real AWS service: permanently allowed.
PERMANENT: dict[str, str] = {
}

# definitions_aws_rejected entries the validator does not refuse yet: id -> reason.
KNOWN_ACCEPTED: dict[str, str] = {
}

# CreateStateMachine errors about the request, not the definition (nothing a validator sees)
NOT_DEFINITION_ERRORS = {
    "StateMachineAlreadyExists": "a second machine of the same name in the account (needs the service's registry)",
    "ValidationException": "versionDescription without publish=true (a CreateStateMachine parameter)",
}

_SKIP = pytest.mark.skip(reason=f"{conf.DATA} is absent (the recorded AWS executions live beside the repository)")


def _params(ids: dict[str, object], known: dict[str, str], permanent: dict[str, str] | None = None) -> list:
    if not ids:
        return [pytest.param(None, marks=_SKIP, id="absent")]
    params = []
    for case_id in ids:
        marks = []
        if permanent and case_id in permanent:
            marks.append(pytest.mark.skip(reason=f"needs a real service: {permanent[case_id]}"))
        elif case_id in known:
            marks.append(pytest.mark.xfail(strict=True, reason=known[case_id]))
        params.append(pytest.param(case_id, marks=marks, id=case_id))
    return params


@pytest.mark.parametrize("case_id", _params(EXECUTIONS, KNOWN_DIFFERENCES, PERMANENT))
def test_replay_agrees_with_aws(case_id: str) -> None:
    entry = EXECUTIONS[case_id]
    diffs = conf.check(entry)
    assert not diffs, "\n".join(diffs)


@pytest.mark.parametrize("case_id", _params(REJECTED, KNOWN_ACCEPTED))
def test_validator_refuses_what_aws_refused(case_id: str) -> None:
    entry = REJECTED[case_id]
    if entry["aws_error"] in NOT_DEFINITION_ERRORS:
        pytest.skip(f"AWS refused the request, not the definition: {NOT_DEFINITION_ERRORS[entry['aws_error']]}")
    definition = entry["definition"]
    with pytest.raises(DefinitionError) as info:
        validate_definition(json.loads(definition) if isinstance(definition, str) else definition,
                            entry.get("state_machine_type", "STANDARD"))
    # AWS's InvalidDefinition is the runner's DefinitionError
    assert entry["aws_error"] == "InvalidDefinition"
    assert info.value.problems


def test_known_lists_name_recorded_executions() -> None:
    if not DATA:
        pytest.skip(f"{conf.DATA} is absent")
    stale = [k for k in [*KNOWN_DIFFERENCES, *PERMANENT] if k not in EXECUTIONS]
    stale += [k for k in KNOWN_ACCEPTED if k not in REJECTED]
    assert not stale
