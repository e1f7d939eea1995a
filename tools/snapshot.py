"""Compile a large corpus of workflows and write every output to one directory, so that
a refactoring step can be shown byte-identical: run it before and after, then ``diff -r``.

    python tools/snapshot.py /tmp/before          # on the old commit
    python tools/snapshot.py /tmp/after           # on the new one
    diff -r /tmp/before /tmp/after && echo identical

For each ``@workflow`` of the corpus and each query language it writes the compiled
definition (or the rendered diagnostics), the source map, the IAM policy and the
mermaid graph. The corpus: ``examples/``, every workflow module under ``tests/`` and
``benchmarks/``, and generated programs of 100 and 1,000 statements. Never imports the
workflows' modules: the compiler reads sources.
"""
from __future__ import annotations

import ast
import json
import sys
import tempfile
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LANGUAGES = ("jsonata", "jsonpath")
GENERATED = ((100, 1), (1000, 7))


def workflows(path: Path) -> list[str]:
    """Names of the functions of ``path`` decorated with ``workflow`` (bare or called)."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (SyntaxError, UnicodeDecodeError):
        return []
    names = []
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        for dec in node.decorator_list:
            target = dec.func if isinstance(dec, ast.Call) else dec
            name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
            if name == "workflow":
                names.append(node.name)
                break
    return names


def corpus() -> list[Path]:
    files = sorted(ROOT.glob("examples/*.py"))
    for folder in ("tests", "benchmarks"):
        files += sorted(p for p in (ROOT / folder).rglob("*.py") if "workflow" in p.read_text(encoding="utf-8", errors="replace"))
    return files


def outputs(path: Path, function: str, lang: str) -> dict[str, str]:
    from pyflow.compiler import compile_file
    from pyflow.diagnostics import CompileError

    try:
        compiled = compile_file(path, function, lang)
    except CompileError as exc:
        return {"err": exc.render()}
    except Exception:  # an internal error is an output too: a refactoring must keep it or fix it
        return {"crash": traceback.format_exc().splitlines()[-1]}
    out = {"asl.json": compiled.json,
           "map.json": json.dumps(compiled.source_map, sort_keys=True, indent=1, default=str)}
    try:
        from pyflow.iam.policy import analyze_definition

        lambda_tasks = {t.name: t.existing_arn for t in compiled.tasks if t.existing_arn}
        policy = analyze_definition(compiled.definition, lambda_tasks=lambda_tasks, activities=tuple(compiled.activities))
        out["iam.json"] = json.dumps({"document": policy.document, "warnings": [w.message for w in policy.warnings]}, indent=1)
    except Exception:
        out["iam.crash"] = traceback.format_exc().splitlines()[-1]
    try:
        from pyflow.graph import draw

        out["mmd"] = draw(compiled.definition, "mermaid", compiled.source_map, None, title=compiled.name).decode("utf-8")
    except Exception:
        out["mmd.crash"] = traceback.format_exc().splitlines()[-1]
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    dest = Path(argv[0])
    dest.mkdir(parents=True, exist_ok=True)
    files = corpus()
    tmp = Path(tempfile.gettempdir()) / "pyflow-snapshot-generated"  # in diagnostics: the same path each run
    tmp.mkdir(exist_ok=True)
    from benchmarks.generate import generate

    for statements, seed in GENERATED:
        gen = Path(tmp) / f"generated_{statements}.py"
        gen.write_text(generate(statements, seed), encoding="utf-8")
        files.append(gen)
    count = 0
    for path in files:
        rel = path.relative_to(ROOT) if path.is_relative_to(ROOT) else Path("generated") / path.name
        for function in workflows(path):
            for lang in LANGUAGES:
                for suffix, text in outputs(path, function, lang).items():
                    name = f"{str(rel).replace('/', '__')}.{function}.{lang}.{suffix}"
                    (dest / name).write_text(text if isinstance(text, str) else str(text), encoding="utf-8")
                count += 1
    print(f"{count} compiles from {len(files)} files written to {dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
