"""The one place that spawns ffmpeg and ffprobe: runs an argv, keeps stderr, maps failures.

A failure raises NexusError(MEDIA_TOOL_FAILED) carrying the tail of stderr, so the job event
says what ffmpeg complained about instead of just an exit code.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import imageio_ffmpeg

from nexus.composer.specs import LoudnessMeasure
from nexus.contracts.errors import ErrorCode
from nexus.core import telemetry
from nexus.core.errors import NexusError
from nexus.core.logging import get_logger
from nexus.core.redaction import redact_value

log = get_logger(__name__)

STDERR_TAIL_CHARS = 2000


@dataclass(frozen=True)
class ToolRun:
    argv: list[str]
    stdout: str
    stderr: str
    wall_s: float


@cache
def ffmpeg_exe() -> str:
    """The bundled static ffmpeg (libx264, aac, libass); the same binary everywhere."""
    return imageio_ffmpeg.get_ffmpeg_exe()


@cache
def ffprobe_exe() -> str:
    found = shutil.which("ffprobe")
    if found is None:
        raise NexusError(
            ErrorCode.DEPENDENCY_UNAVAILABLE, "ffprobe is not installed (apt install ffmpeg)"
        )
    return found


@cache
def ffmpeg_version() -> str:
    """First line of ``ffmpeg -version``; part of every segment cache key."""
    return run_tool([ffmpeg_exe(), "-version"]).stdout.splitlines()[0]


def argv_summary(argv: Sequence[str], limit: int = 400) -> str:
    """The command line for a span: the tool's name, options and file names (no directories,
    which may carry user names), redacted like the logs, cut at ``limit``."""
    parts = [_name(argv), *(a.rsplit("/", 1)[-1] for a in argv[1:])]
    return redact_value(" ".join(parts))[:limit]


def run_tool(argv: Sequence[str], *, timeout_s: float = 600.0) -> ToolRun:
    """Run ``argv`` to completion; raise MEDIA_TOOL_FAILED with stderr's tail on failure."""
    if not telemetry.ENABLED:
        return _run_tool(argv, timeout_s)
    attrs = {"process.executable.name": _name(argv), "process.command_line": argv_summary(argv)}
    with telemetry.span(f"exec {_name(argv)}", attrs) as span:
        result = _run_tool(argv, timeout_s)
        if span is not None:
            span.set_attribute("nexus.wall_s", round(result.wall_s, 4))
        return result


def _run_tool(argv: Sequence[str], timeout_s: float) -> ToolRun:
    started = time.perf_counter()
    try:
        proc = subprocess.run(
            list(argv), capture_output=True, text=True, errors="replace", timeout=timeout_s,
            check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired as exc:
        raise NexusError(
            ErrorCode.MEDIA_TOOL_FAILED, f"{_name(argv)} timed out after {timeout_s:.0f} s"
        ) from exc
    except OSError as exc:
        raise NexusError(
            ErrorCode.MEDIA_TOOL_FAILED, f"{_name(argv)} could not start: {exc}"
        ) from exc
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        tail = proc.stderr[-STDERR_TAIL_CHARS:].strip()
        raise NexusError(
            ErrorCode.MEDIA_TOOL_FAILED,
            f"{_name(argv)} exited with {proc.returncode}: {tail}",
            extra={"argv": list(argv), "returncode": proc.returncode},
        )
    log.debug("media_tool.ran", tool=_name(argv), wall_s=round(wall, 3))
    return ToolRun(list(argv), proc.stdout, proc.stderr, wall)


def run_tool_bytes(argv: Sequence[str], *, timeout_s: float = 600.0) -> bytes:
    """Run ``argv`` and return its raw stdout (decoded audio or frames)."""
    if not telemetry.ENABLED:
        return _run_tool_bytes(argv, timeout_s)
    attrs = {"process.executable.name": _name(argv), "process.command_line": argv_summary(argv)}
    with telemetry.span(f"exec {_name(argv)}", attrs):
        return _run_tool_bytes(argv, timeout_s)


def _run_tool_bytes(argv: Sequence[str], timeout_s: float) -> bytes:
    try:
        proc = subprocess.run(list(argv), capture_output=True, timeout=timeout_s, check=False)
    except (subprocess.TimeoutExpired, OSError) as exc:
        raise NexusError(ErrorCode.MEDIA_TOOL_FAILED, f"{_name(argv)} failed: {exc}") from exc
    if proc.returncode != 0:
        tail = proc.stderr.decode(errors="replace")[-STDERR_TAIL_CHARS:].strip()
        raise NexusError(
            ErrorCode.MEDIA_TOOL_FAILED, f"{_name(argv)} exited with {proc.returncode}: {tail}"
        )
    return proc.stdout


def _name(argv: Sequence[str]) -> str:
    return argv[0].rsplit("/", 1)[-1] if argv else "?"


def parse_ebur128_summary(stderr: str) -> LoudnessMeasure:
    """The summary ffmpeg's ``ebur128`` filter prints at the end of a run."""
    summary = stderr.rsplit("Summary:", 1)[-1]
    number = r"(-?[\d.]+|-inf)"
    found = {
        "integrated_lufs": re.search(rf"I:\s+{number} LUFS", summary),
        "threshold_lufs": re.search(rf"I:.*?\n\s+Threshold:\s+{number} LUFS", summary),
        "lra_lu": re.search(rf"LRA:\s+{number} LU", summary),
        "true_peak_dbtp": re.search(rf"True peak:\s+Peak:\s+{number} dBFS", summary),
    }
    if "Summary:" not in stderr or any(m is None for m in found.values()):
        raise NexusError(ErrorCode.MEDIA_TOOL_FAILED, "ffmpeg printed no ebur128 summary")
    values = {k: float(m.group(1)) for k, m in found.items() if m is not None}
    return LoudnessMeasure.model_validate(values)


def parse_loudnorm_json(stderr: str) -> dict[str, str]:
    """The last JSON object loudnorm printed (``print_format=json``) in ffmpeg's stderr."""
    matches = re.findall(r"\{[^{}]*\"input_i\"[^{}]*\}", stderr)
    if not matches:
        raise NexusError(ErrorCode.MEDIA_TOOL_FAILED, "loudnorm printed no measurement")
    data = json.loads(matches[-1])
    return {str(k): str(v) for k, v in data.items()}
