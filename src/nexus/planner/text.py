"""Character classes and language detection shared by ingest, line fitting and shot planning."""

from __future__ import annotations

import re
from typing import Literal

HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
LATIN_WORD_RE = re.compile(r"[A-Za-z][A-Za-z'’\-]*")
CJK_PUNCT_RE = re.compile(r"[\u3000-\u303f\uff00-\uffef“”「」『』…—]")

# Below this share of one script a text counts as the other language.
_MIXED_LOW = 0.15


def count_han(text: str) -> int:
    return len(HAN_RE.findall(text))


def count_latin_words(text: str) -> int:
    return len(LATIN_WORD_RE.findall(text))


def has_cjk(text: str) -> bool:
    return HAN_RE.search(text) is not None or CJK_PUNCT_RE.search(text) is not None


def detect_language(text: str) -> Literal["zh", "en", "mixed"]:
    """Compare speech units: one Han character vs one Latin word (each about a syllable or two).

    A Latin word is weighted 1.5 Han characters, since an English word takes that long to say.
    """
    han = count_han(text)
    words = count_latin_words(text) * 1.5
    total = han + words
    if total == 0:
        return "en"
    share_zh = han / total
    if share_zh >= 1 - _MIXED_LOW:
        return "zh"
    if share_zh <= _MIXED_LOW:
        return "en"
    return "mixed"


def detect_spoken_language(text: str, default: Literal["zh", "en"]) -> Literal["zh", "en"]:
    """The language a TTS engine should read ``text`` in: the majority script, else default."""
    han = count_han(text)
    words = count_latin_words(text) * 1.5
    if han == 0 and words == 0:
        return default
    return "zh" if han >= words else "en"


def speech_units(text: str) -> tuple[int, int]:
    """(Han characters, Latin words): what speech-rate estimates count."""
    return count_han(text), count_latin_words(text)
