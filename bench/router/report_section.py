"""Write one script's section of bench/router/REPORT.md between its own markers, leaving
every other section (other benchmarks of the router) as it is."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path

REPORT = Path(__file__).with_name("REPORT.md")
HEADER = "# bench/router: the model router, budgets and the cost ledger\n\n"


def write_section(name: str, body: str) -> None:
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    text = REPORT.read_text() if REPORT.exists() else HEADER
    block = f"{start}\n{body.rstrip()}\n{end}"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        _, after = rest.split(end, 1)
        text = before + block + after
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    REPORT.write_text(text)


def facts() -> str:
    """The machine and code a figure was measured on (ADR 0045)."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"- machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"load average (1, 5, 15 min) as the report was written: {load}\n- commit: {commit}"
    )
