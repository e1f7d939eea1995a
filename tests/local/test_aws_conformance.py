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
    'tests/aws/services/stepfunctions/v2/assign/test_assign_reference_variables.py::TestAssignReferenceVariables::test_undefined_reference[BASE_UNDEFINED_OUTPUT]':
        'history: event #3 is EvaluationFailed on AWS, ExecutionFailed here',
    'tests/aws/services/stepfunctions/v2/assign/test_assign_reference_variables.py::TestAssignReferenceVariables::test_undefined_reference[BASE_UNDEFINED_OUTPUT_FIELD]':
        'history: event #3 is EvaluationFailed on AWS, ExecutionFailed here',
    'tests/aws/services/stepfunctions/v2/assign/test_assign_reference_variables.py::TestAssignReferenceVariables::test_undefined_reference[BASE_UNDEFINED_OUTPUT_MULTIPLE_STATES]':
        'history: event #7 is EvaluationFailed on AWS, ExecutionFailed here',
    'tests/aws/services/stepfunctions/v2/assign/test_assign_reference_variables.py::TestAssignReferenceVariables::test_undefined_reference[BASE_UNDEFINED_ASSIGN]':
        'history: event #3 is EvaluationFailed on AWS, ExecutionFailed here',
    'tests/aws/services/stepfunctions/v2/assign/test_assign_reference_variables.py::TestAssignReferenceVariables::test_undefined_reference[BASE_UNDEFINED_ARGUMENTS]':
        'history: event #3 is EvaluationFailed on AWS, ExecutionFailed here',
    'tests/aws/services/stepfunctions/v2/assign/test_assign_reference_variables.py::TestAssignReferenceVariables::test_undefined_reference[BASE_UNDEFINED_ARGUMENTS_FIELD]':
        'history: event #3 is EvaluationFailed on AWS, ExecutionFailed here',
    'tests/aws/services/stepfunctions/v2/base/test_base.py::TestSnfBase::test_query_context_object_values':
        'output: AWS {"message": "TestMessage", "query_values_1": {"execution": {"Id": "arn:<partition>:states:<region>:111111111111:execution:<ArnPart_0idx>:<ExecArnPart_0idx>", "Input": {"message": "TestMess',
    'tests/aws/services/stepfunctions/v2/base/test_base.py::TestSnfBase::test_json_path_array_wildcard_or_slice_with_no_input[$[*]]':
        'output: AWS {"item": []}, runner {"item": [{}]}',
    'tests/aws/services/stepfunctions/v2/context_object/test_context_object.py::TestSnfBase::test_input_path[$$]':
        'output: AWS {"Execution": {"Id": "arn:<partition>:states:<region>:111111111111:execution:<ArnPart_0idx>:<ExecArnPart_0idx>", "Input": {"input-value": 0}, "StartTime": "date", "Name": "<ExecArnPart_0id',
    'tests/aws/services/stepfunctions/v2/context_object/test_context_object.py::TestSnfBase::test_output_path[$$]':
        'output: AWS {"Execution": {"Id": "arn:<partition>:states:<region>:111111111111:execution:<ArnPart_0idx>:<ExecArnPart_0idx>", "Input": {"input-value": 0}, "StartTime": "date", "Name": "<ExecArnPart_0id',
    'tests/aws/services/stepfunctions/v2/error_handling/test_states_errors.py::TestStatesErrors::test_service_task_lambada_catch_state_all_data_limit_exceeded_on_large_utf8_response':
        "status: AWS SUCCEEDED, runner FAILED (States.DataLimitExceeded: The state/task 'lambda' returned a result with a size exceeding the maximum number of bytes service limit.)",
    'tests/aws/services/stepfunctions/v2/error_handling/test_states_errors.py::TestStatesErrors::test_task_lambda_catch_state_all_data_limit_exceeded_on_large_utf8_response':
        "status: AWS SUCCEEDED, runner FAILED (States.DataLimitExceeded: The state/task 'arn:<partition>:lambda:<region>:111111111111:function:<lambda_function_name>' returned a result with a size exceeding th",
    'tests/aws/services/stepfunctions/v2/express/test_express_sync.py::TestExpressSync::test_query_runtime_memory':
        'output: AWS {"message": "TestMessage", "query_values_1": {"execution": {"Id": "arn:<partition>:states:<region>:111111111111:express:<ArnPart_0idx>:<SyncExecArn_Part1_0idx>:<SyncExecArn_Part2_0idx>", "',
    'tests/aws/services/stepfunctions/v2/intrinsic_functions/test_array_jsonata.py::TestArrayJSONata::test_array_range#2':
        'output: AWS "1", runner [1]',
    'tests/aws/services/stepfunctions/v2/intrinsic_functions/test_generic.py::TestGeneric::test_format_2#7':
        "status: AWS SUCCEEDED, runner FAILED (States.Runtime: An error occurred while executing the state 'State_0' (entered at the event id #2). States.Format: arguments must be strings, numbers, booleans or",
    'tests/aws/services/stepfunctions/v2/intrinsic_functions/test_generic.py::TestGeneric::test_context_json_path':
        "status: AWS SUCCEEDED, runner FAILED (States.Runtime: An error occurred while executing the state 'State_0' (entered at the event id #2). States.Format: arguments must be strings, numbers, booleans or",
    'tests/aws/services/stepfunctions/v2/intrinsic_functions/test_json_manipulation.py::TestJsonManipulation::test_string_to_json#0':
        "status: AWS SUCCEEDED, runner FAILED (States.Runtime: An error occurred while executing the state 'State_0' (entered at the event id #2). States.StringToJson: Expecting value: line 1 column 1 (char 0)",
    'tests/aws/services/stepfunctions/v2/intrinsic_functions/test_json_manipulation.py::TestJsonManipulation::test_string_to_json#1':
        "status: AWS SUCCEEDED, runner FAILED (States.Runtime: An error occurred while executing the state 'State_0' (entered at the event id #2). States.StringToJson: Expecting value: line 1 column 2 (char 1)",
    'tests/aws/services/stepfunctions/v2/intrinsic_functions/test_math_operations.py::TestMathOperations::test_math_add#3':
        'output: AWS {"FunctionResult": -2}, runner {"FunctionResult": -3}',
    'tests/aws/services/stepfunctions/v2/intrinsic_functions/test_math_operations.py::TestMathOperations::test_math_add#4':
        'output: AWS {"FunctionResult": -3}, runner {"FunctionResult": -4}',
    'tests/aws/services/stepfunctions/v2/intrinsic_functions/test_math_operations.py::TestMathOperations::test_math_add#10':
        'output: AWS {"FunctionResult": -1}, runner {"FunctionResult": -2}',
    'tests/aws/services/stepfunctions/v2/intrinsic_functions/test_math_operations.py::TestMathOperations::test_math_add#16':
        'output: AWS {"FunctionResult": 1}, runner {"FunctionResult": 0}',
    'tests/aws/services/stepfunctions/v2/intrinsic_functions/test_math_operations.py::TestMathOperations::test_math_add#17':
        'output: AWS {"FunctionResult": 0}, runner {"FunctionResult": -1}',
    'tests/aws/services/stepfunctions/v2/intrinsic_functions/test_math_operations.py::TestMathOperations::test_math_add#18':
        'output: AWS {"FunctionResult": -1}, runner {"FunctionResult": -2}',
    'tests/aws/services/stepfunctions/v2/intrinsic_functions/test_math_operations.py::TestMathOperations::test_math_add#19':
        'output: AWS {"FunctionResult": -2}, runner {"FunctionResult": -3}',
    'tests/aws/services/stepfunctions/v2/intrinsic_functions/test_math_operations.py::TestMathOperations::test_math_add#20':
        'output: AWS {"FunctionResult": -3}, runner {"FunctionResult": -4}',
    'tests/aws/services/stepfunctions/v2/intrinsic_functions/test_math_operations_jsonata.py::TestMathOperationsJSONata::test_math_random_seeded':
        "cause worded unlike AWS's; history: event #3 is EvaluationFailed on AWS, ExecutionFailed here",
    'tests/aws/services/stepfunctions/v2/outputdecl/test_output.py::TestArgumentsBase::test_base_cases[BASE_LITERALS]':
        'rejected: ["state \'State0\': Output: key \'constant_jp_input.$\' ends in \'.$\', which JSONata states do not use"]',
    'tests/aws/services/stepfunctions/v2/outputdecl/test_output.py::TestArgumentsBase::test_base_cases[BASE_EXPR]':
        'output: AWS {"ja_states_context": {"Execution": {"Id": "arn:<partition>:states:<region>:111111111111:execution:<ArnPart_0idx>:<ExecArnPart_0idx>", "Input": {"input_value": "string literal", "input_val',
    'tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.py::TestBaseScenarios::test_parallel_state[PARALLEL_STATE]':
        'history: event #7 is PassStateEntered on AWS, PassStateExited here',
    'tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.py::TestBaseScenarios::test_parallel_state[PARALLEL_STATE_PARAMETERS]':
        'history: event #5 is PassStateEntered on AWS, PassStateExited here',
    'tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.py::TestBaseScenarios::test_max_concurrency_path[max_concurrency_value0]':
        'status: AWS FAILED, runner SUCCEEDED (None: None)',
    'tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.py::TestBaseScenarios::test_max_concurrency_path[NoNumber]':
        'status: AWS FAILED, runner SUCCEEDED (None: None)',
    'tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.py::TestBaseScenarios::test_parallel_state_order':
        'history: event #5 is PassStateEntered on AWS, PassStateExited here',
    'tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.py::TestBaseScenarios::test_parallel_state_nested':
        'history: event #8 is ParallelStateExited on AWS, ParallelStateSucceeded here',
    'tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.py::TestBaseScenarios::test_map_state_items_eval_jsonata_fail[number]':
        'history: event #3 is EvaluationFailed on AWS, ExecutionFailed here',
    'tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.py::TestBaseScenarios::test_map_state_items_eval_jsonata_fail[string]':
        'history: event #3 is EvaluationFailed on AWS, ExecutionFailed here',
    'tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.py::TestBaseScenarios::test_map_state_items_eval_jsonata_fail[boolean]':
        'history: event #3 is EvaluationFailed on AWS, ExecutionFailed here',
    'tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.py::TestBaseScenarios::test_map_state_items_eval_jsonata_fail[object]':
        'history: event #3 is EvaluationFailed on AWS, ExecutionFailed here',
    'tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.py::TestBaseScenarios::test_map_state_items_eval_jsonata_fail[null]':
        'history: event #3 is EvaluationFailed on AWS, ExecutionFailed here',
    'tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.py::TestBaseScenarios::test_map_state_items_eval_jsonata_fail[function]':
        'crash: TypeError: can only concatenate str (not "NoneType") to str',
    'tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.py::TestBaseScenarios::test_map_state_items_eval_jsonata_variable_sampling_fail[number]':
        'history: event #5 is EvaluationFailed on AWS, ExecutionFailed here',
    'tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.py::TestBaseScenarios::test_map_state_items_eval_jsonata_variable_sampling_fail[string]':
        'history: event #5 is EvaluationFailed on AWS, ExecutionFailed here',
    'tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.py::TestBaseScenarios::test_map_state_items_eval_jsonata_variable_sampling_fail[boolean]':
        'history: event #5 is EvaluationFailed on AWS, ExecutionFailed here',
    'tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.py::TestBaseScenarios::test_map_state_items_eval_jsonata_variable_sampling_fail[object]':
        'history: event #5 is EvaluationFailed on AWS, ExecutionFailed here',
    'tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.py::TestBaseScenarios::test_map_state_items_eval_jsonata_variable_sampling_fail[null]':
        'history: event #5 is EvaluationFailed on AWS, ExecutionFailed here',
    'tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.py::TestBaseScenarios::test_map_state_items_input_types[number]':
        'history: event #5 is EvaluationFailed on AWS, ExecutionFailed here',
    'tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.py::TestBaseScenarios::test_map_state_items_input_types[string]':
        'history: event #5 is EvaluationFailed on AWS, ExecutionFailed here',
    'tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.py::TestBaseScenarios::test_map_state_items_input_types[boolean]':
        'history: event #5 is EvaluationFailed on AWS, ExecutionFailed here',
    'tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.py::TestBaseScenarios::test_map_state_items_input_types[object]':
        'history: event #5 is EvaluationFailed on AWS, ExecutionFailed here',
    'tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.py::TestBaseScenarios::test_map_state_items_input_types[null]':
        'history: event #5 is EvaluationFailed on AWS, ExecutionFailed here',
    'tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.py::TestBaseScenarios::test_map_state_items_variable_sampling[number]':
        'history: event #5 is EvaluationFailed on AWS, ExecutionFailed here',
    'tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.py::TestBaseScenarios::test_map_state_items_variable_sampling[string]':
        'history: event #5 is EvaluationFailed on AWS, ExecutionFailed here',
    'tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.py::TestBaseScenarios::test_map_state_items_variable_sampling[boolean]':
        'history: event #5 is EvaluationFailed on AWS, ExecutionFailed here',
    'tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.py::TestBaseScenarios::test_map_state_items_variable_sampling[object]':
        'history: event #5 is EvaluationFailed on AWS, ExecutionFailed here',
    'tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.py::TestBaseScenarios::test_map_state_items_variable_sampling[null]':
        'history: event #5 is EvaluationFailed on AWS, ExecutionFailed here',
    'tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.py::TestBaseScenarios::test_map_state_retry':
        'history: event #9 is MapStateStarted on AWS, MapStateFailed here',
    'tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.py::TestBaseScenarios::test_map_state_retry_multiple_retriers':
        'history: event #9 is MapStateStarted on AWS, MapStateFailed here',
    'tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.py::TestBaseScenarios::test_map_state_retry_legacy':
        'history: event #9 is MapStateStarted on AWS, MapStateFailed here',
    'tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.py::TestBaseScenarios::test_map_state_tolerated_failure_count_path[tolerated_failure_count_value0]':
        'history: event #3 is MapStateStarted on AWS, ExecutionFailed here',
    'tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.py::TestBaseScenarios::test_map_state_tolerated_failure_count_path[NoNumber]':
        'history: event #3 is MapStateStarted on AWS, ExecutionFailed here',
    'tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.py::TestBaseScenarios::test_map_state_tolerated_failure_count_path[-1]':
        'history: event #3 is MapStateStarted on AWS, ExecutionFailed here',
    'tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.py::TestBaseScenarios::test_wait_timestamp_jsonata[NO_T]':
        'history: event #3 is EvaluationFailed on AWS, ExecutionFailed here',
    'tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.py::TestBaseScenarios::test_wait_timestamp_jsonata[NO_Z]':
        'history: event #3 is EvaluationFailed on AWS, ExecutionFailed here',
    'tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.py::TestBaseScenarios::test_wait_timestamp_jsonata[INVALID_DATE]':
        'history: event #3 is EvaluationFailed on AWS, ExecutionFailed here',
    'tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.py::TestBaseScenarios::test_wait_timestamp_jsonata[INVALID_TIME]':
        'history: event #3 is EvaluationFailed on AWS, ExecutionFailed here',
    'tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.py::TestBaseScenarios::test_wait_timestamp_jsonata[INVALID_ISO]':
        'history: event #3 is EvaluationFailed on AWS, ExecutionFailed here',
    'tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.py::TestBaseScenarios::test_escape_sequence_parsing[ESCAPE_SEQUENCES_JSONPATH]':
        'status: AWS SUCCEEDED, runner FAILED (States.Runtime: An error occurred while executing the state \'JsonPathEscapeTest\' (entered at the event id #2). The JSONPath \'$[\'Test\\""Name"\']\' specified for the ',
    'tests/aws/services/stepfunctions/v2/states_variables/test_error_output.py::TestStateVariablesTemplate::test_map_catch_error[MAP_CATCH_ERROR_OUTPUT_WITH_RETRY]':
        'history: event #14 is EvaluationFailed on AWS, MapIterationFailed here',
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
