"""Odd but valid Python as a workflow body: the compiler answers with ASL or diagnostics, never a traceback."""
from __future__ import annotations

import textwrap

import pytest

from diag_helpers import HEADER, write
from pyflow.compiler import compile_workflow
from pyflow.diagnostics import CODES, CompileError


def _deep_ifs(n: int) -> str:
    lines = []
    for i in range(n):
        lines.append("    " * i + f"if x > {i}:")
    lines.append("    " * n + "x = submit_job({'depth': x})")
    lines.append("return x")
    return "\n".join(lines)


def _deep_expr(n: int) -> str:
    return "y = " + "(" * n + "x" + " + 1)" * n + "\nreturn y"


SNIPPETS: dict[str, str] = {
    "lambda": "f = lambda v: v + 1\nreturn f(x)",
    "lambda-call": "return (lambda v: v)(x)",
    "walrus": "if (y := x + 1) > 2:\n    return y\nreturn 0",
    "match": "match x:\n    case 1:\n        return 'one'\n    case [a, b]:\n        return a\n    case _:\n        return None",
    "global": "global G\nG = x\nreturn G",
    "nonlocal": "def inner():\n    nonlocal x\n    x = 1\ninner()\nreturn x",
    "async-for": "async def g():\n    pass\nreturn x",
    "await": "y = await x\nreturn y",
    "yield": "yield x",
    "yield-from": "y = yield from [x]\nreturn y",
    "del": "y = x\ndel y\nreturn x",
    "assert": "assert x, 'x must be set'\nreturn x",
    "with": "with open('f') as fh:\n    y = fh.read()\nreturn y",
    "try-finally": "try:\n    y = submit_job({})\nfinally:\n    y = None\nreturn y",
    "try-star": "try:\n    pass\nexcept* ValueError:\n    pass\nreturn x",
    "star-args": "args = [x]\nreturn submit_job(*args)",
    "star-kwargs": "kw = {'order': {}}\nreturn submit_job(**kw)",
    "nested-function": "def helper(v):\n    return v\nreturn helper(x)",
    "class": "class C:\n    pass\nreturn x",
    "set-literal": "s = {1, 2, x}\nreturn s",
    "set-comp": "return {v for v in [x]}",
    "dict-comp": "return {str(v): v for v in [x]}",
    "generator": "return sum(v for v in [x])",
    "slices": "xs = [x, x, x]\nreturn xs[::-1]",
    "chained-comparisons": "return 0 < x <= 10 != 11",
    "chained-with-task": "return 0 < x < len(submit_job({'a': x}))",
    "dict-unpack": "a = {'a': x}\nb = {**a, **{'b': 2}, 'c': 3}\nreturn b",
    "list-unpack": "return [*[x], *[1, 2]]",
    "unknown-attribute-call": "return os.path.join('a', x)",
    "method-chain": "return str(x).strip().upper().lower()",
    "unicode-names": "größe = x\nπ = 3.14159\nreturn größe * π",
    "long-string": "s = '" + "ab" * 50_000 + "'\nreturn s",
    "deep-ifs": _deep_ifs(90),
    "too-deep-ifs": _deep_ifs(200),  # CPython refuses more than 100 indentation levels: PF001
    "deep-expression": _deep_expr(300),
    "ternary-chain": "return 'a' if x > 1 else 'b' if x > 0 else 'c'",
    "bytes": "return b'\\x00'",
    "complex": "return 1j * x",
    "big-int": "return x + 10**400",
    "huge-literal-int": "return x + " + "9" * 5000,
    "float-edge": "return x + 1e308 * 10",
    "fstring-nested": "return f\"{x!r:>{x}}\"",
    "fstring-plain": "return f'{x} and {{braces}} {x + 1}'",
    "aug-assign-ops": "y = x\ny //= 2\ny %= 3\ny **= 2\ny |= 1\nreturn y",
    "tuple-unpack": "a, (b, c) = x, (1, 2)\nreturn a",
    "starred-unpack": "a, *b = [x, 1, 2]\nreturn b",
    "subscript-assign": "d = {}\nd['k'] = x\nd['k']['j'] = 1\nreturn d",
    "for-else": "for i in range(3):\n    if i == x:\n        break\nelse:\n    return -1\nreturn x",
    "while-else": "while x < 3:\n    x = x + 1\nelse:\n    x = 0\nreturn x",
    "while-false": "while False:\n    submit_job({})\nreturn x",
    "while-one": "while 1:\n    break\nreturn x",
    "ellipsis": "...\nreturn x",
    "docstring-only": "'''just a docstring'''",
    "pass-only": "pass",
    "return-tuple": "return x, x",
    "conditional-import": "from os import path\nreturn x",
    "is-comparisons": "return x is None or x is not True",
    "not-in": "return x not in [1, 2]",
    "bitwise": "return x & 1 | 2 ^ 3 << 1 >> 1",
    "exec": "exec('x = 1')\nreturn x",
    "print-kw": "print(x, sep='', end='')",
    "time-sleep": "time.sleep(x)\nreturn x",
    "json-roundtrip": "return json.loads(json.dumps({'a': x}, sort_keys=True))",
    "range-loop": "total = 0\nfor i in range(0, 10, x):\n    total += i\nreturn total",
    "pf-builtins": "pf.wait(seconds=x)\nu = pf.uuid()\nh = pf.hash(u)\nreturn h",
    "pf-context": "return pf.context.execution.id",
    "pf-unknown": "return pf.not_a_builtin(x)",
    "raise-from": "raise JobFailed('no') from None",
    "raise-instance-var": "e = JobFailed('x')\nraise e",
    "semicolons": "a = 1; b = 2; return a + b",
}

# decorators with odd options and signatures, as whole modules
MODULES: dict[str, str] = {
    "decorator-non-literal": "OPTS = {}\n@workflow(**OPTS)\ndef wf(x: int = 0):\n    return x\n",
    "decorator-call-option": "@workflow(name=str(1), timeout=60 * 5)\ndef wf(x: int = 0):\n    return x\n",
    "decorator-stacked": "import functools\n@functools.cache\n@workflow\n@functools.wraps(print)\ndef wf(x: int = 0):\n    return x\n",
    "task-odd-retry": ("@task(retry=pf.Retry(errors=[ValueError, 'Custom'], interval=INTERVAL))\ndef t(v: int) -> int:\n"
                       "    return v\n@workflow\ndef wf(x: int = 0):\n    return t(x)\n"),
    "task-positional-option": "@task(30)\ndef t(v: int) -> int:\n    return v\n@workflow\ndef wf(x: int = 0):\n    return t(x)\n",
    "workflow-kwonly": "@workflow\ndef wf(*, x: int = 0, y: str = 'a'):\n    return y\n",
    "workflow-default-expr": "@workflow\ndef wf(x: int = 1 + 2, y: list = [1, 2]):\n    return x\n",
    "workflow-lambda-default": "@workflow\ndef wf(x=lambda: 0):\n    return 1\n",
    "workflow-calls-itself": "@workflow\ndef wf(x: int = 0):\n    return wf(x)\n",
    "one-line-body": "@workflow\ndef wf(x: int = 0): return x\n",
    "workflow-in-class": "class K:\n    @workflow\n    def wf(self):\n        return 1\ndef wf():\n    return 1\n",
    "shadowed-task": "@workflow\ndef wf(submit_job: dict = {}):\n    return submit_job(submit_job)\n",
}


def _as_module(snippet: str) -> str:
    return HEADER + "@workflow\ndef wf(x: int = 0):\n" + textwrap.indent(snippet, "    ") + "\n"


CASES = {**{k: _as_module(v) for k, v in SNIPPETS.items()}, **{k: HEADER + v for k, v in MODULES.items()}}
CASES["bom-and-crlf"] = "\ufeff" + _as_module("return x").replace("\n", "\r\n")


@pytest.mark.parametrize("name", sorted(CASES))
def test_odd_python_compiles_or_is_diagnosed(tmp_path, name):
    path = write(tmp_path, "flow.py", CASES[name])
    try:
        compiled = compile_workflow(f"{path}:wf")
    except CompileError as err:
        assert err.diagnostics
        for d in err.diagnostics:
            assert d.code in CODES
            assert d.message
        rendered = err.render()
        assert "Traceback" not in rendered
    else:
        assert compiled.definition["States"]
        assert compiled.json  # serialises
