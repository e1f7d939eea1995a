"""Differential fuzzer for the JSONata target's expressions (DESIGN §1).

Generates small ``@workflow`` programs over the expression subset the compiler
accepts, runs each natively, compiled on sfnx (an independent JSONata engine) and
compiled on pyflow's local runner, and reports every disagreement. A program the
compiler rejects with a diagnostic is skipped.

Run it from the repository root (it needs ``tests.differential.engines``)::

    python tools/fuzz_exprs.py --examples 2000 --seed 1        # prints findings
    python tools/fuzz_exprs.py --examples 500 --seed 7 --show  # also the programs

Outputs are compared strictly, except for the differences docs/semantics.md
accepts: an integral float prints as an int, and a Python data error may be the
engine's ``States.QueryEvaluationError``/``States.Runtime``. ``True`` and ``1``
are different answers.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import math
import random
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PARAMS = "i: int, f: float, s: str, b: bool, xs: list, d: dict, u, v"

# ----------------------------------------------------------------------------- values


def rand_scalar(r: random.Random) -> Any:
    return r.choice([0, 1, -1, 2, -3, 7, 2.5, -0.5, 1.0, 0.1, True, False, None, "", "a", "ab", " x ", "é", "1", "A b",
                     "it's", 'say "hi"', "a\\b\t"])


def rand_json(r: random.Random, depth: int = 0) -> Any:
    k = r.random()
    if depth < 2 and k < 0.15:
        return [rand_json(r, depth + 1) for _ in range(r.randint(0, 3))]
    if depth < 2 and k < 0.25:
        return {r.choice("abcx"): rand_json(r, depth + 1) for _ in range(r.randint(0, 3))}
    return rand_scalar(r)


def rand_input(r: random.Random) -> dict[str, Any]:
    return {
        "i": r.choice([0, 1, -1, 2, -7, 3, 10, 5]),
        "f": r.choice([0.5, -2.5, 1.25, 3.0, -0.1, 0.0, 7.5]),
        "s": r.choice(["", "a", "ab", "Hello", " pad ", "a,b", "é", "x-y", "10", "AbC"]),
        "b": r.choice([True, False]),
        "xs": r.choice([[], [1], [1, 2, 3], ["a", "b"], [True, 0], [[1], 2], [None], [1.5, -1]]),
        "d": r.choice([{}, {"a": 1}, {"a": 1, "b": "x"}, {"k": [1]}, {"b": True, "a": None}]),
        "u": rand_json(r),
        "v": rand_json(r),
    }


# ----------------------------------------------------------------------------- expressions

INT_TEXTS = ['s', '" 12 "', '"-3"', '"1_0"', '"+4"']
FLOAT_TEXTS = ['"1e3"', '" 2.5 "', '"1_0.5"', '".5"', '"-0"']
JOINERS = ['","', '""', '"-"']
SEPS = ['","', '" "', '"-"', '"a"', 's']
JSON_TEXTS = ['s', "'{\"a\": [1, 2.0]}'", 'json.dumps(d)']
KINDS = ["int", "float", "bool", "str", "list", "dict", "any"]


class Gen:
    def __init__(self, r: random.Random, names: dict[str, str], safe: bool = False) -> None:
        self.r = r
        self.names = names  # local name -> kind
        # safe: leave out what still differs (KNOWN_OPEN), for the bounded run in the test suite
        self.safe = safe
        self.shown = ['int', 'float', 'bool', 'str'] if safe else ['int', 'float', 'bool', 'str', 'any']

    def pick(self, options: list[Any]) -> Any:
        return self.r.choice(options)

    def locals_of(self, kind: str) -> list[str]:
        return [n for n, k in self.names.items() if k == kind or kind == "any"]

    def e(self, kind: str, depth: int = 2) -> str:
        r = self.r
        leaf = depth <= 0 or r.random() < 0.25
        fn = getattr(self, "leaf_" + kind if leaf else "node_" + kind)
        out = fn(depth - 1)
        return out

    # leaves
    def leaf_int(self, _d: int) -> str:
        return self.pick(["0", "1", "-1", "2", "3", "-7", "i", "i", "10"] + self.locals_of("int"))

    def leaf_float(self, _d: int) -> str:
        return self.pick(["0.5", "-2.5", "1.0", "0.1", "f", "f", "2.0", "-0.0", "1e16", "1e-05"] + self.locals_of("float"))

    def leaf_bool(self, _d: int) -> str:
        return self.pick(["True", "False", "b", "b"] + self.locals_of("bool"))

    def leaf_str(self, _d: int) -> str:
        return self.pick(['""', '"a"', '"ab"', '" x "', '"é"', '"A,b"', "s", "s", "s"] + self.locals_of("str"))

    def leaf_list(self, _d: int) -> str:
        return self.pick(["[]", "[1, 2]", '["a", "b"]', "[True, 1]", "xs", "xs", "[[1], None]"] + self.locals_of("list"))

    def leaf_dict(self, _d: int) -> str:
        return self.pick(["{}", '{"a": 1}', '{"a": True, "b": [1]}', "d", "d"] + self.locals_of("dict"))

    def leaf_any(self, _d: int) -> str:
        return self.pick(["u", "v", "u", "v", "None"] + self.locals_of("any"))

    def plain(self, d: int) -> str:
        """A list or dict without floats, of a type the compiler does not know (json.loads):
        str() prints Python's repr of it, the same in both runs (an integral float would print
        as an int compiled, the documented difference)."""
        def value(depth: int) -> str:
            if depth <= 0 or self.r.random() < 0.4:
                return self.pick(["0", "-7", "i", "True", "b", "None", "s", '"é"', "'it\\'s'", "'say \"hi\"'",
                                  "'a\\\\b\\n'", "xs", "d"])
            return self.pick([f"[{value(depth - 1)}, {value(depth - 1)}]", f"[{value(depth - 1)}]",
                              f"{{'k': {value(depth - 1)}, {self.e('str', 0)}: {value(depth - 1)}}}"])
        return f"json.loads(json.dumps([{value(d)}, {value(d)}] if {self.e('bool', 0)} else {{'k': {value(d)}}}))"

    # nodes
    def node_int(self, d: int) -> str:
        e = self.e
        return self.pick([
            f"({e('int', d)} {self.pick(['+', '-', '*', '//', '%'])} {e('int', d)})",
            f"(-{e('int', d)})", f"len({e(self.pick(['str', 'list', 'dict', 'any']), d)})",
            f"int({e(self.pick(['float', 'bool', 'any', 'int']), d)})", f"int({self.pick(INT_TEXTS)})",
            f"abs({e('int', d)})", f"{self.pick(['min', 'max'])}({e('int', d)}, {e('int', d)})",
            f"({e('bool', d)} + {e('int', d)})", f"(-{e('bool', d)})", f"(+{e('bool', d)})",
            f"({e('int', d)} ** {self.pick(['2', '3', '0'])})", f"abs({e('bool', d)})",
            f"{self.pick(['min', 'max'])}({e('bool', d)}, {e('int', d)})",
            f"({e('int', d)} if {e(self.pick(KINDS), d)} else {e('int', d)})",
            f"({e('bool', d)} * {e('bool', d)})", f"({e('bool', d)} // {e('int', d)})",
        ])

    def node_float(self, d: int) -> str:
        e = self.e
        return self.pick([
            f"({e('float', d)} {self.pick(['+', '-', '*', '/', '//', '%'])} {e(self.pick(['int', 'float']), d)})",
            f"({e('int', d)} {self.pick(['//', '%'])} {e('float', d)})",
            f"({e('int', d)} / {e('int', d)})", f"float({e(self.pick(['int', 'str', 'bool', 'any']), d)})",
            f"float({self.pick(FLOAT_TEXTS)})",
            f"abs({e('float', d)})", f"(-{e('float', d)})", f"({e('float', d)} ** {self.pick(['2', '-1'] if self.safe else ['2', '0.5', '-1'])})",
            f"(abs({e('float', d)}) ** {self.pick(['0.5', '1.5'])})",
            f"{self.pick(['min', 'max'])}({e('float', d)}, {e('int', d)})",
            f"({e('int', d)} ** -1)",
        ])

    def node_bool(self, d: int) -> str:
        e = self.e
        k = self.pick(KINDS)
        ops = ['==', '!=', '<', '<=', '>', '>=']
        return self.pick([
            f"({e(k, d)} {self.pick(ops)} {e(k, d)})",
            f"({e(self.pick(KINDS), d)} {self.pick(['==', '!='])} {e(self.pick(KINDS), d)})",
            f"({e('int', d)} {self.pick(ops[2:])} {e('float', d)} {self.pick(ops[2:])} {e('int', d)})",
            f"({e('any', d)} {self.pick(['in', 'not in'])} {e('list', d)})",
            f"({e('str', d)} {self.pick(['in', 'not in'])} {e(self.pick(['dict', 'str', 'any']), d)})",
            f"(not {e(self.pick(KINDS), d)})", f"bool({e(self.pick(KINDS), d)})",
            f"isinstance({e(self.pick(KINDS), d)}, {self.pick(['int', 'float', 'str', 'bool', 'list', 'dict', '(int, float)'])})",
            f"{e('str', d)}.startswith({e('str', d)})", f"{e('str', d)}.endswith({e('str', d)})",
            f"({e('bool', d)} {self.pick(['and', 'or'])} {e('bool', d)})",
            f"({e('any', d)} is None)", f"({e('any', d)} is not None)",
        ])

    def node_str(self, d: int) -> str:
        e = self.e
        return self.pick([
            f"str({e(self.pick(self.shown), d)})", f"str({self.plain(d)})",
            f"f\"<{{{e(self.pick(self.shown), d)}}}|{{{e(self.pick(['int', 'float', 'bool']), d)}}}>\"",
            f"{e('str', d)}.{self.pick(['upper', 'lower', 'strip', 'lstrip', 'rstrip'])}()",
            f"{e('str', d)}.replace({e('str', d)}, {e('str', d)})",
            f"{self.pick(JOINERS)}.join({e('list', d)})",
            f"({e('str', d)} + {e('str', d)})", f"({e('str', d)} * {e(self.pick(['int', 'bool']), d)})",
            f"{e('str', d)}[{e('int', d)}]", f"json.dumps({e(self.pick(KINDS), d)})",
            f"json.dumps({e(self.pick(['dict', 'any']), d)}, sort_keys=True)",
            f"({e('str', d)} if {e(self.pick(KINDS), d)} else {e('str', d)})",
            f"({e('str', d)} or {e('str', d)})", f"({e('str', d)} and {e('str', d)})",
        ])

    def node_list(self, d: int) -> str:
        e = self.e
        return self.pick([
            f"[{e(self.pick(KINDS), d)}, {e(self.pick(KINDS), d)}]", f"[{e(self.pick(KINDS), d)}]",
            f"({e('list', d)} + {e('list', d)})", f"({e('list', d)} * {e(self.pick(['int', 'bool']), d)})",
            f"{e('str', d)}.split({self.pick(SEPS)})",
            f"list({e(self.pick(['dict', 'str', 'list', 'any']), d)})", f"list({e('dict', d)}.keys())",
            f"list({e('dict', d)}.values())",
            f"({e('list', d)} or {e('list', d)})",
        ])

    def node_dict(self, d: int) -> str:
        e = self.e
        return self.pick([
            f"{{\"k\": {e(self.pick(KINDS), d)}, {e('str', d)}: {e(self.pick(KINDS), d)}}}",
            f"{{**{e('dict', d)}, **{e('dict', d)}}}", f"{{**{e('dict', d)}, \"a\": {e(self.pick(KINDS), d)}}}",
            f"json.loads({self.pick(JSON_TEXTS)})",
        ])

    def node_any(self, d: int) -> str:
        e = self.e
        return self.pick([
            f"{e('list', d)}[{e('int', d)}]", f"{e('dict', d)}.get({e('str', d)})",
            f"{e('dict', d)}.get({e('str', d)}, {e(self.pick(KINDS), d)})", f"{e('dict', d)}[{e('str', d)}]",
            f"{e('any', d)}[{e(self.pick(['int', 'str']), d)}]",
            f"json.loads({e('str', d)})", f"json.loads(json.dumps({e(self.pick(KINDS), d)}))",
            f"({e(self.pick(KINDS), d)} {self.pick(['and', 'or'])} {e(self.pick(KINDS), d)})",
            f"({e(self.pick(KINDS), d)} if {e(self.pick(KINDS), d)} else {e(self.pick(KINDS), d)})",
            f"({e('any', d)} {self.pick(['+', '-', '*', '/', '//', '%'])} {e(self.pick(KINDS), d)})",
            f"{self.pick(['min', 'max'])}({e('any', d)}, {e(self.pick(KINDS), d)})", f"abs({e('any', d)})",
            f"(-{e('any', d)})",
        ])


def rand_program(r: random.Random, name: str, safe: bool = False) -> str:
    names: dict[str, str] = {}
    g = Gen(r, names, safe)
    lines = []
    for n in range(r.randint(0, 2)):
        kind = r.choice(KINDS)
        local = f"t{n}"
        lines.append(f"{local} = {g.e(kind, r.randint(1, 2))}")
        names[local] = kind
    outs = [g.e(r.choice(KINDS), r.randint(1, 3)) for _ in range(r.randint(1, 3))]
    lines.append("return [" + ", ".join(outs) + "]")
    body = textwrap.indent("\n".join(lines), "    ")
    return f"@workflow\ndef {name}({PARAMS}):\n{body}\n"


HEADER = "import json\nfrom pyflow import workflow\n\n\n"

# ----------------------------------------------------------------------------- running


# What the fuzzer still finds (not fixed; see the report in the commit that added this file):
KNOWN_OPEN = """
- str(-0.0) is "-0.0" natively, "0.0" compiled: no JSONata engine pyflow runs on keeps a negative
  zero through arithmetic (jsonata-python turns it into 0, JSONata's $string prints 0), so it
  cannot be told from 0 (docs/semantics.md);
- a float that needs more than 15 significant digits fails compiled where str() prints it
  (JSONata prints 15 digits: failing is on purpose, see docs/semantics.md);
- x ** 0.5 (or any fractional power) of a negative number is a complex number natively, which
  Python may still print, compare or leave unused; compiled, the run fails with a TypeError
  cause (a run failure, not a different answer; a complex number is not a JSON value);
- str() of a list or dict of unknown type holding text beyond Latin, Cyrillic and the common CJK
  ideographs fails compiled (Python's repr escapes by Unicode category): a run failure;
- str() of a value of unknown kind that is an integral float prints as an int, also inside a
  list or dict, and an int passed to a float parameter as a float (documented in
  docs/semantics.md).
"""


def norm(x: Any) -> Any:
    """JSON value with the accepted difference removed (integral floats print as ints);
    bools tagged so that ``True`` and ``1`` differ."""
    if isinstance(x, bool):
        return ["<bool>", x]
    if isinstance(x, float) and math.isfinite(x) and x == int(x):
        return int(x)
    if isinstance(x, list):
        return [norm(i) for i in x]
    if isinstance(x, dict):
        return {k: norm(v) for k, v in x.items()}
    return x


def agree(a: Any, b: Any, safe: bool = False) -> bool:
    """Outcomes (from tests.differential.engines) agree, strictly on values."""
    if a.error is None and b.error is None:
        left, right = (json.dumps(norm(x.output), sort_keys=True) for x in (a, b))
        if safe:
            left, right = left.replace("-0.0", "0.0"), right.replace("-0.0", "0.0")
        return left == right
    if a.error in NATIVE_DATA_ERRORS and b.error in ENGINE_ERRORS:
        return True
    return a.agrees_with(b)


# ValueError subclasses Python raises for bad data (json.loads of a non-JSON text)
NATIVE_DATA_ERRORS = {"JSONDecodeError", "ValueError", "AttributeError"}
ENGINE_ERRORS = {"States.QueryEvaluationError", "States.Runtime", "States.IntrinsicFailure"}


def load(source: str, directory: Path, name: str) -> Any:
    path = directory / f"{name}.py"
    path.write_text(HEADER + source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return getattr(module, "wf")


def differ(wf: Any, inputs: list[dict[str, Any]], safe: bool = False) -> tuple[str, list[tuple[dict, Any, Any, Any]]]:
    """('rejected'|'ok'|'diff', [(input, native, sfnx, local) that disagree])."""
    from pyflow.compiler import compile_workflow
    from pyflow.diagnostics import CompileError
    from pyflow.local import run_definition
    from tests.differential.engines import Outcome, native, sfnx_run

    try:
        compiled = compile_workflow(wf)
    except CompileError:
        return "rejected", []
    found = []
    for inp in inputs:
        n = native(wf, inp)
        try:
            s = sfnx_run(compiled, inp)
        except Exception as exc:  # noqa: BLE001 - an engine crash is worth a look too
            s = Outcome(error=f"sfnx crashed: {type(exc).__name__}: {exc}")
        ex = run_definition(compiled.definition, inp, tasks=compiled.task_functions())
        loc = Outcome(output=ex.output) if ex.status == "SUCCEEDED" else Outcome(error=ex.error)
        if safe and "15 significant digits" in str(ex.cause):
            continue
        if not (agree(n, s, safe) and agree(n, loc, safe)):
            found.append((inp, n, s, loc))
    return ("diff" if found else "ok"), found


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--examples", type=int, default=300)
    p.add_argument("--inputs", type=int, default=4)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--show", action="store_true")
    p.add_argument("--safe", action="store_true", help="leave out what is known to differ (KNOWN_OPEN)")
    args = p.parse_args(argv)
    r = random.Random(args.seed)
    counts = {"rejected": 0, "ok": 0, "diff": 0, "inputs": 0}
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(args.examples):
            src = rand_program(r, "wf", args.safe)
            inputs = [rand_input(r) for _ in range(args.inputs)]
            try:
                wf = load(src, Path(tmp), f"fz_{args.seed}_{n}")
            except Exception as exc:  # noqa: BLE001 - e.g. a generated SyntaxError
                print("load failed:", exc, src)
                continue
            try:
                status, found = differ(wf, inputs, args.safe)
            except Exception as exc:  # noqa: BLE001 - an internal compiler error is a finding
                print(f"=== CRASH {type(exc).__name__}: {exc}\n{src}")
                counts["diff"] += 1
                continue
            counts[status] += 1
            if status != "rejected":
                counts["inputs"] += len(inputs)
            if args.show or found:
                print(("=== DIFF\n" if found else "=== " + status + "\n") + src)
            for inp, nat, sf, loc in found:
                print(f"  input {json.dumps(inp)}\n    native={nat}\n    sfnx  ={sf}\n    local ={loc}")
    print(json.dumps(counts))
    return 1 if counts["diff"] else 0


if __name__ == "__main__":
    sys.exit(main())
