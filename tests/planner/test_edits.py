"""apply_shot_edits: text, voice, duration and variant edits touch only their shot."""

from __future__ import annotations

import pytest

from nexus.contracts import studio
from nexus.core.errors import NexusError
from nexus.planner import apply_shot_edits, plan_shots
from nexus.planner.subtitles import fits_cue


def _shots(sample: tuple[studio.Story, studio.EntityPack]) -> list[studio.ShotPlan]:
    story, pack = sample
    return plan_shots(story, pack)


def test_text_edit_rederives_lines_with_the_speakers_voice(
    sample: tuple[studio.Story, studio.EntityPack],
) -> None:
    shots = _shots(sample)
    target = next(s for s in shots if s.kind == "dialogue")
    voice = next(ln.voice for ln in target.lines if ln.speaker_id == target.speaker_id)
    long_line = (
        "Listen to me carefully, because I will only say this once, and then we must go. " * 2
    )
    edited = apply_shot_edits(shots, {target.index: studio.ShotEdit(text=long_line)})
    new = edited[target.index]
    assert len(new.lines) > 1
    assert all(ln.voice == voice and ln.speaker_id == target.speaker_id for ln in new.lines)
    assert all(fits_cue(ln.text, ln.language) for ln in new.lines)
    assert [s for s in edited if s.index != target.index] == [
        s for s in shots if s.index != target.index
    ]


def test_text_edit_with_quotes_splits_narration_and_speech(
    sample: tuple[studio.Story, studio.EntityPack],
) -> None:
    _, pack = sample
    shots = _shots(sample)
    target = next(s for s in shots if s.kind == "dialogue")
    edited = apply_shot_edits(shots, {target.index: studio.ShotEdit(text='"Wait," she said.')})
    kinds = [(ln.kind, ln.voice) for ln in edited[target.index].lines]
    assert kinds[0][0] == "dialogue" and kinds[1] == ("narration", pack.narrator_voice)


def test_voice_duration_and_variant_edits(sample: tuple[studio.Story, studio.EntityPack]) -> None:
    shots = _shots(sample)
    narration = next(s for s in shots if s.kind == "narration")
    edits = {narration.index: studio.ShotEdit(voice="other", duration_s=9.5, variant="next")}
    new = apply_shot_edits(shots, edits)[narration.index]
    assert all(ln.voice == "other" for ln in new.lines)
    assert new.duration_target_s == 9.5
    assert new.variant == narration.variant + 1
    again = apply_shot_edits(shots, {narration.index: studio.ShotEdit(variant=4)})
    assert again[narration.index].variant == 4


def test_unknown_shot_is_refused(sample: tuple[studio.Story, studio.EntityPack]) -> None:
    shots = _shots(sample)
    with pytest.raises(NexusError):
        apply_shot_edits(shots, {999: studio.ShotEdit(text="x")})
