"""Waveform peaks of a run's audio tracks, computed on the server (ADR 0273).

``narration`` and ``dialogue``: every spoken line's take (the ``<shot>.tts.<n>`` outputs)
placed at its film time (the shots' clips say where); ``music``: the bed, cut to the film;
``mix``: the film's audio. Each source is decoded once by ffmpeg to 8 kHz mono and reduced
to min/max per bucket with numpy; results are kept in a small in-process LRU keyed by the
artifacts' checksums (content-addressed, so an entry never goes stale).
"""

from __future__ import annotations

import asyncio
import subprocess
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel

from nexus.contracts.errors import ErrorCode
from nexus.contracts.studio import ShotPlan
from nexus.core.db import Conn
from nexus.core.errors import NexusError
from nexus.core.ids import canonical_json, sha256_hex
from nexus.core.storage import ArtifactStore
from nexus.gateway.services import revisions
from nexus.studio.render import ClipOut

Track = Literal["narration", "dialogue", "music", "mix"]
RATE = 8000
_CACHE_SIZE = 64


class ShotSpan(BaseModel):
    shot_id: str
    start_s: float
    duration_s: float


class Waveform(BaseModel):
    run_id: str
    track: Track
    duration_s: float
    points: int
    min: list[float]
    max: list[float]
    shots: list[ShotSpan]


_CACHE: OrderedDict[str, Waveform] = OrderedDict()


@dataclass(frozen=True)
class Placement:
    sha256: str
    start_s: float


def decode(path: Path) -> np.ndarray[Any, np.dtype[np.float32]]:
    """The file as 8 kHz mono float32 samples (ffmpeg)."""
    proc = subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-i",
            str(path),
            "-ac",
            "1",
            "-ar",
            str(RATE),
            "-f",
            "s16le",
            "-",
        ],
        capture_output=True,
        check=False,
        timeout=120,
    )
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace")[-300:]
        raise NexusError(ErrorCode.MEDIA_TOOL_FAILED, f"ffmpeg could not decode audio: {detail}")
    return np.frombuffer(proc.stdout, dtype="<i2").astype(np.float32) / 32768.0


def peaks(
    samples: np.ndarray[Any, np.dtype[np.float32]], points: int
) -> tuple[list[float], list[float]]:
    """Min and max of ``points`` equal buckets (silence where the buffer is empty)."""
    if samples.size == 0:
        return [0.0] * points, [0.0] * points
    starts = np.minimum(
        np.linspace(0, samples.size, points, endpoint=False).astype(np.int64), samples.size - 1
    )
    lo = np.minimum.reduceat(samples, starts)
    hi = np.maximum.reduceat(samples, starts)
    return [round(float(v), 4) for v in lo], [round(float(v), 4) for v in hi]


def mixdown(
    sources: dict[str, Path], placements: list[Placement], duration_s: float
) -> np.ndarray[Any, np.dtype[np.float32]]:
    buffer = np.zeros(int(duration_s * RATE) + 1, dtype=np.float32)
    for place in placements:
        audio = decode(sources[place.sha256])
        start = int(place.start_s * RATE)
        end = min(buffer.size, start + audio.size)
        if end > start:
            buffer[start:end] += audio[: end - start]
    return np.clip(buffer, -1.0, 1.0)


async def _path(store: ArtifactStore, sha256: str) -> Path:
    path = await store.local_path(sha256)
    if path is None:
        raise NexusError(ErrorCode.NOT_FOUND, "the audio is not in the local artifact store")
    return path


async def read_waveform(
    conn: Conn, store: ArtifactStore, run: Any, track: Track, points: int
) -> Waveform:
    revisions.require_studio(run)
    output = await revisions.plan_output(conn, run.run_id)
    shots = [ShotPlan.model_validate(s) for s in output.get("shots", [])]
    spans: list[ShotSpan] = []
    placements: list[Placement] = []
    start = 0.0
    for shot in shots:
        clip = ClipOut.model_validate(
            await revisions.job_output(conn, run.run_id, f"{shot.shot_id}.clip")
        )
        spans.append(ShotSpan(shot_id=shot.shot_id, start_s=start, duration_s=clip.duration_s))
        for audio in clip.audio:
            if audio.kind == track and audio.line_index is not None:
                take = await revisions.job_output(
                    conn, run.run_id, f"{shot.shot_id}.tts.{audio.line_index}"
                )
                placements.append(Placement(str(take["audio_sha256"]), start + audio.start_s))
        start += clip.duration_s
    if track in ("music", "mix"):
        source = await revisions.job_output(conn, run.run_id, track)
        placements = [Placement(str(source["audio_sha256"]), 0.0)]
    key = sha256_hex(canonical_json([track, points, start, [p.__dict__ for p in placements]]))
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key].model_copy(update={"run_id": run.run_id})
    sources = {p.sha256: await _path(store, p.sha256) for p in placements}

    def compute() -> tuple[list[float], list[float]]:
        return peaks(mixdown(sources, placements, start), points)

    lo, hi = await asyncio.to_thread(compute)
    view = Waveform(
        run_id=run.run_id, track=track, duration_s=start, points=points, min=lo, max=hi, shots=spans
    )
    _CACHE[key] = view
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return view
