"""Synthetic media for composer tests and the benchmark: Pillow stills, numpy tones."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw


def write_wav(path: Path, samples: npt.NDArray[np.float64], rate: int) -> Path:
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype(np.int16)
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(pcm.tobytes())
    return path


def write_tone(
    path: Path, duration_s: float, freq: float, *, amp: float = 0.3, rate: int = 22050
) -> Path:
    t = np.arange(round(duration_s * rate)) / rate
    return write_wav(path, amp * np.sin(2 * np.pi * freq * t), rate)


def write_still(
    path: Path, width: int = 320, height: int = 180, color: tuple[int, int, int] = (70, 90, 130)
) -> Path:
    """A storyboard-like still: coloured backdrop, a figure, the caption band left clear."""
    image = Image.new("RGB", (width, height), color)
    draw = ImageDraw.Draw(image)
    draw.ellipse([width * 0.35, height * 0.15, width * 0.65, height * 0.6], fill=(235, 200, 160))
    draw.rectangle([0, int(height * 0.62), width, int(height * 0.7)], fill=(40, 60, 40))
    image.save(path)
    return path


def write_flat(path: Path, width: int = 320, height: int = 180, grey: int = 100) -> Path:
    Image.new("RGB", (width, height), (grey, grey, grey)).save(path)
    return path
