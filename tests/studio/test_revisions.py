"""Entity and cue revisions as pure data: what changes, what stays the same object."""

from __future__ import annotations

import pytest

from nexus.contracts.studio import (
    CueEdit,
    Entity,
    EntityEdit,
    EntityPack,
    ShotPlan,
    SpeechLine,
    Subtitle,
)
from nexus.core.errors import NexusError
from nexus.studio.revisions import (
    apply_cue_edits,
    apply_entity_edits,
    cue_problem,
    edit_pack,
    split_cue_id,
)

MARA, TOM, SEA = "chr_mara", "chr_tom", "plc_sea"


def pack() -> EntityPack:
    return EntityPack(
        language="en",
        characters=[
            Entity(entity_id=MARA, kind="character", name="Mara", voice="en-female-1"),
            Entity(
                entity_id=TOM, kind="character", name="Tom", aliases=["Tommy"], voice="en-male-2"
            ),
        ],
        places=[Entity(entity_id=SEA, kind="place", name="the sea")],
        narrator_voice="en-narrator",
    )


def shot(index: int, speaker: str | None) -> ShotPlan:
    lines = [SpeechLine(text="The lamp was cold.", voice="en-narrator")]
    if speaker:
        voice = "en-female-1" if speaker == MARA else "en-male-2"
        lines.append(SpeechLine(text="Hello?", speaker_id=speaker, voice=voice, kind="dialogue"))
    return ShotPlan(
        shot_id=f"shot-{index:03d}",
        index=index,
        scene_index=0,
        text="x",
        lines=lines,
        speaker_id=speaker,
        character_ids=[speaker] if speaker else [],
        duration_target_s=3.0,
        kind="dialogue" if speaker else "narration",
    )


def test_a_voice_change_touches_only_that_characters_lines() -> None:
    shots = [shot(0, None), shot(1, MARA), shot(2, TOM)]
    out, new = apply_entity_edits(shots, pack(), {TOM: EntityEdit(voice="en-male-3")})
    assert out[0] is shots[0] and out[1] is shots[1]
    assert [ln.voice for ln in out[2].lines] == ["en-narrator", "en-male-3"]
    tom = next(c for c in new.characters if c.entity_id == TOM)
    assert tom.voice == "en-male-3" and tom.voices["zh"].startswith("zh-")


def test_a_merge_moves_shots_lines_names_and_mentions() -> None:
    shots = [shot(1, MARA), shot(2, TOM)]
    out, new = apply_entity_edits(shots, pack(), {TOM: EntityEdit(merge_into=MARA)})
    assert out[0] is shots[0]
    assert out[1].speaker_id == MARA and out[1].character_ids == [MARA]
    assert out[1].lines[1].speaker_id == MARA and out[1].lines[1].voice == "en-female-1"
    assert [c.entity_id for c in new.characters] == [MARA]
    assert new.characters[0].aliases == ["Tom", "Tommy"]


def test_rename_and_aliases_change_only_the_pack() -> None:
    shots = [shot(1, MARA)]
    edits = {MARA: EntityEdit(name="Marigold", aliases=["Mara", "Goldie"])}
    out, new = apply_entity_edits(shots, pack(), edits)
    assert out[0] is shots[0]
    assert new.characters[0].name == "Marigold"
    assert new.characters[0].aliases == ["Mara", "Goldie"]
    assert edit_pack(pack(), {}) == pack()


@pytest.mark.parametrize(
    ("edits", "field"),
    [
        ({"nobody": EntityEdit(name="x")}, "entity_id"),
        ({SEA: EntityEdit(voice="en-male-1")}, "voice"),
        ({TOM: EntityEdit(voice="no-such-voice")}, None),
        ({TOM: EntityEdit(merge_into=SEA)}, "merge_into"),
        ({TOM: EntityEdit(merge_into=TOM)}, "merge_into"),
        ({TOM: EntityEdit(merge_into=MARA), MARA: EntityEdit(merge_into=TOM)}, "merge_into"),
    ],
)
def test_bad_entity_edits_are_refused(edits: dict[str, EntityEdit], field: str | None) -> None:
    with pytest.raises(NexusError) as err:
        apply_entity_edits([shot(1, MARA)], pack(), edits)
    assert err.value.code.value == "validation_failed"
    if field:
        assert field in err.value.fields


def cues() -> list[Subtitle]:
    return [
        Subtitle(start_s=0.0, end_s=1.0, text="one"),
        Subtitle(start_s=1.2, end_s=2.0, text="two"),
        Subtitle(start_s=2.5, end_s=3.0, text="three"),
    ]


def test_cue_edits_replace_text_and_timing_by_index() -> None:
    out = apply_cue_edits(cues(), {1: CueEdit(text="TWO", end_s=2.4)})
    assert [c.text for c in out] == ["one", "TWO", "three"]
    assert out[1].start_s == 1.2 and out[1].end_s == 2.4
    with pytest.raises(NexusError):
        apply_cue_edits(cues(), {3: CueEdit(text="x")})


@pytest.mark.parametrize(
    ("index", "edit", "field"),
    [
        (1, CueEdit(text="x", start_s=0.9), "start_s"),  # overlaps the previous cue
        (1, CueEdit(text="x", end_s=2.6), "end_s"),  # overlaps the next cue
        (2, CueEdit(text="x", end_s=3.5), "end_s"),  # past the shot
        (0, CueEdit(text="x", end_s=0.1), "end_s"),  # too short
    ],
)
def test_cue_timing_problems(index: int, edit: CueEdit, field: str) -> None:
    problem = cue_problem(cues(), index, edit, duration_s=3.2)
    assert problem is not None and problem[0] == field
    assert cue_problem(cues(), 1, CueEdit(text="x", start_s=1.0, end_s=2.5), 3.2) is None


def test_cue_ids() -> None:
    assert split_cue_id("shot-003.2") == ("shot-003", 2)
    assert split_cue_id("shot-003") is None
    assert split_cue_id("nope.x") is None
