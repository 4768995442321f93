"""Measuring media files: streams, durations, frame counts, loudness, decoded audio and frames.

Used by the composer to check its own output and by tests (including the studio e2e tests).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from nexus.composer.runner import (
    ffmpeg_exe,
    ffprobe_exe,
    parse_ebur128_summary,
    run_tool,
    run_tool_bytes,
)
from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError


@dataclass(frozen=True)
class StreamInfo:
    index: int
    codec_type: str
    codec_name: str
    duration_s: float | None
    width: int | None = None
    height: int | None = None
    sample_rate: int | None = None
    channels: int | None = None


@dataclass(frozen=True)
class Loudness:
    integrated_lufs: float
    true_peak_dbtp: float
    lra_lu: float


def _ffprobe_json(path: Path, *extra: str) -> dict[str, object]:
    argv = [ffprobe_exe(), "-v", "error", "-of", "json", *extra, str(path)]
    return json.loads(run_tool(argv).stdout)


def probe_streams(path: Path) -> list[StreamInfo]:
    data = _ffprobe_json(path, "-show_streams")
    streams: list[StreamInfo] = []
    for raw in data.get("streams", []):  # type: ignore[union-attr]
        s: dict[str, object] = raw  # type: ignore[assignment]
        dur = s.get("duration")
        streams.append(
            StreamInfo(
                index=int(str(s["index"])),
                codec_type=str(s.get("codec_type", "")),
                codec_name=str(s.get("codec_name", "")),
                duration_s=float(str(dur)) if dur is not None else None,
                width=int(str(s["width"])) if "width" in s else None,
                height=int(str(s["height"])) if "height" in s else None,
                sample_rate=int(str(s["sample_rate"])) if "sample_rate" in s else None,
                channels=int(str(s["channels"])) if "channels" in s else None,
            )
        )
    return streams


def probe_duration_s(path: Path) -> float:
    """Container duration, millisecond precision."""
    data = _ffprobe_json(path, "-show_entries", "format=duration")
    fmt: dict[str, object] = data["format"]  # type: ignore[assignment]
    return round(float(str(fmt["duration"])), 3)


def count_video_frames(path: Path) -> int:
    """Frames actually stored in the first video stream (packets counted, not estimated)."""
    data = _ffprobe_json(
        path, "-select_streams", "v:0", "-count_packets", "-show_entries", "stream=nb_read_packets"
    )
    streams: list[dict[str, object]] = data["streams"]  # type: ignore[assignment]
    return int(str(streams[0]["nb_read_packets"]))


def measure_loudness(path: Path) -> Loudness:
    """EBU R128 integrated loudness, true peak and loudness range of the first audio stream."""
    argv = [
        ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path), "-map", "0:a:0",
        "-af", "ebur128=peak=true:framelog=quiet", "-f", "null", "-",
    ]  # fmt: skip
    summary = parse_ebur128_summary(run_tool(argv).stderr)
    return Loudness(
        integrated_lufs=summary.integrated_lufs,
        true_peak_dbtp=summary.true_peak_dbtp,
        lra_lu=summary.lra_lu,
    )


def read_audio(path: Path, *, rate: int = 48_000) -> npt.NDArray[np.float32]:
    """The first audio stream decoded to mono float32 at ``rate``."""
    argv = [
        ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-i", str(path),
        "-map", "0:a:0", "-ac", "1", "-ar", str(rate), "-f", "f32le", "-",
    ]  # fmt: skip
    return np.frombuffer(run_tool_bytes(argv), dtype=np.float32)


def read_frame(path: Path, *, frame_index: int, width: int, height: int) -> npt.NDArray[np.uint8]:
    """Frame ``frame_index`` of the first video stream as an RGB array (height, width, 3)."""
    argv = [
        ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-i", str(path),
        "-map", "0:v:0", "-vf", f"select=eq(n\\,{frame_index})", "-frames:v", "1",
        "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "rgb24", "-",
    ]  # fmt: skip
    raw = run_tool_bytes(argv)
    if len(raw) != width * height * 3:
        raise NexusError(ErrorCode.MEDIA_TOOL_FAILED, f"could not read frame {frame_index}")
    return np.frombuffer(raw, dtype=np.uint8).reshape(height, width, 3)
