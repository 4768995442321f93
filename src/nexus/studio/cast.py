"""A kept cast (ADR 0243): character name -> voice id, from a project's ``voices`` setting or
an imported entity bible, applied when the plan expands (like shot edits), so the plan stays
a cache hit and a series' characters keep their voices. Looks need nothing: a character's
look derives from its id, which derives from its name."""

from __future__ import annotations

from nexus.contracts.studio import EntityPack, ShotPlan
from nexus.workers.audio.voices import list_voices, read_voice, voices_by_language


def known_voice_ids() -> set[str]:
    return {v.voice_id for lang in ("en", "zh") for v in list_voices(lang)}


def _key(name: str) -> str:
    return name.casefold().removeprefix("the ").strip()


def voices_of(pack: EntityPack, cast: dict[str, str]) -> dict[str, str]:
    """Entity id -> the cast's voice, for the characters named (by name or alias) in ``cast``."""
    wanted = {_key(k): v for k, v in cast.items()}
    found: dict[str, str] = {}
    for c in pack.characters:
        for name in [c.name, *c.aliases]:
            if _key(name) in wanted:
                found[c.entity_id] = read_voice(wanted[_key(name)]).voice_id
                break
    return found


def apply_cast(shots: list[ShotPlan], pack: EntityPack, cast: dict[str, str]) -> list[ShotPlan]:
    """The shots with the cast's voices on their characters' lines (unchanged shots as they are)."""
    voices = voices_of(pack, cast) if cast else {}
    if not voices:
        return shots
    result: list[ShotPlan] = []
    for shot in shots:
        lines = [
            line.model_copy(update={"voice": voices[line.speaker_id]})
            if line.speaker_id in voices and line.voice != voices[line.speaker_id]
            else line
            for line in shot.lines
        ]
        same = all(a is b for a, b in zip(lines, shot.lines, strict=True))
        result.append(shot if same else shot.model_copy(update={"lines": lines}))
    return result


def cast_pack(pack: EntityPack, cast: dict[str, str]) -> EntityPack:
    """The pack with the cast's voices (and their language families) on its characters."""
    voices = voices_of(pack, cast) if cast else {}
    if not voices:
        return pack
    characters = [
        c.model_copy(update={"voice": voices[c.entity_id],
                             "voices": voices_by_language(voices[c.entity_id])})
        if c.entity_id in voices else c
        for c in pack.characters
    ]  # fmt: skip
    return pack.model_copy(update={"characters": characters})
