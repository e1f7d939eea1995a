"""SVG and PNG through Graphviz's ``dot`` binary (Debian package ``graphviz``)."""
from __future__ import annotations

import shutil
import subprocess

FORMATS = ("svg", "png")
MISSING = ("Graphviz's `dot` program is needed for svg/png but is not on PATH; "
           "install the Debian package graphviz (apt-get install graphviz), or use --format mermaid|dot")


class GraphvizMissing(RuntimeError):
    """``dot`` is not installed."""

    def __init__(self) -> None:
        super().__init__(MISSING)


class RenderError(RuntimeError):
    """``dot`` ran and failed."""


def find_dot() -> str | None:
    return shutil.which("dot")


def render(dot_source: str, fmt: str) -> bytes:
    """Run ``dot -T<fmt>`` on ``dot_source``; the image's bytes."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown image format {fmt!r}")
    dot = find_dot()
    if dot is None:
        raise GraphvizMissing()
    try:
        args = [dot, f"-T{fmt}"] + (["-Gdpi=120"] if fmt == "png" else [])
        proc = subprocess.run(args, input=dot_source.encode("utf-8"), capture_output=True,
                              timeout=120, check=False)
    except OSError as exc:  # found but not runnable
        raise RenderError(f"cannot run {dot}: {exc}") from None
    if proc.returncode != 0 or not proc.stdout:
        message = proc.stderr.decode("utf-8", "replace").strip() or f"exit status {proc.returncode}"
        raise RenderError(f"dot failed: {message}")
    return proc.stdout
