"""The ``audio.tts`` handler: one line of text in a catalogue voice -> a kept WAV artifact."""

from __future__ import annotations

import hashlib
from typing import Literal

from pydantic import Field

from nexus.contracts.base import StrictModel
from nexus.core.registry import SkillContext
from nexus.workers.audio.dsp import OUTPUT_RATE
from nexus.workers.audio.tts import MAX_TEXT_CHARS, synthesize
from nexus.workers.audio.voices import read_voice


class TtsInput(StrictModel):
    text: str = Field(min_length=1, max_length=MAX_TEXT_CHARS)
    voice: str = Field(min_length=1, description="Catalogue voice id, e.g. en-narrator.")
    language: Literal["en", "zh", "mixed"]
    seed: int = Field(default=0, ge=0, description="Varies piper's noise; same seed, same audio.")


class TtsOutput(StrictModel):
    audio_sha256: str
    duration_s: float
    voice: str
    sample_rate: int


def synthesize_speech(inp: TtsInput, ctx: SkillContext) -> TtsOutput:
    """Speak ``inp.text``; the WAV is trimmed, so ``duration_s`` is the speech itself.

    A voice of the other language is not refused: each script run of the text is read by the
    voice's timbre family member for that run's language (``voices.voice_in_language``).
    """
    read_voice(inp.voice)  # an unknown voice is refused before any work
    key = hashlib.sha256(f"{inp.voice}\0{inp.seed}\0{inp.text}".encode()).hexdigest()[:12]
    out_wav = ctx.workdir / f"tts-{inp.voice}-{key}.wav"
    ctx.progress(0.1, f"speaking {len(inp.text)} characters as {inp.voice}")
    duration_s = synthesize(inp.text, inp.voice, out_wav, seed=inp.seed)
    sha = ctx.keep(out_wav, media_type="audio/wav", name=out_wav.name)
    return TtsOutput(
        audio_sha256=sha, duration_s=round(duration_s, 6), voice=inp.voice, sample_rate=OUTPUT_RATE
    )
