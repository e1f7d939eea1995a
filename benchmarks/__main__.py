"""``python -m benchmarks``: every benchmark in one run, printed as one table.

    python -m benchmarks                 # everything, full sizes
    python -m benchmarks --quick         # small sizes, a smoke run
    python -m benchmarks --only compile,runner
    python -m benchmarks --json          # one JSON object instead of the table

Sections: ``compile`` (``benchmarks/compile_bench.py``), ``runner``
(``benchmarks/runner_bench.py``: local runner against moto) and ``synth``
(``benchmarks/synth_bench.py``: ``pyflow synth`` against hand-written CDK). Each
module's ``bench()`` returns a dict; a section whose module is missing or raises
is skipped with a note, and the others still run. All figures are taken in this
one run on this machine; the ratios are what to compare, not the absolute times.
"""
from __future__ import annotations

import argparse
import importlib
import inspect
import json
import os
import platform
import sys
import time
import traceback
from typing import Any

SECTIONS = {
    "compile": "benchmarks.compile_bench",
    "runner": "benchmarks.runner_bench",
    "synth": "benchmarks.synth_bench",
    "cost": "benchmarks.cost_bench",
}
# Keyword arguments that make a section small, used with --quick when its bench() takes them.
QUICK_KWARGS: dict[str, Any] = {"quick": True, "min_seconds": 0.2, "moto_runs": 1, "runs": 1, "repeats": 1, "repeat": 1}


def run_section(name: str, module_name: str, quick: bool) -> dict[str, Any]:
    """{"status": "ok", "seconds": ..., "result": {...}} or {"status": "skipped", "note": ...}."""
    start = time.perf_counter()
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            return {"status": "skipped", "note": f"{module_name} is not written yet"}
        return {"status": "skipped", "note": f"{module_name} cannot be imported: {exc}"}
    except Exception as exc:  # noqa: BLE001 - a broken colleague module must not stop the others
        return {"status": "skipped", "note": f"{module_name} cannot be imported: {type(exc).__name__}: {exc}"}
    bench = getattr(module, "bench", None)
    if not callable(bench):
        return {"status": "skipped", "note": f"{module_name} has no bench()"}
    kwargs: dict[str, Any] = {}
    if quick:
        try:
            params = inspect.signature(bench).parameters
        except (TypeError, ValueError):
            params = {}
        kwargs = {k: v for k, v in QUICK_KWARGS.items() if k in params}
    try:
        result = bench(**kwargs)
    except Exception as exc:  # noqa: BLE001
        last = traceback.extract_tb(exc.__traceback__)[-1]
        return {"status": "skipped", "seconds": round(time.perf_counter() - start, 2),
                "note": f"bench() failed: {type(exc).__name__}: {exc} ({os.path.basename(last.filename)}:{last.lineno})"}
    if not isinstance(result, dict):
        return {"status": "skipped", "note": f"bench() returned {type(result).__name__}, not a dict"}
    return {"status": "ok", "seconds": round(time.perf_counter() - start, 2), "result": result}


def _flatten(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    if isinstance(value, dict):
        out: list[tuple[str, str]] = []
        for key, item in value.items():
            out.extend(_flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(value, float):
        text = f"{value:,.4g}" if abs(value) < 1e4 else f"{value:,.0f}"
    elif isinstance(value, int) and not isinstance(value, bool):
        text = f"{value:,}"
    elif isinstance(value, (list, tuple)):
        text = json.dumps(value)
    else:
        text = str(value)
    return [(prefix, text)]


def section_rows(name: str, outcome: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(metric, value, target, verdict) rows of one section."""
    if outcome["status"] != "ok":
        return [("(skipped)", outcome["note"], "", "")]
    result = outcome["result"]
    if name == "compile":
        from benchmarks.compile_bench import rows

        try:
            return rows(result)
        except (KeyError, TypeError):
            pass
    rows_fn = getattr(sys.modules.get(SECTIONS[name]), "rows", None)
    if callable(rows_fn) and name != "compile":
        try:
            return [tuple(str(c) for c in row) + ("",) * (4 - len(row)) for row in rows_fn(result)]  # type: ignore[misc]
        except Exception:  # noqa: BLE001 - fall back to the plain dict
            pass
    return [(key, value, "", "") for key, value in _flatten(result)]


def render_table(outcomes: dict[str, dict[str, Any]]) -> str:
    rows: list[tuple[str, str, str, str, str]] = []
    for name, outcome in outcomes.items():
        rows.extend((name, *row) for row in section_rows(name, outcome))
    headers = ("section", "metric", "value", "target", "")
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(5)]
    widths[2] = min(widths[2], 70)
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip(),
             "  ".join("-" * w for w in widths[:4]) + "  " + "-" * max(widths[4], 2)]
    previous = None
    for row in rows:
        cells = list(row)
        if cells[0] == previous:
            cells[0] = ""
        previous = row[0]
        lines.append("  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip())
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes and few repeats (a smoke run)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    parser.add_argument("--only", default=",".join(SECTIONS),
                        help=f"comma-separated sections to run (default: all of {','.join(SECTIONS)})")
    args = parser.parse_args(argv)
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = [s for s in only if s not in SECTIONS]
    if unknown:
        parser.error(f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    started = time.perf_counter()
    outcomes = {}
    for name in only:
        if not args.json:
            print(f"running {name} ...", file=sys.stderr, flush=True)
        outcomes[name] = run_section(name, SECTIONS[name], args.quick)
    machine = {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
               "load_average": [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None}
    total = round(time.perf_counter() - started, 2)
    if args.json:
        print(json.dumps({"quick": args.quick, "machine": machine, "seconds": total, "sections": outcomes},
                         indent=2, default=str))
    else:
        print(render_table(outcomes))
        print(f"\n{total:.1f} s in all; python {machine['python']}, {machine['cpus']} CPUs, "
              f"load average {machine['load_average']}{' (quick: small sizes)' if args.quick else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
