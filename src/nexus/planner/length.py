"""The shortest story Nexus makes a video of (ADR 0114).

A story whose narration would last under ``MIN_STORY_SPEECH_S`` (about five English words or
eight Chinese characters) is refused with ``input_too_short`` before any work: a one-word
"story" would otherwise become a two-second clip of a title card.
"""

from __future__ import annotations

from nexus.contracts import studio
from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.planner.lines import DEFAULT_SPEECH_RATE
from nexus.planner.text import speech_units

MIN_STORY_SPEECH_S = 2.0


def story_speech_s(story: studio.Story) -> float:
    """Estimated seconds to read the whole story aloud (Han characters and Latin words)."""
    han = words = 0
    for scene in story.scenes:
        for sentence in scene.sentences:
            h, w = speech_units(sentence.text)
            han, words = han + h, words + w
    return han / DEFAULT_SPEECH_RATE["zh"] + words / DEFAULT_SPEECH_RATE["en"]


def require_min_length(story: studio.Story, min_speech_s: float = MIN_STORY_SPEECH_S) -> None:
    """Raise INPUT_TOO_SHORT when the story would be read in under ``min_speech_s``."""
    seconds = story_speech_s(story)
    if seconds >= min_speech_s:
        return
    words = round(min_speech_s * DEFAULT_SPEECH_RATE["en"])
    han = round(min_speech_s * DEFAULT_SPEECH_RATE["zh"])
    raise NexusError(
        ErrorCode.INPUT_TOO_SHORT,
        f"the story would be read in about {seconds:.1f} s; a video needs at least "
        f"{min_speech_s:.0f} s of speech (about {words} English words or {han} Chinese "
        "characters)",
        fields={"story": "too short"},
    )
