"""The voice catalogue: a narrator and distinct, stable character voices per language.

Each voice is a fixed recipe (engine + parameters), so a voice id always sounds the same.
Voices come in timbre families across languages (``en-female-2`` and ``zh-female-2`` are
both warm and low): a character keeps its family when a line switches language (ADR 0110).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from nexus.contracts.base import StrictModel
from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError

VoiceLanguage = Literal["en", "zh"]
EngineName = Literal["piper", "espeak"]
Gender = Literal["female", "male", "unknown"]


class VoiceInfo(StrictModel):
    """One catalogue voice. ``pitch``/``formant``/``speed`` are ratios against the base voice."""

    voice_id: str
    language: VoiceLanguage
    engine: EngineName
    role: Literal["narrator", "character"]
    gender: Gender
    description: str
    pitch: float = Field(default=1.0, gt=0.4, lt=2.5)
    formant: float = Field(default=1.0, gt=0.7, lt=1.4)
    speed: float = Field(default=1.0, gt=0.5, lt=2.0)
    espeak_variant: str = ""
    espeak_pitch: int = Field(default=50, ge=0, le=99)
    espeak_wpm: int = Field(default=165, ge=80, le=400)


def _piper(
    voice_id: str, gender: Gender, description: str, pitch: float, formant: float, speed: float
) -> VoiceInfo:
    role = "narrator" if voice_id.endswith("narrator") else "character"
    return VoiceInfo(
        voice_id=voice_id, language="en", engine="piper", role=role, gender=gender,
        description=description, pitch=pitch, formant=formant, speed=speed,
    )  # fmt: skip


def _espeak(
    voice_id: str, gender: Gender, description: str, variant: str, pitch: int, wpm: int,
    formant: float = 1.0,
) -> VoiceInfo:  # fmt: skip
    role = "narrator" if voice_id.endswith("narrator") else "character"
    # pitch == formant: a plain resample (no rubberband) lowers the whole voice together.
    return VoiceInfo(
        voice_id=voice_id, language="zh", engine="espeak", role=role, gender=gender,
        description=description, espeak_variant=variant, espeak_pitch=pitch, espeak_wpm=wpm,
        pitch=formant, formant=formant,
    )  # fmt: skip


# Recipes measured in ADR 0026 (median F0 by YIN on the same sentence): neighbouring
# character voices differ by >= 12% in F0, or in formant position and tempo.
CATALOGUE: tuple[VoiceInfo, ...] = (
    _piper("en-narrator", "male", "calm neural narrator (~100 Hz)", 1.0, 1.0, 0.94),
    _piper("en-male-1", "male", "low, measured (~75 Hz)", 0.78, 0.93, 0.95),
    _piper("en-male-2", "male", "bright, quick (~106 Hz)", 1.14, 1.04, 1.07),
    _piper("en-male-3", "male", "older, slow, nasal (~92 Hz)", 0.94, 1.06, 0.86),
    _piper("en-male-4", "male", "young, light (~122 Hz)", 1.3, 1.08, 1.04),
    _piper("en-female-1", "female", "clear, mid (~176 Hz)", 1.85, 1.17, 1.0),
    _piper("en-female-2", "female", "warm, low (~157 Hz)", 1.62, 1.13, 0.95),
    _piper("en-female-3", "female", "young, high (~200 Hz)", 2.15, 1.22, 1.05),
    _espeak("zh-narrator", "male", "steady narrator (~84 Hz)", "", 45, 150),
    _espeak("zh-male-1", "male", "low, firm (~66 Hz)", "m1", 28, 160, formant=0.94),
    _espeak("zh-male-2", "male", "bright, quick (~117 Hz)", "m2", 70, 175),
    _espeak("zh-male-3", "male", "older, slow (~96 Hz)", "m7", 58, 135),
    _espeak("zh-female-1", "female", "clear, mid (~168 Hz)", "f1", 55, 160),
    _espeak("zh-female-2", "female", "soft, low (~143 Hz)", "f2", 35, 150),
    _espeak("zh-female-3", "female", "young, high (~212 Hz)", "f4", 75, 170),
)
_BY_ID = {voice.voice_id: voice for voice in CATALOGUE}


def _catalogue_language(language: str) -> VoiceLanguage:
    # Mixed text is read by the Mandarin engine: espeak switches to English for Latin
    # words, while piper would spell hanzi out.
    return "en" if language == "en" else "zh"


def list_voices(language: str) -> list[VoiceInfo]:
    """Voices for ``en``, ``zh`` or ``mixed`` (Mandarin voices), narrator first."""
    lang = _catalogue_language(language)
    return [voice for voice in CATALOGUE if voice.language == lang]


def read_voice(voice_id: str) -> VoiceInfo:
    try:
        return _BY_ID[voice_id]
    except KeyError:
        known = ", ".join(sorted(_BY_ID))
        raise NexusError(
            ErrorCode.VALIDATION_FAILED, f"unknown voice {voice_id!r} (known: {known})"
        ) from None


# The English catalogue has a fourth male voice; its nearest Mandarin timbre (F0 ~117 Hz,
# bright and quick) is zh-male-2.
_FAMILY_FALLBACK = {"zh-male-4": "zh-male-2"}


def voice_in_language(voice_id: str, language: str) -> str:
    """The voice of ``voice_id``'s timbre family that speaks ``language`` (en, zh or mixed).

    ``en-female-2`` -> ``zh-female-2``, ``zh-narrator`` -> ``en-narrator``; a voice already
    speaking the language is returned as it is.
    """
    voice = read_voice(voice_id)
    wanted = _catalogue_language(language)
    if voice.language == wanted:
        return voice_id
    family = voice_id.split("-", 1)[1]
    candidate = f"{wanted}-{family}"
    candidate = _FAMILY_FALLBACK.get(candidate, candidate)
    if candidate in _BY_ID:
        return candidate
    return pick_character_voice(wanted, voice.gender, 0)


def voices_by_language(voice_id: str) -> dict[VoiceLanguage, str]:
    """``{"en": ..., "zh": ...}``: the voice's family in every catalogue language."""
    return {lang: voice_in_language(voice_id, lang) for lang in ("en", "zh")}


def narrator_voice(language: str) -> str:
    """The narrator voice id for a story language."""
    return f"{_catalogue_language(language)}-narrator"


def pick_character_voice(language: str, gender: str, ordinal: int) -> str:
    """A stable character voice: the ``ordinal``-th character (0-based) of that gender.

    Unknown gender alternates male/female voices so neighbours in a story sound different.
    """
    voices = [v for v in list_voices(language) if v.role == "character"]
    if gender not in ("male", "female"):
        gender = "male" if ordinal % 2 == 0 else "female"
        ordinal //= 2
    pool = [v for v in voices if v.gender == gender]
    return pool[ordinal % len(pool)].voice_id
