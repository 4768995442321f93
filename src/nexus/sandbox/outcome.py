"""What a sandboxed run gave: its JSON output, or the error code that names what it tried.
One classification for both tiers, so a timeout is ``sandbox_timeout`` whether the epoch
deadline or the native tier's kill ended it."""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from typing import Any

from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.core.redaction import redact
from nexus.sandbox import guests
from nexus.sandbox.limits import Limits

MEMORY_MARKERS = ("MemoryError", "out of memory", "Cannot allocate memory", "std::bad_alloc")


@dataclass(frozen=True)
class Outcome:
    output: Any
    elapsed_s: float
    stderr_tail: str


def _last_json(stdout: bytes) -> dict[str, Any] | None:
    lines = stdout.decode("utf-8", "replace").strip().splitlines()
    if not lines:
        return None
    try:
        value = json.loads(lines[-1])
    except json.JSONDecodeError:
        value = _python_literal(lines[-1])
    return value if isinstance(value, dict) else None  # pyright: ignore[reportUnknownVariableType]


def _python_literal(line: str) -> Any:
    """The Python runner's answer: a literal (never evaluated as code), and JSON-shaped."""
    try:
        value = ast.literal_eval(line)
        return json.loads(json.dumps(value, allow_nan=False))
    except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
        return None


def _fail(code: ErrorCode, detail: str, elapsed_s: float, stderr: str) -> NexusError:
    return NexusError(
        code,
        redact(detail)[:500],
        extra={"elapsed_s": round(elapsed_s, 3), "stderr": redact(stderr)[-2000:]},
    )


def classify_exit(
    *,
    status: int,
    trap: str,
    stdout: bytes,
    stderr: bytes,
    overflowed: bool,
    elapsed_s: float,
    limits: Limits,
) -> Outcome:
    err = stderr.decode("utf-8", "replace")
    tail = err[-2000:]
    answer = _last_json(stdout)
    if overflowed:
        raise _fail(
            ErrorCode.SANDBOX_OUTPUT_TOO_LARGE,
            f"output past {limits.output_bytes} bytes",
            elapsed_s,
            tail,
        )
    if trap == "interrupt" or (status == -9 and elapsed_s >= limits.wall_s):
        raise _fail(
            ErrorCode.SANDBOX_TIMEOUT, f"deadline of {limits.wall_s:g} s reached", elapsed_s, tail
        )
    reason = str((answer or {}).get("error", "")) or trap or tail[-300:]
    if status == guests.EXIT_MEMORY or any(m in err for m in MEMORY_MARKERS):
        raise _fail(
            ErrorCode.SANDBOX_MEMORY,
            f"memory cap of {limits.memory_bytes >> 20} MB: {reason}",
            elapsed_s,
            tail,
        )
    if status == guests.EXIT_DENIED:
        raise _fail(ErrorCode.SANDBOX_DENIED, reason, elapsed_s, tail)
    if status != 0 or answer is None or "output" not in answer:
        raise _fail(ErrorCode.SANDBOX_CRASHED, f"exit status {status}: {reason}", elapsed_s, tail)
    return Outcome(output=answer["output"], elapsed_s=elapsed_s, stderr_tail=tail)
