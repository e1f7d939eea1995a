"""Compiler diagnostics: file:line:col, the source line, a caret and a help line.

Every code the compiler can emit is registered in ``CODES`` with a one-line
summary; ``docs/diagnostics.md`` documents each with an example and a test
checks the two agree.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Severity = Literal["error", "warning"]

CODES: dict[str, str] = {
    "PF001": "syntax error in a source file",
    "PF002": "cannot read a source file (missing, not UTF-8, not a file)",
    "PF003": "MODULE:FUNCTION names nothing, or names a function that is not a @workflow",
    "PF004": "a task module could not be resolved or imports itself in a cycle",
    "PF100": "a statement pyflow does not translate",
    "PF101": "an expression pyflow does not translate",
    "PF102": "an operator whose Python meaning the target cannot keep for these operand types",
    "PF103": "a name that is not defined (not a parameter, local, module constant or builtin)",
    "PF104": "a call to something that is not a task, fragment, workflow or pyflow builtin",
    "PF105": "a task call whose arguments do not match the task's signature",
    "PF106": "a task call inside an expression that may not evaluate it (and/or, conditional, comprehension)",
    "PF107": "raise of something that is not an exception class defined or imported in the module",
    "PF108": "a workflow or task signature pyflow cannot bind (*args, **kwargs, positional-only)",
    "PF109": "break or continue outside a loop",
    "PF110": "a construct that belongs to a later milestone (today: match statements)",
    "PF111": "a bad argument to a pyflow builtin (pf.wait, pf.fail, pf.hash, ...)",
    "PF112": "a decorator option that is not a literal or is not known",
    "PF113": "assignment to a name pyflow reserves, or to a target it cannot represent",
    "PF114": "return, break or continue that would leave a parallel branch, a map body or a wrapped try body",
    "PF115": "parallel branches that assign the same name, or read a name another branch assigns; "
             "a pf.map loop body assigning a name the code around it uses",
    "PF116": "a misuse of pf.parallel / pf.branch (statements between branches, no branches, other with blocks)",
    "PF117": "a bare `raise` outside `except ... as name:`",
    "PF118": "a fragment that calls itself (fragments are inlined; recursion has no end)",
    "PF119": "a fragment called inside an expression instead of in its own statement",
    "PF140": "a boto3 call to a client or operation botocore does not know",
    "PF141": "a boto3 call whose parameters do not match the operation (unknown, missing, positional)",
    "PF142": "a misuse of pf.sync / pf.options, or an integration pattern the service does not support",
    "PF120": "the definition exceeds a Step Functions limit (names, size, history)",
    "PF130": "a Python expression JSONPath cannot express faithfully; suggests the JSONata target",
}

# The help line shown when a diagnostic is reported without one of its own (DESIGN §4: every
# diagnostic says how to fix it).
DEFAULT_HELP: dict[str, str] = {
    "PF001": "fix the syntax; the file must be valid Python",
    "PF002": "check the path, and save the file as UTF-8",
    "PF003": "name a @workflow function as path/to/module.py:function",
    "PF004": "import each task from the module that defines it, and keep task modules free of import cycles",
    "PF100": "move this logic into a @task function",
    "PF101": "compute this value in a @task function",
    "PF102": "compute this in a @task function",
    "PF103": "use a parameter, a local assigned earlier, or a module-level literal constant",
    "PF104": "move this call into a @task function",
    "PF105": "pass the arguments the task's signature declares",
    "PF106": "call the task in its own statement first, or use an if statement",
    "PF107": "define `class MyError(Exception): pass` at module level and raise MyError(\"why\")",
    "PF108": "use plain named parameters; each one is a field of the JSON input or payload",
    "PF109": "use break and continue only inside a while or for loop",
    "PF110": "write the cases as an if/elif chain",
    "PF111": "see docs/diagnostics.md for the arguments each pyflow builtin accepts",
    "PF112": "write each option as a literal of the documented type, e.g. timeout=30",
    "PF113": "assign to a plain local name",
    "PF114": "assign a variable inside the block and return or break after it",
    "PF115": "give each branch's results their own names and read them after the parallel block",
    "PF116": "write `with pf.parallel():` holding only `with pf.branch():` blocks",
    "PF117": "write `except SomeError as err:` and then a bare `raise` inside it",
    "PF118": "use a while loop inside the fragment instead of recursion",
    "PF119": "assign the fragment's result first: `x = fragment(...)`, then use x",
    "PF140": "check the client name and method against boto3's documentation",
    "PF141": "pass the operation's parameters by keyword, with the names boto3 documents",
    "PF142": "wrap exactly one boto3 client call: pf.sync(glue.start_job_run(JobName=...))",
    "PF120": "split the workflow into nested workflows or fragments",
}


@dataclass(frozen=True)
class Span:
    """Where in a file: 1-based line and column, end exclusive."""

    path: str
    line: int
    col: int
    end_line: int = 0
    end_col: int = 0


@dataclass(frozen=True)
class Diagnostic:
    code: str
    message: str
    span: Span | None
    help: str = ""
    severity: Severity = "error"
    notes: tuple[str, ...] = field(default_factory=tuple)

    def render(self, source_lines: list[str] | None = None) -> str:
        """The human form (DESIGN §4)."""
        head = f"{self.severity}[{self.code}]: {self.message}"
        if self.span is None:
            out = [f"pyflow: {head}"]
        else:
            out = [f"{self.span.path}:{self.span.line}:{self.span.col}: {head}"]
            lines = source_lines if source_lines is not None else _read_lines(self.span.path)
            if lines is not None and 1 <= self.span.line <= len(lines):
                text = lines[self.span.line - 1].rstrip("\n").expandtabs(4)
                gutter = str(self.span.line)
                pad = " " * len(gutter)
                width = 1
                if self.span.end_line == self.span.line and self.span.end_col > self.span.col:
                    width = self.span.end_col - self.span.col
                elif self.span.end_line > self.span.line:
                    width = max(1, len(text) - self.span.col + 1)
                out.append(f"{pad} |")
                out.append(f"{gutter} | {text}")
                out.append(f"{pad} | {' ' * (self.span.col - 1)}{'^' * width}")
        for note in self.notes:
            out.append(f"   = note: {note}")
        if self.help:
            out.append(f"   = help: {self.help}")
        return "\n".join(out)


def _read_lines(path: str) -> list[str] | None:
    try:
        return Path(path).read_bytes().decode("utf-8", errors="replace").splitlines()
    except OSError:
        return None


class CompileError(Exception):
    """Raised with every diagnostic a compilation produced (never just the first)."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = sorted(
            diagnostics,
            key=lambda d: (d.span.path, d.span.line, d.span.col, d.code) if d.span else ("", 0, 0, d.code),
        )
        super().__init__("\n".join(d.message for d in self.diagnostics))

    def render(self) -> str:
        errors = sum(1 for d in self.diagnostics if d.severity == "error")
        body = "\n\n".join(d.render() for d in self.diagnostics)
        return f"{body}\n\npyflow: {errors} error{'s' if errors != 1 else ''}"


class Reporter:
    """Collects diagnostics while a compilation goes on, so all are reported together."""

    def __init__(self) -> None:
        self.items: list[Diagnostic] = []

    def error(self, code: str, message: str, span: Span | None, help: str = "") -> None:
        assert code in CODES, code
        self.items.append(Diagnostic(code, message, span, help or DEFAULT_HELP.get(code, "")))

    def warning(self, code: str, message: str, span: Span | None, help: str = "") -> None:
        assert code in CODES, code
        self.items.append(Diagnostic(code, message, span, help, severity="warning"))

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity == "warning"]

    def raise_if_errors(self) -> None:
        if self.errors:
            raise CompileError(self.items)
