"""SpeechLines: cue-sized pieces of speech with their voice, and speech-length estimates."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal

from nexus.contracts import studio
from nexus.planner.subtitles import split_for_cues
from nexus.planner.text import detect_spoken_language, speech_units

# Words per second for English, Han characters per second for Chinese (offline TTS pace).
DEFAULT_SPEECH_RATE: dict[str, float] = {"en": 2.6, "zh": 4.2}
LINE_GAP_S = 0.25  # the pause build_timeline leaves between lines; estimates include it
SHOT_PADDING_S = 0.8  # lead-in plus tail around a shot's speech


def estimate_speech_s(text: str, rate: Mapping[str, float] | None = None) -> float:
    """Seconds to say ``text``: Han characters at the zh rate plus words at the en rate."""
    rates = {**DEFAULT_SPEECH_RATE, **(rate or {})}
    han, words = speech_units(text)
    seconds = han / rates["zh"] + words / rates["en"]
    digits = len(re.findall(r"\d", text))  # numbers are read out digit by digit at worst
    return max(0.4, seconds + digits * 0.2)


def estimate_lines_s(lines: list[studio.SpeechLine], rate: Mapping[str, float] | None) -> float:
    if not lines:
        return 0.0
    return sum(estimate_speech_s(line.text, rate) for line in lines) + LINE_GAP_S * (len(lines) - 1)


def speakable(text: str) -> str:
    """Text as a voice should read it: a trailing comma before a speech tag becomes a stop."""
    text = re.sub(r"\s+", " ", text).strip()
    if text.endswith(("，", "、")):
        return text[:-1] + "。"
    if text.endswith((",", ";", "—", "–", "-")):
        return text.rstrip(",;—–- ") + "."
    return text


def make_lines(
    text: str,
    *,
    kind: Literal["narration", "dialogue"],
    speaker_id: str | None,
    voice: str,
    default_language: Literal["zh", "en"],
) -> list[studio.SpeechLine]:
    """Cut one part into SpeechLines that each fit a single subtitle cue."""
    language = detect_spoken_language(text, default_language)
    return [
        studio.SpeechLine(
            text=piece, speaker_id=speaker_id, voice=voice, kind=kind, language=language
        )
        for piece in split_for_cues(speakable(text) if kind == "dialogue" else text, language)
        if re.search(r"\w", piece)
    ]
