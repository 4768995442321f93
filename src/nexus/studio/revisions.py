"""Entity and subtitle revisions as pure data (ADRs 0271, 0272).

``apply_entity_edits`` renames an entity, replaces its aliases, changes a character's voice or
merges one entity into another; shots it does not touch are returned as the same objects, so
their nodes keep their cache keys. ``apply_cue_edits`` replaces a shot's subtitle cues (text,
optionally timing) by their shot-local index; ``cue_problem`` says why an edit does not fit.
"""

from __future__ import annotations

from collections.abc import Mapping

from nexus.contracts.studio import (
    CueEdit,
    Entity,
    EntityEdit,
    EntityPack,
    ShotPlan,
    SpeechLine,
    Subtitle,
)
from nexus.core.errors import invalid
from nexus.workers.audio.voices import read_voice, voices_by_language

MIN_CUE_S = 0.2


def cue_id(shot_id: str, index: int) -> str:
    return f"{shot_id}.{index}"


def split_cue_id(value: str) -> tuple[str, int] | None:
    shot_id, _, index = value.rpartition(".")
    return (shot_id, int(index)) if shot_id and index.isdigit() else None


def _entities(pack: EntityPack) -> dict[str, tuple[str, Entity]]:
    groups = (("characters", pack.characters), ("places", pack.places), ("props", pack.props))
    return {e.entity_id: (group, e) for group, items in groups for e in items}


def check_entity_edits(pack: EntityPack, edits: Mapping[str, EntityEdit]) -> None:
    """Refuse edits of unknown entities, voices of non-characters, bad merges (``invalid``)."""
    known = _entities(pack)
    for entity_id, edit in edits.items():
        if entity_id not in known:
            raise invalid(f"no entity {entity_id!r} in this run", entity_id="unknown")
        group = known[entity_id][0]
        if edit.voice is not None:
            if group != "characters":
                raise invalid("only characters have a voice", voice="characters only")
            read_voice(edit.voice)
        target = edit.merge_into
        if target is not None:
            if target == entity_id or target not in known:
                raise invalid(f"cannot merge into {target!r}", merge_into="unknown entity")
            if known[target][0] != group:
                raise invalid("an entity merges into one of its own kind", merge_into="kind")
            if (edits.get(target) or EntityEdit()).merge_into is not None:
                raise invalid("merge targets cannot be merged themselves", merge_into="chain")


def _edited_entity(entity: Entity, edit: EntityEdit | None, absorbed: list[Entity]) -> Entity:
    update: dict[str, object] = {}
    aliases = list(entity.aliases if edit is None or edit.aliases is None else edit.aliases)
    for other in absorbed:
        aliases += [other.name, *other.aliases]
    if edit is not None and edit.name is not None:
        update["name"] = edit.name
    name = str(update.get("name", entity.name))
    deduped = list(dict.fromkeys(a for a in aliases if a != name))
    if deduped != entity.aliases:
        update["aliases"] = deduped
    if absorbed:
        update["mentions"] = entity.mentions + sum(o.mentions for o in absorbed)
    if edit is not None and edit.voice is not None and edit.voice != entity.voice:
        update["voice"] = edit.voice
        update["voices"] = voices_by_language(edit.voice)
    return entity.model_copy(update=update) if update else entity


def edit_pack(pack: EntityPack, edits: Mapping[str, EntityEdit]) -> EntityPack:
    merged = {k: e.merge_into for k, e in edits.items() if e.merge_into is not None}
    known = _entities(pack)

    def group(items: list[Entity]) -> list[Entity]:
        out: list[Entity] = []
        for entity in items:
            if entity.entity_id in merged:
                continue
            absorbed = [known[s][1] for s, t in merged.items() if t == entity.entity_id]
            out.append(_edited_entity(entity, edits.get(entity.entity_id), absorbed))
        return out

    return pack.model_copy(
        update={
            "characters": group(pack.characters),
            "places": group(pack.places),
            "props": group(pack.props),
        }
    )


def apply_entity_edits(
    shots: list[ShotPlan], pack: EntityPack, edits: Mapping[str, EntityEdit]
) -> tuple[list[ShotPlan], EntityPack]:
    """(shots, pack) with ``edits`` applied; untouched shots are the same objects."""
    if not edits:
        return shots, pack
    check_entity_edits(pack, edits)
    remap = {k: e.merge_into for k, e in edits.items() if e.merge_into is not None}
    new_pack = edit_pack(pack, edits)
    voices = {c.entity_id: c.voice for c in new_pack.characters if c.voice}
    revoiced = {k for k, e in edits.items() if e.voice is not None} | set(remap)

    def to(entity_id: str | None) -> str | None:
        return remap.get(entity_id, entity_id) if entity_id is not None else None

    def relined(line: SpeechLine) -> SpeechLine:
        speaker = to(line.speaker_id)
        if line.speaker_id not in revoiced or speaker not in voices:
            return line
        return line.model_copy(update={"speaker_id": speaker, "voice": voices[speaker]})

    result: list[ShotPlan] = []
    for shot in shots:
        lines = [relined(ln) for ln in shot.lines]
        update: dict[str, object] = {}
        if any(a is not b for a, b in zip(lines, shot.lines, strict=True)):
            update["lines"] = lines
        for name in ("speaker_id", "place_id"):
            value = getattr(shot, name)
            if to(value) != value:
                update[name] = to(value)
        for name in ("character_ids", "prop_ids"):
            ids: list[str] = getattr(shot, name)
            new_ids = list(dict.fromkeys(str(to(i)) for i in ids))
            if new_ids != ids:
                update[name] = new_ids
        result.append(shot.model_copy(update=update) if update else shot)
    return result, new_pack


def cue_problem(
    cues: list[Subtitle], index: int, edit: CueEdit, duration_s: float
) -> tuple[str, str] | None:
    """(field, reason) when the edited timing leaves the shot or overlaps a neighbour."""
    cue = cues[index]
    start = cue.start_s if edit.start_s is None else edit.start_s
    end = cue.end_s if edit.end_s is None else edit.end_s
    if end - start < MIN_CUE_S:
        return "end_s", f"a cue lasts at least {MIN_CUE_S} s (start {start}, end {end})"
    if end > duration_s + 1e-6:
        return "end_s", f"the shot lasts {duration_s:.3f} s"
    if index > 0 and start < cues[index - 1].end_s - 1e-6:
        return "start_s", f"overlaps the previous cue (ends at {cues[index - 1].end_s:.3f} s)"
    if index + 1 < len(cues) and end > cues[index + 1].start_s + 1e-6:
        return "end_s", f"overlaps the next cue (starts at {cues[index + 1].start_s:.3f} s)"
    return None


def apply_cue_edits(cues: list[Subtitle], edits: Mapping[int, CueEdit]) -> list[Subtitle]:
    """The shot's cues with ``edits`` (by shot-local index) applied."""
    out = list(cues)
    for index, edit in sorted(edits.items()):
        if not 0 <= index < len(out):
            raise invalid(f"no subtitle cue {index} in this shot", cue_id="unknown")
        update: dict[str, object] = {"text": edit.text}
        if edit.start_s is not None:
            update["start_s"] = edit.start_s
        if edit.end_s is not None:
            update["end_s"] = edit.end_s
        out[index] = out[index].model_copy(update=update)
    return out
