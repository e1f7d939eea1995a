"""The ``pyflow`` command: one module per subcommand, each with ``register(subparsers)``.

Subcommand modules keep heavy imports inside their handlers so ``pyflow --help``
and every command start fast. Exit codes (DESIGN §4): 0 ok, 1 user error,
2 usage, 3 a failed execution (``run``), 70 internal error.
"""
from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from collections.abc import Sequence

EXIT_OK = 0
EXIT_USER = 1
EXIT_USAGE = 2
EXIT_FAILED_EXECUTION = 3
EXIT_INTERNAL = 70

SUBCOMMANDS = ("compile_cmd", "run_cmd", "check_cmd", "graph_cmd", "policy_cmd", "synth_cmd")
BUG_URL = "https://github.com/pyflow/pyflow/issues"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pyflow", description="Python workflows to AWS Step Functions")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in SUBCOMMANDS:
        try:
            module = importlib.import_module(f"pyflow.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"pyflow.cli.{name}":
                continue  # subcommand not built yet
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except OSError as exc:  # a file we were told to read or write: the user's to fix, not a bug
        where = f": {exc.filename}" if exc.filename else ""
        print(f"pyflow: {exc.strerror or exc}{where}", file=sys.stderr)
        return EXIT_USAGE
    except Exception:  # noqa: BLE001 - an internal error is a bug: say where to report it
        traceback.print_exc()
        print(f"pyflow: internal error (this is a bug; please report it at {BUG_URL})", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
