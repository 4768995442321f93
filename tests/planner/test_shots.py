"""plan_shots on the sample stories and on small tricky stories."""

from __future__ import annotations

import itertools

import pytest

from nexus.contracts import studio
from nexus.entity_core import extract_entities
from nexus.planner import ingest_story, plan_shots
from nexus.planner.subtitles import fits_cue

VOICES = ["en_joe", "en_f1", "en_m2", "en_f3", "en_m4", "narrator"]


def _plan(raw: str, **kwargs: float) -> tuple[studio.EntityPack, list[studio.ShotPlan]]:
    story = ingest_story(raw.encode())
    pack = extract_entities(story, voices=VOICES, narrator_voice="narrator")
    return pack, plan_shots(story, pack, **kwargs)  # type: ignore[arg-type]


def test_every_line_fits_one_subtitle_cue(sample: tuple[studio.Story, studio.EntityPack]) -> None:
    story, pack = sample
    for shot in plan_shots(story, pack):
        for line in shot.lines:
            assert fits_cue(line.text, line.language), line.text


def test_each_character_keeps_one_voice(sample: tuple[studio.Story, studio.EntityPack]) -> None:
    story, pack = sample
    voices = {c.entity_id: c.voice for c in pack.characters}
    seen: dict[str | None, set[str]] = {}
    for shot in plan_shots(story, pack):
        for line in shot.lines:
            seen.setdefault(line.speaker_id, set()).add(line.voice)
            if line.speaker_id is None:
                assert line.voice == pack.narrator_voice
            else:
                assert line.voice == voices[line.speaker_id]
    assert all(len(v) == 1 for v in seen.values())
    assert len(seen) >= 4  # the narrator and at least three speaking characters


def test_sample_plans_are_sane(sample: tuple[studio.Story, studio.EntityPack]) -> None:
    story, pack = sample
    shots = plan_shots(story, pack)
    assert 10 <= len(shots) <= 20
    assert [s.index for s in shots] == list(range(len(shots)))
    assert len({s.shot_id for s in shots}) == len(shots)
    assert all(2.0 <= s.duration_target_s <= 12.0 for s in shots)
    assert all(s.place_id for s in shots)
    assert {s.scene_index for s in shots} == {sc.index for sc in story.scenes}
    cameras = [s.camera for s in shots]
    assert all(a != b for a, b in itertools.pairwise(cameras))
    assert shots[0].transition_in == "fade"
    dialogue = [s for s in shots if s.kind == "dialogue"]
    assert dialogue and all(s.speaker_id for s in dialogue)
    assert all(s.speaker_id in s.character_ids for s in dialogue)


def test_english_speakers_are_resolved() -> None:
    pack, shots = _plan(
        'Anna Reyes met Tom Hale at the harbour. "You\'re late," said Tom.\n\n'
        'Anna laughed. "It never does, Tom."\n\n'
        '"Come," she said.\n\n'
        'Tom nodded. "Then let us go." He smiled.'
    )
    names = {c.entity_id: c.name for c in pack.characters}
    speakers = [names.get(s.speaker_id or "") for s in shots if s.kind == "dialogue"]
    assert speakers == ["Tom Hale", "Anna Reyes", "Anna Reyes", "Tom Hale"]


def test_alternating_untagged_dialogue() -> None:
    pack, shots = _plan(
        "Anna and Tom sat by the fire at the inn.\n\n"
        '"Is it time?" asked Anna.\n\n"Not yet," said Tom.\n\n"When, then?"\n\n"Soon."'
    )
    names = {c.entity_id: c.name for c in pack.characters}
    speakers = [names.get(s.speaker_id or "") for s in shots if s.kind == "dialogue"]
    assert speakers == ["Anna", "Tom", "Anna", "Tom"]


def test_long_sentences_are_split_into_several_lines_and_bounded_shots() -> None:
    sentence = (
        "The keeper climbed the narrow stairs, counting each step out loud as his father had "
        "taught him, while the wind screamed against the glass and the lamp turned above. "
    )
    _, shots = _plan(sentence * 6)
    assert len(shots) > 1
    assert all(len(s.lines) >= 1 for s in shots)
    assert all(s.duration_target_s <= 12.0 for s in shots)
    assert sum(len(s.lines) for s in shots) >= 12


def test_max_shots_merges_narration_first() -> None:
    text = "\n\n".join(f"Paragraph {i} of the quiet evening went by slowly." for i in range(30))
    _, unbounded = _plan(text)
    _, bounded = _plan(text, max_shots=5)
    assert len(unbounded) > 5
    assert len(bounded) == 5
    total = sum(len(s.lines) for s in unbounded)
    assert sum(len(s.lines) for s in bounded) == total


def test_max_shots_also_merges_dialogue_when_it_must() -> None:
    text = "\n\n".join(f'"Line {i}," said Anna.' for i in range(12))
    _, shots = _plan(text, max_shots=3)
    assert len(shots) == 3


def test_bad_bounds_are_refused() -> None:
    story = ingest_story(b"Anna walked.")
    pack = extract_entities(story, voices=VOICES, narrator_voice="narrator")
    with pytest.raises(ValueError):
        plan_shots(story, pack, min_shot_s=5, max_shot_s=2)


def test_plans_are_deterministic(sample: tuple[studio.Story, studio.EntityPack]) -> None:
    story, pack = sample
    assert plan_shots(story, pack) == plan_shots(story, pack)
