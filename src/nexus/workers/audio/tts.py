"""``synthesize``: text + catalogue voice -> trimmed mono PCM WAV whose length is the speech."""

from __future__ import annotations

import re
import threading
from functools import cache
from pathlib import Path

from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.workers.audio.dsp import OUTPUT_RATE, normalise_peak, shape_voice, trim_silence
from nexus.workers.audio.engines import EspeakEngine, PiperEngine, TtsEngine
from nexus.workers.audio.voices import EngineName, read_voice
from nexus.workers.audio.wavio import write_wav

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_SPEAKABLE = re.compile(r"[\w\u3400-\u9fff]")
MAX_TEXT_CHARS = 4000


class EngineSet:
    """Engines by name, created on first use (piper takes ~3 s to load, once per process)."""

    def __init__(self, engines: dict[EngineName, TtsEngine] | None = None) -> None:
        self._engines: dict[EngineName, TtsEngine] = dict(engines or {})
        self._lock = threading.Lock()

    def engine(self, name: EngineName) -> TtsEngine:
        with self._lock:
            if name not in self._engines:
                self._engines[name] = PiperEngine() if name == "piper" else EspeakEngine()
            return self._engines[name]


@cache
def default_engines() -> EngineSet:
    """The process's engine set; built lazily, never at import time."""
    return EngineSet()


def check_text(text: str, voice_id: str, engine: EngineName) -> str:
    cleaned = " ".join(text.split())
    if not _SPEAKABLE.search(cleaned):
        raise NexusError(
            ErrorCode.VALIDATION_FAILED, "text has nothing to speak", fields={"text": "empty"}
        )
    if len(cleaned) > MAX_TEXT_CHARS:
        raise NexusError(
            ErrorCode.VALIDATION_FAILED, f"text longer than {MAX_TEXT_CHARS} characters"
        )
    if engine == "piper" and _CJK.search(cleaned):
        raise NexusError(
            ErrorCode.VALIDATION_FAILED,
            f"voice {voice_id!r} is English-only; use a zh-* voice for Chinese text",
            fields={"voice": "language mismatch"},
        )
    return cleaned


def synthesize(
    text: str, voice_id: str, out_wav: Path, *, seed: int = 0, engines: EngineSet | None = None
) -> float:
    """Speak ``text`` with catalogue voice ``voice_id`` into ``out_wav``; returns duration (s).

    Output: mono 16-bit PCM at 24 kHz, silence trimmed to ~20 ms before the first and
    ~60 ms after the last voiced 10 ms window, peak at -3 dBFS. Same inputs, same bytes.
    """
    voice = read_voice(voice_id)
    cleaned = check_text(text, voice_id, voice.engine)
    engine = (engines or default_engines()).engine(voice.engine)
    raw, rate = engine.synthesize_raw(cleaned, voice, seed)
    shaped = shape_voice(raw, rate, voice.pitch, voice.formant)
    speech = normalise_peak(trim_silence(shaped, OUTPUT_RATE))
    if speech.size == 0:
        raise NexusError(
            ErrorCode.TTS_FAILED, f"{voice.engine} produced silence for {cleaned[:40]!r}"
        )
    write_wav(out_wav, speech, OUTPUT_RATE)
    return len(speech) / OUTPUT_RATE
