"""The length of a WAV file from its header (speech is billed per second)."""

from __future__ import annotations

import io
import wave


def wav_seconds(data: bytes) -> float | None:
    try:
        with wave.open(io.BytesIO(data)) as reader:
            rate = reader.getframerate()
            return reader.getnframes() / rate if rate else None
    except (wave.Error, EOFError):
        return None
