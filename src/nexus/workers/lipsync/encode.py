"""Encoding raw frames to H.264: pure command builders and runners that pipe frames to ffmpeg."""

from __future__ import annotations

import subprocess
from collections.abc import Iterable
from pathlib import Path

from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.workers.audio.dsp import ffmpeg_exe


def build_encode_command(
    size: tuple[int, int],
    fps: int,
    frames: int,
    out_path: Path,
    *,
    preset: str = "fast",
    crf: int = 20,
    pix_fmt: str = "rgb24",
) -> list[str]:
    """ffmpeg reading ``frames`` raw frames (``pix_fmt``) from stdin into an MP4 (H.264,
    yuv420p, no audio).

    The clip is an intermediate the composer re-encodes, so speed wins over size: on this
    machine 10 s of 720p takes 5.6 s with ``fast``, 2.8 s ``veryfast``, 1.5 s ``ultrafast``.
    """
    width, height = size
    return [
        ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
        "-f", "rawvideo", "-pix_fmt", pix_fmt, "-s", f"{width}x{height}", "-r", str(fps),
        "-i", "pipe:0", "-frames:v", str(frames),
        "-c:v", "libx264", "-preset", preset, "-crf", str(crf), "-pix_fmt", "yuv420p",
        "-r", str(fps), "-movflags", "+faststart", "-an", str(out_path),
    ]  # fmt: skip


def encode_frames(command: list[str], frames: Iterable[bytes]) -> None:
    """Run ``command`` and write each raw frame to its stdin; raise on any encoder failure."""
    proc = subprocess.Popen(command, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdin is not None and proc.stderr is not None
    try:
        for frame in frames:
            proc.stdin.write(frame)
        proc.stdin.close()
    except BrokenPipeError:
        pass  # the encoder died; its stderr and exit code say why
    err = proc.stderr.read().decode("utf-8", "replace")
    if proc.wait() != 0:
        raise NexusError(ErrorCode.MEDIA_TOOL_FAILED, f"x264 encode failed: {err[-400:]}")


def build_convert_command(size: tuple[int, int]) -> list[str]:
    """ffmpeg converting raw rgb24 frames on stdin to raw yuv420p on stdout (swscale, as the
    encoder itself would)."""
    width, height = size
    return [
        ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error",
        "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}", "-i", "pipe:0",
        "-f", "rawvideo", "-pix_fmt", "yuv420p", "pipe:1",
    ]  # fmt: skip


def convert_to_yuv420p(frames: list[bytes], size: tuple[int, int]) -> list[bytes]:
    """The same frames as yuv420p: converting the few distinct frames once costs far less than
    piping twice the bytes and converting every one of the clip's frames in the encoder."""
    proc = subprocess.run(
        build_convert_command(size), input=b"".join(frames), capture_output=True, check=False
    )
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace")[-400:]
        raise NexusError(ErrorCode.MEDIA_TOOL_FAILED, f"frame conversion failed: {detail}")
    step = size[0] * size[1] * 3 // 2
    if len(proc.stdout) != step * len(frames):
        raise NexusError(ErrorCode.MEDIA_TOOL_FAILED, "frame conversion returned a wrong size")
    return [proc.stdout[i * step : (i + 1) * step] for i in range(len(frames))]
