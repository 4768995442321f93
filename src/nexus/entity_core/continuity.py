"""Continuity: stable entity ids, one look per character (from its id) and one voice each."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Literal

from nexus.contracts import studio

Gender = Literal["female", "male", "unknown"]

_ID_PREFIX = {"character": "chr", "place": "plc", "prop": "prp"}
_SKIN = ("#f1c7a5", "#e0ac69", "#c68642", "#8d5524", "#ffdbac", "#d9a066")
_HAIR = ("#2b1b17", "#4e3b31", "#8b5a2b", "#d6b370", "#b7b7b7", "#1c1c1c", "#a0522d")
_CLOTHING = ("#2f4858", "#33658a", "#86bbd8", "#758e4f", "#f6ae2d", "#f26419", "#7d4e57",
             "#4a4e69", "#9a8c98", "#3d5a80", "#98c1d9", "#e07a5f")  # fmt: skip
_ACCENT = ("#e63946", "#f4a261", "#2a9d8f", "#e9c46a", "#8ecae6", "#ffb4a2", "#b5838d")


def entity_id_for(kind: studio.EntityKind, canonical_name: str) -> str:
    """``chr_`` + 12 hex digits of sha256(kind:name): the same name always gets the same id."""
    digest = hashlib.sha256(f"{kind}:{canonical_name.casefold()}".encode()).hexdigest()
    return f"{_ID_PREFIX[kind]}_{digest[:12]}"


def look_for(entity_id: str) -> studio.Look:
    """A look derived only from the id, so a character looks the same in every shot and run."""
    digest = hashlib.sha256(f"look:{entity_id}".encode()).digest()
    return studio.Look(
        palette=[
            _SKIN[digest[0] % len(_SKIN)],
            _HAIR[digest[1] % len(_HAIR)],
            _CLOTHING[digest[2] % len(_CLOTHING)],
            _ACCENT[digest[3] % len(_ACCENT)],
        ],
        hair_style=digest[4] % studio.LOOK_HAIR_STYLES,
        face_shape=digest[5] % studio.LOOK_FACE_SHAPES,
        accessory=digest[6] % studio.LOOK_ACCESSORIES,
    )


def assign_voices(
    characters: Sequence[tuple[str, Gender]],
    voices: Sequence[str],
    narrator_voice: str,
    voice_genders: dict[str, Gender] | None = None,
) -> dict[str, str]:
    """Map entity_id -> voice, characters given most important first.

    Never the narrator's voice; distinct while voices last, then reused in order. When the
    catalogue says a voice's gender, a character gets the first free voice of its gender.
    Falls back to the narrator's voice only when the catalogue offers nothing else.
    """
    pool = list(dict.fromkeys(v for v in voices if v != narrator_voice))
    if not pool:
        return {entity_id: narrator_voice for entity_id, _ in characters}
    genders = voice_genders or {}
    free = list(pool)
    result: dict[str, str] = {}
    for n, (entity_id, gender) in enumerate(characters):
        if not free:
            result[entity_id] = pool[n % len(pool)]
            continue
        matching = [v for v in free if gender != "unknown" and genders.get(v) == gender]
        neutral = [v for v in free if genders.get(v, "unknown") in ("unknown", gender)]
        choice = (matching or neutral or free)[0]
        free.remove(choice)
        result[entity_id] = choice
    return result
