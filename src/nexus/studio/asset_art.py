"""Library assets made into the storyboard's media: pictures for cards and backdrops, a
music file as the film's bed (looped or trimmed to length, faded, at the generated bed's
peak so the mix ducks it the same way). ADR 0241."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from nexus.composer.runner import ffmpeg_exe, run_tool_bytes
from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.workers.audio.wavio import FloatArray, write_wav
from nexus.workers.music.synth import RATE

BED_PEAK = 10 ** (-6 / 20)  # the generated bed's peak (-6 dBFS)
FADE_IN_S, FADE_OUT_S = 1.5, 3.0
MAX_PIXELS = 40_000_000


def open_picture(path: Path) -> Image.Image:
    """The picture at ``path`` as RGB (EXIF rotation applied); a clear error if it is none."""
    try:
        with Image.open(path) as img:
            if img.width * img.height > MAX_PIXELS:
                raise NexusError(ErrorCode.ASSET_UNUSABLE, f"{path.name}: picture too large")
            img.load()
            return ImageOps.exif_transpose(img).convert("RGB")
    except (UnidentifiedImageError, OSError) as exc:
        raise NexusError(ErrorCode.ASSET_UNUSABLE, f"{path.name}: not a picture: {exc}") from exc


def cover(picture: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Scale and centre-crop to fill ``size`` (CSS ``cover``)."""
    return ImageOps.fit(picture, size, Image.Resampling.LANCZOS, centering=(0.5, 0.5))


def music_bed(path: Path, duration_s: float) -> FloatArray:
    """``path`` decoded to 48 kHz stereo, looped or cut to ``duration_s``, faded, peak -6 dBFS."""
    try:
        raw = run_tool_bytes(
            [ffmpeg_exe(), "-v", "error", "-stream_loop", "-1", "-i", str(path),
             "-t", f"{duration_s:.3f}", "-vn", "-ac", "2", "-ar", str(RATE), "-f", "f32le", "-"],
            timeout_s=300,
        )  # fmt: skip
    except NexusError as exc:
        raise NexusError(
            ErrorCode.ASSET_UNUSABLE, f"{path.name}: not a sound: {exc.detail}"
        ) from exc
    samples = np.frombuffer(raw, dtype="<f4").reshape(-1, 2).astype(np.float32)
    if samples.shape[0] < RATE // 10:
        raise NexusError(ErrorCode.ASSET_UNUSABLE, f"{path.name}: no audio in the file")
    n = samples.shape[0]
    gain = np.ones(n, dtype=np.float32)
    fin, fout = min(n // 2, round(FADE_IN_S * RATE)), min(n // 2, round(FADE_OUT_S * RATE))
    gain[:fin] = np.linspace(0, 1, fin, dtype=np.float32)
    gain[n - fout :] = np.linspace(1, 0, fout, dtype=np.float32)
    shaped = samples * gain[:, None]
    peak = float(np.abs(shaped).max())
    return (shaped * (BED_PEAK / peak) if peak > 0 else shaped).astype(np.float32)


def write_bed(path: Path, samples: FloatArray) -> float:
    write_wav(path, samples, RATE)
    return samples.shape[0] / RATE
