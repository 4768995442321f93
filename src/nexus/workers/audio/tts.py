"""``synthesize``: text + catalogue voice -> trimmed mono PCM WAV whose length is the speech.

Text mixing Chinese and English is cut into script runs; each run is spoken by the voice's
timbre family member for that language (piper for English, espeak-ng for Mandarin), and the
runs are joined with a short pause (ADR 0110). No language mix is refused.
"""

from __future__ import annotations

import re
import threading
from functools import cache
from pathlib import Path

import numpy as np

from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.workers.audio.dsp import (
    OUTPUT_RATE,
    normalise_peak,
    shape_voice,
    silence,
    trim_silence,
)
from nexus.workers.audio.engines import EspeakEngine, PiperEngine, TtsEngine
from nexus.workers.audio.voices import EngineName, VoiceLanguage, read_voice, voice_in_language
from nexus.workers.audio.wavio import FloatArray, write_wav

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
_SPEAKABLE = re.compile(r"[\w\u3400-\u9fff]")
MAX_TEXT_CHARS = 4000
RUN_GAP_S = 0.12
"""Pause between two script runs of one line (a language switch mid-sentence)."""


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


def script_runs(text: str, default: VoiceLanguage = "en") -> list[tuple[VoiceLanguage, str]]:
    """Cut text into runs of one script: Han characters are ``zh``, Latin letters ``en``.

    Spaces, digits and punctuation stay with the run they follow (or the first run), and a
    run with nothing to speak joins its neighbour, so every run can be voiced. Text without
    letters of either script (digits only) is one ``default`` run.
    """
    runs: list[tuple[VoiceLanguage, str]] = []
    pending = ""
    for ch in text:
        lang: VoiceLanguage | None = "zh" if _CJK.match(ch) else "en" if _LATIN.match(ch) else None
        if lang is None or (runs and runs[-1][0] == lang):
            if runs:
                runs[-1] = (runs[-1][0], runs[-1][1] + ch)
            else:
                pending += ch
            continue
        runs.append((lang, pending + ch))
        pending = ""
    if not runs:
        return [(default, pending.strip())] if pending.strip() else []
    return [(lang, run.strip()) for lang, run in runs if run.strip()]


def check_text(text: str, voice_id: str, engine: EngineName) -> str:
    del voice_id, engine  # any voice speaks any mix through its timbre family
    cleaned = " ".join(text.split())
    if not _SPEAKABLE.search(cleaned):
        raise NexusError(
            ErrorCode.VALIDATION_FAILED, "text has nothing to speak", fields={"text": "empty"}
        )
    if len(cleaned) > MAX_TEXT_CHARS:
        raise NexusError(
            ErrorCode.VALIDATION_FAILED, f"text longer than {MAX_TEXT_CHARS} characters"
        )
    return cleaned


def _speak_run(text: str, voice_id: str, seed: int, engines: EngineSet) -> FloatArray:
    voice = read_voice(voice_id)
    raw, rate = engines.engine(voice.engine).synthesize_raw(text, voice, seed)
    return trim_silence(shape_voice(raw, rate, voice.pitch, voice.formant), OUTPUT_RATE)


def speak_mixed(text: str, voice_id: str, *, seed: int = 0, engines: EngineSet) -> FloatArray:
    """Samples at OUTPUT_RATE: each script run in ``voice_id``'s family voice for its language."""
    pieces: list[FloatArray] = []
    for lang, run in script_runs(text, read_voice(voice_id).language):
        if not _SPEAKABLE.search(run):
            continue
        if pieces:
            pieces.append(silence(RUN_GAP_S, OUTPUT_RATE))
        pieces.append(_speak_run(run, voice_in_language(voice_id, lang), seed, engines))
    if not pieces:
        return np.zeros(0, dtype=np.float32)
    return np.concatenate(pieces).astype(np.float32)


def synthesize(
    text: str, voice_id: str, out_wav: Path, *, seed: int = 0, engines: EngineSet | None = None
) -> float:
    """Speak ``text`` with catalogue voice ``voice_id`` into ``out_wav``; returns duration (s).

    Output: mono 16-bit PCM at 24 kHz, silence trimmed to ~20 ms before the first and
    ~60 ms after the last voiced 10 ms window, peak at -3 dBFS. Same inputs, same bytes.
    Chinese runs are read by the voice's Mandarin family member, English runs by its English
    one (``voice_in_language``).
    """
    voice = read_voice(voice_id)
    cleaned = check_text(text, voice_id, voice.engine)
    speech = normalise_peak(
        speak_mixed(cleaned, voice_id, seed=seed, engines=engines or default_engines())
    )
    if speech.size == 0:
        raise NexusError(
            ErrorCode.TTS_FAILED, f"{voice.engine} produced silence for {cleaned[:40]!r}"
        )
    write_wav(out_wav, speech, OUTPUT_RATE)
    return len(speech) / OUTPUT_RATE
