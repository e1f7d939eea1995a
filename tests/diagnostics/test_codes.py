"""A test per diagnostic code (DESIGN §4, §7 "Bad input").

Each case compiles a small, realistic program and checks the code, the line:col,
and the rendered form: ``file:line:col: error[PFxxx]: message``, the numbered
source line, a caret under the right columns, and ``= help:``.
"""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from diag_helpers import HEADER, assert_shape, check, compile_error, find, position, write
from pyflow.compiler import compile_workflow
from pyflow.diagnostics import CODES, CompileError

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # diagnostics show paths relative to the working directory


def body(text: str) -> str:
    return HEADER + textwrap.dedent(text).lstrip("\n")


# (id, code, workflow module text, snippet the caret must cover, occurrence of the snippet)
CASES: list[tuple[str, str, str, str, int]] = [
    # PF100 statements
    ("del", "PF100", body('''
        @workflow
        def wf(order: dict):
            job = submit_job(order)
            del job
            return order
    '''), "del job", 0),
    ("assert", "PF100", body('''
        @workflow
        def wf(order: dict):
            assert order["id"], "no id"
            return submit_job(order)
    '''), 'assert order["id"], "no id"', 0),
    ("global", "PF100", body('''
        COUNT = 0

        @workflow
        def wf(order: dict):
            global COUNT
            return submit_job(order)
    '''), "global COUNT", 0),
    ("nested-def", "PF100", body('''
        @workflow
        def wf(order: dict):
            def helper(x):
                return x
            return submit_job(order)
    '''), "def helper(x):", 0),
    ("import-inside", "PF100", body('''
        @workflow
        def wf(order: dict):
            import os
            return submit_job(order)
    '''), "import os", 0),
    ("no-effect", "PF100", body('''
        @workflow
        def wf(order: dict):
            order["id"]
            return submit_job(order)
    '''), 'order["id"]', 0),
    ("async-def", "PF100", body('''
        @workflow
        async def wf(order: dict):
            return submit_job(order)
    '''), "async", 0),
    # PF101 expressions
    ("set", "PF101", body('''
        @workflow
        def wf(order: dict):
            tags = {"a", "b"}
            return submit_job({"tags": tags})
    '''), '{"a", "b"}', 0),
    ("fnmatch-computed-pattern", "PF101", body('''
        from fnmatch import fnmatch

        @workflow
        def wf(name: str, pattern: str):
            return fnmatch(name, pattern)
    '''), "fnmatch(name, pattern)", 0),
    ("lambda", "PF101", body('''
        @workflow
        def wf(order: dict):
            key = lambda o: o["id"]
            return submit_job(order)
    '''), 'lambda o: o["id"]', 0),
    ("slice", "PF101", body('''
        @workflow
        def wf(items: list):
            head = items[1:3]
            return head
    '''), "items[1:3]", 0),
    ("attribute", "PF101", body('''
        @workflow
        def wf(order: dict):
            job = submit_job(order)
            return job.guid
    '''), "job.guid", 0),
    ("walrus", "PF101", body('''
        @workflow
        def wf(order: dict):
            if (n := order["n"]) > 3:
                return n
            return 0
    '''), 'n := order["n"]', 0),
    ("bytes", "PF101", body('''
        @workflow
        def wf(order: dict):
            return b"raw"
    '''), 'b"raw"', 0),
    ("fstring-spec", "PF101", body('''
        @workflow
        def wf(total: float):
            return f"total: {total:.2f}"
    '''), "{total:.2f}", 0),
    ("big-int", "PF101", body('''
        @workflow
        def wf(order: dict):
            return submit_job(order, priority=9007199254740993)
    '''), "9007199254740993", 0),
    ("str-of-list", "PF101", body('''
        @workflow
        def wf(items: list):
            return "items: " + str(items)
    '''), "str(items)", 0),
    ("fstring-of-dict", "PF101", body('''
        @workflow
        def wf(cart: dict, n: int):
            return f"total {cart} for {n}"
    '''), "cart", 1),
    # PF102 operators
    ("matmul", "PF102", body('''
        @workflow
        def wf(a: list, b: list):
            return a @ b
    '''), "@", 3),
    ("invert", "PF102", body('''
        @workflow
        def wf(flags: int):
            return ~flags
    '''), "~flags", 0),
    ("printf-format", "PF102", body('''
        @workflow
        def wf(name: str, count: int):
            return "%s-%d" % (name, count)
    '''), "%", 2),
    ("shift-aug", "PF102", body('''
        @workflow
        def wf(flags: int):
            flags <<= 2
            return flags
    '''), "<<=", 0),
    # PF103 names
    ("undefined", "PF103", body('''
        @workflow
        def wf(order: dict):
            job = submit_job(ordre)
            return job
    '''), "ordre", 0),
    ("task-as-value", "PF103", body('''
        @workflow
        def wf(order: dict):
            f = submit_job
            return order
    '''), "submit_job", 1),
    # PF104 calls
    ("print", "PF104", body('''
        @workflow
        def wf(order: dict):
            print(order)
            return submit_job(order)
    '''), "print(order)", 0),
    ("method-unknown", "PF104", body('''
        @workflow
        def wf(order: dict):
            return order.copy()
    '''), "order.copy()", 0),
    ("plain-function", "PF104", body('''
        def helper(order):
            return order

        @workflow
        def wf(order: dict):
            return helper(order)
    '''), "helper(order)", 1),
    # PF105 task signatures
    ("too-many", "PF105", body('''
        @workflow
        def wf(order: dict):
            return submit_job(order, 1, 2)
    '''), "submit_job(order, 1, 2)", 0),
    ("keyword-only-by-position", "PF105", body('''
        @task
        def tag(job: dict, *, label: str = "") -> dict:
            return job

        @workflow
        def wf(order: dict):
            return tag(order, "urgent")
    '''), 'tag(order, "urgent")', 0),
    ("unknown-kw", "PF105", body('''
        @workflow
        def wf(order: dict):
            return submit_job(order, urgency=3)
    '''), "urgency=3", 0),
    ("missing", "PF105", body('''
        @workflow
        def wf(order: dict):
            return submit_job(priority=1)
    '''), "submit_job(priority=1)", 0),
    ("star-args", "PF105", body('''
        @workflow
        def wf(order: dict):
            return submit_job(**order)
    '''), "**order", 0),
    # PF106 task calls that Python might not evaluate
    ("or", "PF106", body('''
        @workflow
        def wf(order: dict):
            job = order.get("job") or submit_job(order)
            return job
    '''), "submit_job(order)", 0),
    ("ifexp", "PF106", body('''
        @workflow
        def wf(order: dict):
            job = submit_job(order) if order else None
            return job
    '''), "submit_job(order) if order else None", 0),
    ("chained-compare", "PF106", body('''
        @workflow
        def wf(job: dict):
            ok = 0 < job["n"] < len(get_status(job))
            return ok
    '''), "len(get_status(job))", 0),
    ("default", "PF106", body('''
        @workflow
        def wf(order: dict, job: dict = submit_job({})):
            return job
    '''), "submit_job({})", 0),
    # PF107 raise
    ("raise-literal", "PF107", body('''
        @workflow
        def wf(order: dict):
            raise "failed"
    '''), '"failed"', 0),
    ("raise-two-args", "PF107", body('''
        @workflow
        def wf(order: dict):
            raise JobFailed("failed", 42)
    '''), 'JobFailed("failed", 42)', 0),
    ("raise-unknown-module", "PF107", body('''
        @workflow
        def wf(order: dict):
            raise errs.JobLost("gone")
    '''), "errs.JobLost", 0),
    # PF108 signatures
    ("wf-star", "PF108", body('''
        @workflow
        def wf(*orders):
            return orders
    '''), "*orders", 0),
    ("wf-posonly", "PF108", body('''
        @workflow
        def wf(order, /, priority=0):
            return order
    '''), "order, /, priority=0", 0),
    ("task-kwargs", "PF108", body('''
        @task
        def tag(job: dict, **labels) -> dict:
            return job

        @workflow
        def wf(order: dict):
            return tag(order)
    '''), "job: dict, **labels", 0),
    # PF109 break/continue
    ("break", "PF109", body('''
        @workflow
        def wf(order: dict):
            job = submit_job(order)
            if job["guid"]:
                break
            return job
    '''), "break", 0),
    ("continue", "PF109", body('''
        @workflow
        def wf(order: dict):
            continue
    '''), "continue", 0),
    # PF110 later milestones
    ("match", "PF110", body('''
        @workflow
        def wf(order: dict):
            match order["kind"]:
                case "a":
                    return 1
            return order
    '''), 'match order["kind"]:', 0),
    # PF140-PF142 boto3 service calls, checked against botocore's model
    ("unknown-operation", "PF140", body('''
        import boto3

        ddb = boto3.client("dynamodb")

        @workflow
        def wf(order: dict):
            ddb.put_itme(TableName="orders", Item={"id": {"S": order["id"]}})
            return order
    '''), "ddb.put_itme", 0),
    ("unknown-parameter", "PF141", body('''
        import boto3

        ddb = boto3.client("dynamodb")

        @workflow
        def wf(order: dict):
            ddb.put_item(TableNme="orders", Item={"id": {"S": order["id"]}})
            return order
    '''), 'TableNme="orders"', 0),
    ("sync-misuse", "PF142", body('''
        @workflow
        def wf(order: dict):
            result = pf.sync(submit_job(order))
            return result
    '''), "pf.sync(submit_job(order))", 0),
    # PF114 leaving a parallel branch / map body / wrapped try body
    ("map-loop-assigns-outer", "PF115", body('''
        @workflow
        def wf(orders: list):
            done = 0
            for order in pf.map(orders):
                done = done + 1
            return done
    '''), "for order in pf.map(orders):", 0),
    ("map-loop-variable-after", "PF115", body('''
        @workflow
        def wf(orders: list):
            for order in pf.map(orders):
                submit_job(order)
            return order
    '''), "order", 4),
    ("return-in-map", "PF114", body('''
        @workflow
        def wf(orders: list):
            for order in pf.map(orders):
                return submit_job(order)
            return None
    '''), "return submit_job(order)", 0),
    # PF115 branches that share names
    ("branches-same-name", "PF115", body('''
        @workflow
        def wf(order: dict):
            with pf.parallel():
                with pf.branch():
                    job = submit_job(order)
                with pf.branch():
                    job = submit_job(order)
            return job
    '''), "with pf.branch():", 1),
    # PF116 misuse of pf.parallel / pf.branch
    ("parallel-without-branches", "PF116", body('''
        @workflow
        def wf(order: dict):
            with pf.parallel():
                job = submit_job(order)
            return job
    '''), "job = submit_job(order)", 0),
    # PF117 bare raise outside except
    ("bare-raise", "PF117", body('''
        @workflow
        def wf(order: dict):
            raise
    '''), "raise", 0),
    # PF118 recursive fragment
    ("recursive-fragment", "PF118", body('''
        @pf.fragment
        def poll(job: dict) -> dict:
            return poll(job)

        @workflow
        def wf(order: dict):
            job = poll(submit_job(order))
            return job
    '''), "poll(job)", 0),
    # PF119 fragment inside an expression
    ("fragment-in-expression", "PF119", body('''
        @pf.fragment
        def checked(order: dict) -> dict:
            return submit_job(order)

        @workflow
        def wf(order: dict):
            return {"job": checked(order)}
    '''), "checked", 1),
    # PF111 builtin arguments
    ("base64", "PF111", "import base64\n" + body('''
        @workflow
        def wf(token: str):
            return base64.b64encode(token.encode()).decode()
    '''), "base64.b64encode(token.encode())", 0),
    ("wait-kw", "PF111", body('''
        @workflow
        def wf(order: dict):
            pf.wait(minutes=5)
            return order
    '''), "minutes=5", 0),
    ("fail-error", "PF111", body('''
        @workflow
        def wf(order: dict):
            pf.fail(error=order["kind"], cause="bad order")
    '''), 'order["kind"]', 0),
    ("hash-algo", "PF111", body('''
        @workflow
        def wf(order: dict):
            return pf.hash(order["id"], "CRC32")
    '''), 'pf.hash(order["id"], "CRC32")', 0),
    ("split-no-sep", "PF111", body('''
        @workflow
        def wf(line: str):
            return line.split()
    '''), "line.split()", 0),
    ("isinstance-set", "PF111", body('''
        @workflow
        def wf(x: dict):
            return isinstance(x, set)
    '''), "set", 0),
    # PF112 decorator options
    ("wf-unknown-option", "PF112", body('''
        @workflow(colour="blue")
        def wf(order: dict):
            return submit_job(order)
    '''), '"blue"', 0),
    ("wf-type", "PF112", body('''
        @workflow(type="FAST")
        def wf(order: dict):
            return submit_job(order)
    '''), '"FAST"', 0),
    ("wf-non-literal", "PF112", body('''
        NAME = "orders"

        @workflow(name=NAME.upper())
        def wf(order: dict):
            return submit_job(order)
    '''), "NAME.upper()", 0),
    ("task-non-literal", "PF112", body('''
        TIMEOUT = 30

        @task(timeout=TIMEOUT * 2)
        def slow(job: dict) -> dict:
            return job

        @workflow
        def wf(order: dict):
            return slow(order)
    '''), "TIMEOUT * 2", 0),
    ("task-unknown-option", "PF112", body('''
        @task(memmory=256)
        def slow(job: dict) -> dict:
            return job

        @workflow
        def wf(order: dict):
            return slow(order)
    '''), "256", 0),
    ("retry-out-of-range", "PF112", body('''
        @task(retry=pf.Retry(backoff_rate=0.5))
        def slow(job: dict) -> dict:
            return job

        @workflow
        def wf(order: dict):
            return slow(order)
    '''), "pf.Retry(backoff_rate=0.5)", 0),
    ("retry-jitter-on-parallel", "PF112", body('''
        @workflow
        def wf(order: dict):
            with pf.parallel(retry=pf.Retry(jitter="SOME")):
                with pf.branch():
                    job = submit_job(order)
            return job
    '''), 'pf.Retry(jitter="SOME")', 0),
    ("express-timeout", "PF112", body('''
        @workflow(type="EXPRESS", timeout=3600)
        def wf(order: dict):
            return submit_job(order)
    '''), "3600", 0),
    ("unknown-query-language", "PF112", body('''
        @workflow(query_language="yaml")
        def wf(order: dict):
            return submit_job(order)
    '''), '"yaml"', 0),
    ("express-task-token", "PF142", body('''
        @task
        def approve(token: str, order: dict) -> dict:
            return order

        @workflow(type="EXPRESS")
        def wf(order: dict):
            return approve(pf.task_token(), order)
    '''), "wf", 0),
    ("wait-too-long", "PF111", body('''
        @workflow
        def wf(order: dict):
            pf.wait(seconds=100_000_000)
            return submit_job(order)
    '''), "pf.wait(seconds=100_000_000)", 0),
    ("wait-fraction", "PF111", body('''
        @workflow
        def wf(order: dict):
            pf.wait(seconds=1.5)
            return submit_job(order)
    '''), "pf.wait(seconds=1.5)", 0),
    ("positional-option", "PF112", body('''
        @workflow(300)
        def wf(order: dict):
            return submit_job(order)
    '''), "300", 0),
    # PF113 assignment targets
    ("shared-item", "PF113", body('''
        @workflow
        def wf(order: dict):
            draft = order
            draft["status"] = "seen"
            return order
    '''), 'draft["status"]', 0),
    ("shared-loop-item", "PF113", body('''
        @workflow
        def wf(lines: list):
            for line in lines:
                line["done"] = True
            return lines
    '''), 'line["done"]', 0),
    ("reserved", "PF113", body('''
        @workflow
        def wf(order: dict):
            pf_job = submit_job(order)
            return pf_job
    '''), "pf_job", 0),
    ("attr-target", "PF113", body('''
        @workflow
        def wf(order: dict):
            order.status = "new"
            return order
    '''), "order.status", 0),
    ("star-unpack", "PF113", body('''
        @workflow
        def wf(items: list):
            first, *rest = items
            return rest
    '''), "first, *rest", 0),
    ("for-target", "PF113", body('''
        @workflow
        def wf(items: list, order: dict):
            for order["item"] in items:
                submit_job(order)
    '''), 'order["item"]', 0),
    # PF130 not expressible in the JSONPath target
    ("jsonpath-modulo", "PF130", body('''
        @workflow(query_language="jsonpath")
        def wf(count: int, size: int):
            return count % size
    '''), "return count % size", 0),
]


def test_every_code_has_a_case():
    covered = {code for _, code, _, _, _ in CASES} | {"PF001", "PF002", "PF003", "PF004", "PF120"}
    assert set(CODES) <= covered, sorted(set(CODES) - covered)


@pytest.mark.parametrize("code,source,snippet,occurrence", [c[1:] for c in CASES], ids=[f"{c[1]}-{c[0]}" for c in CASES])
def test_code(tmp_path, code, source, snippet, occurrence):
    path = write(tmp_path, "flow.py", source)
    err = compile_error(path)
    check(err, code, source, snippet, "flow.py", occurrence)
    assert code in CODES


# ----------------------------------------------------------------------------- PF001 syntax


def test_pf001_syntax_error_points_at_the_error(tmp_path):
    source = body('''
        @workflow
        def wf(order: dict):
            if order["id"]
                return submit_job(order)
    ''')
    path = write(tmp_path, "flow.py", source)
    err = compile_error(path)
    assert [d.code for d in err.diagnostics] == ["PF001"]
    line, col = position(source, 'if order["id"]')
    d = find(err, "PF001", line, col + len('if order["id"]'))
    assert_shape(d, source, "flow.py", width=1)
    assert "expected ':'" in d.message


def test_pf001_in_an_imported_task_module(tmp_path):
    write(tmp_path, "jobs.py", "from pyflow import task\n\n@task\ndef submit(order: dict) -> dict\n    return order\n")
    source = "from pyflow import workflow\nfrom jobs import submit\n\n@workflow\ndef wf(order: dict):\n    return submit(order)\n"
    path = write(tmp_path, "flow.py", source)
    err = compile_error(path)
    d = next(d for d in err.diagnostics if d.code == "PF001")
    assert d.span is not None and d.span.path == "jobs.py" and d.span.line == 4
    assert_shape(d, (tmp_path / "jobs.py").read_text(), "jobs.py")


def test_pf001_unclosed_bracket_and_bad_indent_are_diagnostics(tmp_path):
    for text in ("x = (1,\n", "def f():\n  return 1\n return 2\n", "\tx = 1\n        y = 2\n", "@workflow\n"):
        path = write(tmp_path, "flow.py", text)
        err = compile_error(path)
        assert [d.code for d in err.diagnostics] == ["PF001"], err.render()
        assert err.diagnostics[0].span is not None and err.diagnostics[0].help


# ----------------------------------------------------------------------------- PF002 unreadable


def test_pf002_not_utf8(tmp_path):
    raw = (HEADER + '@workflow\ndef wf(name: str):\n    return "caf\xe9"\n').encode("latin-1")
    path = write(tmp_path, "flow.py", raw)
    err = compile_error(path)
    assert [d.code for d in err.diagnostics] == ["PF002"]
    d = err.diagnostics[0]
    source = raw.decode("utf-8", errors="replace")
    line, col = position(source, "\ufffd")
    assert (d.span.line, d.span.col) == (line, col)
    assert_shape(d, source, "flow.py", width=1)


def test_pf002_task_module_not_utf8_blames_the_call(tmp_path):
    write(tmp_path, "jobs.py", b"from pyflow import task\n# \xff\n@task\ndef submit(order: dict) -> dict:\n    return order\n")
    source = "from pyflow import workflow\nfrom jobs import submit\n\n@workflow\ndef wf(order: dict):\n    return submit(order)\n"
    path = write(tmp_path, "flow.py", source)
    err = compile_error(path)
    check(err, "PF002", source, "submit", "flow.py", occurrence=1)


def test_pf002_missing_file_has_no_location(tmp_path):
    err = compile_error(tmp_path / "nowhere.py")
    assert [d.code for d in err.diagnostics] == ["PF002"]
    assert err.render().startswith("pyflow: error[PF002]: cannot read")


# ----------------------------------------------------------------------------- PF003 target


def test_pf003_function_not_defined(tmp_path):
    source = body('''
        @workflow
        def job_poller(order: dict):
            return submit_job(order)
    ''')
    path = write(tmp_path, "flow.py", source)
    err = compile_error(path, "jobpoller")
    [d] = err.diagnostics
    assert d.code == "PF003" and d.span is None  # an unknown function is a usage error: exit 2
    assert err.render().startswith("pyflow: error[PF003]: 'jobpoller' is not defined")
    assert "job_poller" in d.help


def test_pf003_names_a_task(tmp_path):
    source = body('''
        @workflow
        def wf(order: dict):
            return submit_job(order)
    ''')
    path = write(tmp_path, "flow.py", source)
    err = compile_error(path, "submit_job")
    check(err, "PF003", source, "submit_job", "flow.py", occurrence=0)
    assert "@task" in err.diagnostics[0].message


def test_pf003_names_an_undecorated_function(tmp_path):
    source = body('''
        def helper(order: dict):
            return order
    ''')
    path = write(tmp_path, "flow.py", source)
    err = compile_error(path, "helper")
    check(err, "PF003", source, "helper", "flow.py")


def test_pf003_empty_file(tmp_path):
    path = write(tmp_path, "flow.py", "")
    err = compile_error(path)
    assert [d.code for d in err.diagnostics] == ["PF003"]
    assert "Traceback" not in err.render()


def test_pf003_not_module_function():
    with pytest.raises(CompileError) as info:
        compile_workflow("notarget")
    assert [d.code for d in info.value.diagnostics] == ["PF003"]
    assert info.value.render().startswith("pyflow: error[PF003]:")


# ----------------------------------------------------------------------------- PF004 imports


def test_pf004_circular_import_between_two_task_modules(tmp_path):
    write(tmp_path, "jobs.py", "from billing import charge\n")
    write(tmp_path, "billing.py", "from jobs import charge\n")
    source = ("from pyflow import workflow\nfrom jobs import charge\n\n\n@workflow\ndef wf(order: dict):\n"
              "    return charge(order)\n")
    path = write(tmp_path, "flow.py", source)
    err = compile_error(path)
    assert [d.code for d in err.diagnostics] == ["PF004"]
    check(err, "PF004", source, "charge", "flow.py", occurrence=1)


def test_task_modules_importing_each_other_still_compile(tmp_path):
    write(tmp_path, "jobs.py", "from pyflow import task\nimport billing\n\n@task\ndef submit(order: dict) -> dict:\n"
          "    return order\n")
    write(tmp_path, "billing.py", "from pyflow import task\nfrom jobs import submit\n\n@task\ndef charge(order: dict) -> dict:\n"
          "    return order\n")
    source = ("from pyflow import workflow\nfrom jobs import submit\nfrom billing import charge\n\n@workflow\n"
              "def wf(order: dict):\n    return charge(submit(order))\n")
    path = write(tmp_path, "flow.py", source)
    compiled = compile_workflow(f"{path}:wf")
    assert len(compiled.definition["States"]) == 2


def test_task_reexported_through_another_module_is_found(tmp_path):
    write(tmp_path, "impl.py", "from pyflow import task\n\n@task\ndef submit(order: dict) -> dict:\n    return order\n")
    write(tmp_path, "api.py", "from impl import submit\n")
    path = write(tmp_path, "flow.py", "from pyflow import workflow\nfrom api import submit\n\n@workflow\n"
                 "def wf(order: dict):\n    return submit(order)\n")
    compiled = compile_workflow(f"{path}:wf")
    assert [t.function for t in compiled.tasks] == ["submit"]


# ----------------------------------------------------------------------------- PF120 limits


def test_pf120_definition_too_large(tmp_path):
    source = body(f'''
        @workflow
        def wf(order: dict):
            blob = "{"x" * 1_100_000}"
            return submit_job({{"order": order, "blob": blob}})
    ''')
    path = write(tmp_path, "flow.py", source)
    err = compile_error(path)
    d = find(err, "PF120", *position(source, "wf(order"))
    assert d.span is not None and d.span.end_col - d.span.col == 2
    text = d.render()
    assert text.startswith(f"flow.py:{d.span.line}:{d.span.col}: error[PF120]: ")
    assert "   = help: " in text


def test_pf120_counts_the_deployed_bytes_not_the_printed_indentation(tmp_path, monkeypatch):
    """Step Functions counts the definition as deployed (``pyflow synth`` sends it
    without indentation); the indented text ``pyflow compile`` prints is bigger."""
    import pyflow.compiler

    source = body('''
        @workflow
        def wf(order: dict):
            return submit_job({"order": order, "a": {"b": {"c": {"d": [1, 2]}}}})
    ''')
    path = write(tmp_path, "flow.py", source)
    compiled = compile_workflow(f"{path}:wf")
    deployed, printed = len(compiled.deployed_json.encode()), len(compiled.json.encode())
    assert json.loads(compiled.deployed_json) == compiled.definition and deployed < printed
    monkeypatch.setattr(pyflow.compiler, "MAX_DEFINITION_BYTES", deployed)
    assert compile_workflow(f"{path}:wf").definition == compiled.definition  # at the limit, under the printed size
    monkeypatch.setattr(pyflow.compiler, "MAX_DEFINITION_BYTES", deployed - 1)
    d = find(compile_error(path), "PF120", *position(source, "wf(order"))
    assert f"the definition is {deployed:,} bytes" in d.message


# ----------------------------------------------------------------------------- several errors


def test_several_errors_are_all_reported_sorted(tmp_path):
    source = body('''
        @workflow
        def wf(order: dict):
            print(order)
            job = submit_job(ordre)
            tags = {"a"}
            while True:
                pass
            pf_x = 1
            return job
    ''')
    source = source.replace("    while True:\n        pass\n", "    break\n")
    path = write(tmp_path, "flow.py", source)
    err = compile_error(path)
    codes = [d.code for d in err.diagnostics]
    assert codes == ["PF104", "PF103", "PF101", "PF109", "PF113"], err.render()
    keys = [(d.span.line, d.span.col) for d in err.diagnostics]
    assert keys == sorted(keys)
    rendered = err.render()
    assert rendered.endswith("pyflow: 5 errors")
    assert rendered.count("error[PF") == 5
    assert rendered.count("   = help: ") == 5


def test_errors_in_two_workflows_do_not_leak(tmp_path):
    source = body('''
        @workflow
        def good(order: dict):
            return submit_job(order)

        @workflow
        def wf(order: dict):
            return bad(order)
    ''')
    path = write(tmp_path, "flow.py", source)
    assert compile_workflow(f"{path}:good").definition["States"]
    err = compile_error(path)
    assert [d.code for d in err.diagnostics] == ["PF104"]


def test_unreachable_code_is_still_checked(tmp_path):
    source = body('''
        @workflow
        def wf(order: dict):
            return submit_job(order)
            print("never")
    ''')
    path = write(tmp_path, "flow.py", source)
    err = compile_error(path)
    check(err, "PF104", source, 'print("never")', "flow.py")


def test_tabs_are_expanded_consistently(tmp_path):
    source = (HEADER + "@workflow\ndef wf(order: dict):\n\tif order:\n\t\tprint(order)\n\treturn order\n")
    path = write(tmp_path, "flow.py", source)
    err = compile_error(path)
    d = err.diagnostics[0]
    assert d.code == "PF104"
    lines = d.render().splitlines()
    assert lines[2].endswith("        print(order)")


# ----------------------------------------------------------------------------- CLI exit codes


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pyflow.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=60)


def test_cli_exit_codes(tmp_path):
    ok = write(tmp_path, "ok.py", body('''
        @workflow
        def wf(order: dict):
            return submit_job(order)
    '''))
    bad = write(tmp_path, "bad.py", body('''
        @workflow
        def wf(order: dict):
            print(order)
            return submit_job(order)
    '''))
    write(tmp_path, "syntax.py", "def (:\n")
    cases = [
        (("compile", f"{ok.name}:wf"), 0),
        (("compile", str(REPO / "examples" / "job_poller.py") + ":job_poller"), 0),
        (("compile", f"{bad.name}:wf"), 1),
        (("compile", "syntax.py:wf"), 1),
        (("compile", "ok.py:nothing"), 2),  # as `run` below: an unknown function is a usage error
        (("compile", "notarget"), 2),
        (("compile", "no_such_module_xyz:wf"), 2),
        ((), 2),
        (("compile",), 2),
        (("check", "bad.py"), 1),
        (("check", "ok.py"), 0),
        (("compile", f"{ok.name}:wf", "-o", str(tmp_path / "no_such_dir" / "out.json")), 2),
        (("run", f"{ok.name}:wf", "--input", "not json"), 2),
        (("run", f"{ok.name}:wf", "--input", "@no_such_input.json"), 2),
        (("run", "ok.py:nothing", "--native"), 2),
        (("run", "no_such_file.json"), 2),
    ]
    for args, status in cases:
        run = _cli(*args, cwd=tmp_path)
        assert run.returncode == status, (args, run.returncode, run.stderr)
        assert "Traceback" not in run.stderr, (args, run.stderr)
        if status == 1 and args[0] == "compile":
            assert "error[PF" in run.stderr and run.stdout == ""
    run = _cli("compile", f"{bad.name}:wf", cwd=tmp_path)
    assert run.stderr.startswith("bad.py:")
    assert "error[PF104]: `print` is not a task" in run.stderr
    assert "   = help: move this call into a @task function" in run.stderr


def test_cli_internal_error_is_70(monkeypatch, capsys):
    import pyflow.compiler
    from pyflow.cli import main

    def boom(*args, **kwargs):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(pyflow.compiler, "compile_workflow", boom)
    assert main(["compile", "x.py:wf"]) == 70
    assert "internal error" in capsys.readouterr().err
