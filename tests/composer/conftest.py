"""Fixtures making synthetic media for composer tests (see composer_synth)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from composer_synth import write_flat, write_still, write_tone


@pytest.fixture
def make_png(tmp_path: Path) -> Callable[..., Path]:
    def make(
        name: str, width: int = 320, height: int = 180, color: tuple[int, int, int] = (70, 90, 130)
    ) -> Path:
        return write_still(tmp_path / name, width, height, color)

    return make


@pytest.fixture
def make_flat_png(tmp_path: Path) -> Callable[..., Path]:
    def make(name: str, width: int = 320, height: int = 180, grey: int = 100) -> Path:
        return write_flat(tmp_path / name, width, height, grey)

    return make


@pytest.fixture
def make_tone(tmp_path: Path) -> Callable[..., Path]:
    def make(
        name: str, duration_s: float, freq: float, *, amp: float = 0.3, rate: int = 22050
    ) -> Path:
        return write_tone(tmp_path / name, duration_s, freq, amp=amp, rate=rate)

    return make
