"""Regenerates tests/local/corpus/*.json (run from tests/local): the differential corpus, in Python for readability."""
import json, os
L = lambda n: f"arn:aws:lambda:us-east-1:123456789012:function:{n}"
def end(s): s["End"] = True; return s
C = {}
def add(name, definition, inp, **extra):
    C[name] = {"definition": definition, "input": inp, **extra}
def chain(*states, **top):
    names = [n for n, _ in states]
    d = {}
    for i, (n, s) in enumerate(states):
        s = dict(s)
        if s["Type"] not in ("Choice", "Succeed", "Fail") and "Next" not in s and "End" not in s:
            if i == len(states) - 1: s["End"] = True
            else: s["Next"] = names[i + 1]
        d[n] = s
    return {"StartAt": names[0], "States": d, **top}

add("pass_result", chain(("A", {"Type": "Pass", "Result": {"x": [1, 2, {"y": None}]}})), {"in": 1})
add("pass_result_path", chain(("A", {"Type": "Pass", "Result": 42, "ResultPath": "$.deep.new.field"}),
                               ("B", {"Type": "Pass", "Result": "r", "ResultPath": None})), {"keep": True, "deep": {"old": 1}})
add("pass_input_output_path", chain(("A", {"Type": "Pass", "InputPath": "$.a", "OutputPath": "$.b[1]"}),
                                     ("B", {"Type": "Pass", "InputPath": None})), {"a": {"b": [10, {"c": "d"}]}})
add("pass_parameters", chain(("A", {"Type": "Pass", "Parameters": {"static": "s", "list": [1, {"n.$": "$.n"}],
                                     "nested": {"v.$": "$.obj.v", "all.$": "$"}, "idx.$": "$.arr[2]", "q.$": "$['odd key']"}})),
    {"n": 5, "obj": {"v": [True, False]}, "arr": [0, 1, 2], "odd key": "ok"})
add("context_object", chain(("A", {"Type": "Pass", "Parameters": {"name.$": "$$.State.Name", "input.$": "$$.Execution.Input"}})), {"hello": "world"})
add("intrinsics_format_json", chain(("A", {"Type": "Pass", "Parameters": {
    "f.$": "States.Format('Hello {}, you are {} ({})', $.name, $.age, $.ok)",
    "s.$": "States.JsonToString($.obj)", "j.$": "States.StringToJson($.text)"}})),
    {"name": "Ada", "age": 36, "ok": True, "obj": {"a": [1, "b"]}, "text": "{\"k\": [1, 2]}"})
add("intrinsics_arrays", chain(("A", {"Type": "Pass", "Parameters": {
    "arr.$": "States.Array($.a, 'two', 3, States.Array())", "part.$": "States.ArrayPartition($.nums, 2)",
    "has.$": "States.ArrayContains($.nums, 3)", "hasnot.$": "States.ArrayContains($.nums, 9)",
    "range.$": "States.ArrayRange(1, 10, 3)",
    "item.$": "States.ArrayGetItem($.nums, 2)", "len.$": "States.ArrayLength($.nums)",
    "uniq.$": "States.ArrayUnique($.dups)"}})),
    {"a": 1, "nums": [1, 2, 3, 4, 5], "dups": [1, 1, "a", "a", 2, 2.5, 2.5]})
add("intrinsics_encoding", chain(("A", {"Type": "Pass", "Parameters": {
    "b64.$": "States.Base64Encode($.s)", "back.$": "States.Base64Decode(States.Base64Encode($.s))",
    "md5.$": "States.Hash($.s, 'MD5')", "sha1.$": "States.Hash($.s, 'SHA-1')", "sha256.$": "States.Hash($.s, 'SHA-256')",
    "sha384.$": "States.Hash($.s, 'SHA-384')", "sha512.$": "States.Hash($.s, 'SHA-512')"}})), {"s": "Data to encode: hello"})
add("intrinsics_math_string", chain(("A", {"Type": "Pass", "Parameters": {
    "sum.$": "States.MathAdd($.a, $.b)", "rounded.$": "States.MathAdd($.f, 1)", "neg.$": "States.MathAdd($.a, -20)",
    "split.$": "States.StringSplit($.csv, ',')", "multi.$": "States.StringSplit($.messy, '.+,=')",
    "merged.$": "States.JsonMerge($.x, $.y, false)",
    "rand.$": "States.MathRandom(7, 7)", "seeded.$": "States.ArrayLength(States.Array(States.MathRandom(1, 100, 42)))",
    "uuidparts.$": "States.ArrayLength(States.StringSplit(States.UUID(), '-'))"}})),
    {"a": 11, "b": 31, "f": 2.5, "csv": "1,2,3", "messy": "This.is+a,test=string", "x": {"a": 1, "b": {"c": 1}}, "y": {"b": {"d": 2}, "e": 3}})
add("intrinsic_failure", chain(("A", {"Type": "Pass", "Parameters": {"x.$": "States.ArrayGetItem($.a, 5)"}})), {"a": [1]})

def choice_case(name, rules, inp, default=True):
    states = {"C": {"Type": "Choice", "Choices": [dict(r, Next=f"R{i}") for i, r in enumerate(rules)]}}
    if default: states["C"]["Default"] = "D"; states["D"] = {"Type": "Pass", "Result": "default", "End": True}
    for i in range(len(rules)): states[f"R{i}"] = {"Type": "Pass", "Result": f"rule{i}", "End": True}
    add(name, {"StartAt": "C", "States": states}, inp)
choice_case("choice_string_ops", [{"Variable": "$.s", "StringEquals": "nope"}, {"Variable": "$.s", "StringLessThan": "aaa"},
    {"Variable": "$.s", "StringGreaterThanEquals": "zzz"}, {"Variable": "$.s", "StringEqualsPath": "$.t"}], {"s": "mmm", "t": "mmm"})
choice_case("choice_string_ops2", [{"Variable": "$.s", "StringGreaterThan": "n"}, {"Variable": "$.s", "StringLessThanEquals": "mmm"},
    {"Variable": "$.s", "StringLessThanPath": "$.t"}], {"s": "mmm", "t": "zzz"})
choice_case("choice_string_paths", [{"Variable": "$.s", "StringGreaterThanPath": "$.t"}, {"Variable": "$.s", "StringGreaterThanEqualsPath": "$.t"},
    {"Variable": "$.s", "StringLessThanEqualsPath": "$.t"}], {"s": "b", "t": "b"})
choice_case("choice_numeric_ops", [{"Variable": "$.n", "NumericEquals": 3}, {"Variable": "$.n", "NumericLessThan": 1},
    {"Variable": "$.n", "NumericGreaterThan": 10}, {"Variable": "$.n", "NumericLessThanEquals": 4.5}], {"n": 4.5})
choice_case("choice_numeric_paths", [{"Variable": "$.n", "NumericEqualsPath": "$.m"}, {"Variable": "$.n", "NumericLessThanPath": "$.m"},
    {"Variable": "$.n", "NumericGreaterThanPath": "$.m"}, {"Variable": "$.n", "NumericGreaterThanEqualsPath": "$.m"}], {"n": 7, "m": 7.0})
choice_case("choice_numeric_paths2", [{"Variable": "$.n", "NumericLessThanEqualsPath": "$.m"}, {"Variable": "$.n", "NumericGreaterThanEquals": 2}], {"n": 8, "m": 7})
choice_case("choice_boolean", [{"Variable": "$.b", "BooleanEquals": True}, {"Variable": "$.b", "BooleanEqualsPath": "$.c"}], {"b": False, "c": False})
choice_case("choice_timestamps", [{"Variable": "$.t", "TimestampEquals": "2020-01-01T00:00:00Z"},
    {"Variable": "$.t", "TimestampLessThan": "2019-01-01T00:00:00Z"}, {"Variable": "$.t", "TimestampGreaterThanPath": "$.u"}],
    {"t": "2021-06-01T12:00:00Z", "u": "2021-01-01T00:00:00Z"})
choice_case("choice_timestamps2", [{"Variable": "$.t", "TimestampGreaterThan": "2030-01-01T00:00:00Z"},
    {"Variable": "$.t", "TimestampLessThanEquals": "2021-06-01T12:00:00Z"}], {"t": "2021-06-01T12:00:00Z"})
choice_case("choice_timestamp_paths", [{"Variable": "$.t", "TimestampEqualsPath": "$.u"}, {"Variable": "$.t", "TimestampLessThanPath": "$.u"},
    {"Variable": "$.t", "TimestampGreaterThanEquals": "2022-01-01T00:00:00Z"}, {"Variable": "$.t", "TimestampLessThanEqualsPath": "$.u"},
    {"Variable": "$.t", "TimestampGreaterThanEqualsPath": "$.u"}], {"t": "2021-01-01T00:00:00Z", "u": "2021-01-01T00:00:01Z"})
choice_case("choice_type_tests", [{"Variable": "$.missing", "IsPresent": True}, {"Variable": "$.n", "IsNull": True},
    {"Variable": "$.s", "IsNumeric": True}, {"Variable": "$.s", "IsString": False}, {"Variable": "$.b", "IsBoolean": False},
    {"Variable": "$.ts", "IsTimestamp": True}], {"n": 1, "s": "x", "b": True, "ts": "2024-02-29T10:00:00Z"})
choice_case("choice_type_tests2", [{"Variable": "$.n", "IsNull": False, }, {"Variable": "$.x", "IsPresent": False}], {"n": None})
choice_case("choice_and_or_not", [{"And": [{"Variable": "$.a", "NumericGreaterThan": 1}, {"Variable": "$.b", "StringEquals": "no"}]},
    {"Or": [{"Variable": "$.a", "NumericLessThan": 0}, {"Not": {"Variable": "$.b", "StringEquals": "yes"}}]},
    {"And": [{"Not": {"Variable": "$.a", "IsNull": True}}, {"Or": [{"Variable": "$.b", "StringMatches": "y*s"}]}]}], {"a": 2, "b": "yes"})
choice_case("choice_string_matches", [{"Variable": "$.f", "StringMatches": "*.csv"}, {"Variable": "$.f", "StringMatches": "log-*-\\*.txt"},
    {"Variable": "$.f", "StringMatches": "log-*"}], {"f": "log-2024-*.txt"})
choice_case("choice_type_mismatch", [{"Variable": "$.n", "StringEquals": "1"}, {"Variable": "$.s", "NumericEquals": 1},
    {"Variable": "$.s", "TimestampEquals": "2020-01-01T00:00:00Z"}], {"n": 1, "s": "1"})
choice_case("choice_no_match", [{"Variable": "$.n", "NumericEquals": 2}], {"n": 1}, default=False)
choice_case("choice_missing_variable", [{"Variable": "$.nope", "NumericEquals": 2}], {"n": 1})
add("wait_all_forms", chain(("W1", {"Type": "Wait", "Seconds": 1}), ("W2", {"Type": "Wait", "SecondsPath": "$.secs"}),
    ("W3", {"Type": "Wait", "Timestamp": "2001-01-01T00:00:00Z"}), ("W4", {"Type": "Wait", "TimestampPath": "$.when", "OutputPath": "$.secs"})),
    {"secs": 2, "when": "2001-01-01T00:00:00Z"})
add("parallel_basic", chain(("P", {"Type": "Parallel", "InputPath": "$.in", "ResultPath": "$.out", "ResultSelector": {"first.$": "$[0]", "both.$": "$"},
    "Branches": [chain(("B1", {"Type": "Pass", "Parameters": {"v.$": "$.v"}})),
                 chain(("B2", {"Type": "Pass", "Result": "x", "Next": "B3"}), ("B3", {"Type": "Succeed"}))]})),
    {"in": {"v": 1}})
add("parallel_failure", chain(("P", {"Type": "Parallel", "Branches": [chain(("F1", {"Type": "Fail", "Error": "BranchBoom", "Cause": "inner"}))],
    "Catch": [{"ErrorEquals": ["BranchBoom"], "ResultPath": "$.err", "Next": "After"}]}), ("After", {"Type": "Pass"})), {"k": 1})
add("map_items_path_selector", chain(("M", {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 2,
    "ItemSelector": {"value.$": "$$.Map.Item.Value", "index.$": "$$.Map.Item.Index", "ctx.$": "$.ctx"},
    "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "I", "States": {"I": {"Type": "Pass", "End": True}}},
    "ResultPath": "$.results"})), {"items": ["a", "b", "c"], "ctx": 9})
add("map_legacy_iterator", chain(("M", {"Type": "Map", "ItemsPath": "$.items", "Parameters": {"v.$": "$$.Map.Item.Value"},
    "Iterator": {"StartAt": "I", "States": {"I": {"Type": "Pass", "Parameters": {"doubled.$": "States.MathAdd($.v, $.v)"}, "End": True}}}})),
    {"items": [1, 2, 3]})
add("map_empty_and_nested", chain(("M", {"Type": "Map", "ItemsPath": "$.outer",
    "ItemProcessor": {"StartAt": "Inner", "States": {"Inner": {"Type": "Map", "ItemsPath": "$", "ItemProcessor": {"StartAt": "X",
        "States": {"X": {"Type": "Pass", "Result": "leaf", "End": True}}}, "End": True}}}})), {"outer": [[1, 2], [], [3]]})
add("succeed_paths", chain(("S", {"Type": "Succeed", "InputPath": "$.a", "OutputPath": "$.b"})), {"a": {"b": {"c": 1}}})
add("fail_static", chain(("F", {"Type": "Fail", "Error": "MyError", "Cause": "it broke"})), {})
add("fail_paths", chain(("F", {"Type": "Fail", "ErrorPath": "$.e", "CausePath": "$.c"})), {"e": "Dyn.Error", "c": "dynamic cause"})
add("task_lambda", chain(("T", {"Type": "Task", "Resource": L("double"), "Parameters": {"n.$": "$.n"}, "ResultPath": "$.doubled"}),
    ("T2", {"Type": "Task", "Resource": L("double"), "InputPath": "$.doubled", "ResultSelector": {"r.$": "$.n"}})), {"n": 21},
    lambdas=["double"])
add("task_lambda_invoke", chain(("T", {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
    "Parameters": {"FunctionName": L("double"), "Payload": {"n.$": "$.n"}}, "ResultSelector": {"p.$": "$.Payload", "code.$": "$.StatusCode"}})),
    {"n": 4}, lambdas=["double"])
add("task_catch", chain(("T", {"Type": "Task", "Resource": L("boom"), "Catch": [{"ErrorEquals": ["KeyError"], "Next": "Nope"},
    {"ErrorEquals": ["States.TaskFailed"], "ResultPath": "$.error", "Next": "Handled"}], "Next": "Nope"}),
    ("Nope", {"Type": "Fail", "Error": "Wrong"}), ("Handled", {"Type": "Pass", "Parameters": {"err.$": "$.error.Error", "orig.$": "$.orig"}})),
    {"orig": 1}, lambdas=["boom"])
add("task_retry_then_succeed", chain(("T", {"Type": "Task", "Resource": L("flaky"), "Retry": [
    {"ErrorEquals": ["NotThis"], "MaxAttempts": 5}, {"ErrorEquals": ["ValueError"], "IntervalSeconds": 1, "MaxAttempts": 3, "BackoffRate": 2.0,
     "MaxDelaySeconds": 2, "JitterStrategy": "FULL"}]})), {"fail_times": 2}, lambdas=["flaky"])
add("task_retry_exhausted", chain(("T", {"Type": "Task", "Resource": L("flaky"), "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 1}]})),
    {"fail_times": 5}, lambdas=["flaky"])
add("task_unhandled_error", chain(("T", {"Type": "Task", "Resource": L("boom")})), {}, lambdas=["boom"])
add("runtime_bad_input_path", chain(("A", {"Type": "Pass", "InputPath": "$.missing"})), {"x": 1})
add("runtime_missing_parameter_path", chain(("A", {"Type": "Pass", "Parameters": {"x.$": "$.missing"}})), {"x": 1})
add("result_path_match_failure", chain(("A", {"Type": "Pass", "Result": 1, "ResultPath": "$.s.t"})), {"s": "a string"})
add("loop_with_counter", {"StartAt": "Init", "States": {
    "Init": {"Type": "Pass", "Result": 0, "ResultPath": "$.i", "Next": "Check"},
    "Check": {"Type": "Choice", "Choices": [{"Variable": "$.i", "NumericGreaterThanEqualsPath": "$.n", "Next": "Done"}], "Default": "Inc"},
    "Inc": {"Type": "Pass", "Parameters": {"i.$": "States.MathAdd($.i, 1)", "n.$": "$.n", "trail.$": "States.Format('{}', $.i)"}, "Next": "Check"},
    "Done": {"Type": "Succeed"}}}, {"n": 5})
add("timeout_execution", chain(("W", {"Type": "Wait", "Seconds": 100}), TimeoutSeconds=10), {}, moto_skip="moto's Wait is patched to return at once, so moto cannot time out")

os.makedirs("corpus", exist_ok=True)
for name, case in C.items():
    with open(f"corpus/{name}.json", "w") as fh:
        json.dump(case, fh, indent=2, ensure_ascii=False); fh.write("\n")
print(len(C))
