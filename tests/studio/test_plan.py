"""``studio.plan`` on mixed English/Chinese text: every --lang gives each line a voice of its
own language from its speaker's timbre family; too short a story is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from nexus.contracts.errors import ErrorCode
from nexus.contracts.graph import NodeSpec
from nexus.core.errors import NexusError
from nexus.core.registry import SkillContext
from nexus.studio.pipeline import expand_shots
from nexus.studio.plan import PlanIn, PlanOut, plan_story
from nexus.workers.audio.voices import voice_in_language

MIXED = (Path(__file__).parent / "stories/harbour-mixed.md").read_text(encoding="utf-8")


def plan(tmp_path: Path, story: str, language: str = "auto") -> PlanOut:
    ctx = SkillContext(
        run_id="run", job_id="job", node_key="plan", attempt=1, workdir_path=tmp_path / "wd"
    )
    return plan_story(PlanIn(story=story, language=language), ctx)  # type: ignore[arg-type]


@pytest.mark.parametrize("language", ["auto", "en", "zh"])
def test_every_line_speaks_its_language_in_its_family(tmp_path: Path, language: str) -> None:
    out = plan(tmp_path, MIXED, language)
    families = {c.entity_id: c.voices for c in out.pack.characters}
    seen = set()
    for shot in out.shots:
        for line in shot.lines:
            family = families[line.speaker_id] if line.speaker_id else out.pack.narrator_voices
            assert line.voice == family[line.language]
            assert line.voice.startswith(f"{line.language}-")
            seen.add(line.language)
    assert seen == {"en", "zh"}
    for character in out.pack.characters:
        assert character.voice is not None
        assert character.voices == {
            lang: voice_in_language(character.voice, lang) for lang in ("en", "zh")
        }


def test_a_revised_voice_is_localised_per_line(tmp_path: Path) -> None:
    """revise --voice en-female-2 on a shot with Chinese lines: they read as zh-female-2."""
    out = plan(tmp_path, MIXED)
    target = next(
        s for s in out.shots if s.speaker_id and any(ln.language == "zh" for ln in s.lines)
    )
    run = {"edits": {str(target.index): {"voice": "en-female-2"}}}
    nodes = expand_shots(NodeSpec(key="plan", skill="studio.plan"), out.model_dump(), run)
    voices = {
        (n.params["language"], n.params["voice"])
        for n in nodes
        if n.key.startswith(f"{target.shot_id}.tts.")
    }
    spoken = {ln.language for ln in target.lines if ln.speaker_id == target.speaker_id}
    assert {(lang, f"{lang}-female-2") for lang in spoken} <= voices
    untouched = [n for n in nodes if n.key.startswith("shot-") and target.shot_id not in n.key]
    before = expand_shots(NodeSpec(key="plan", skill="studio.plan"), out.model_dump(), {})
    assert {n.key: n.params for n in untouched} == {
        n.key: n.params for n in before if n.key in {u.key for u in untouched}
    }  # other shots' nodes are unchanged, so they stay cache hits


def test_one_word_story_is_refused(tmp_path: Path) -> None:
    with pytest.raises(NexusError) as err:
        plan(tmp_path, "One.")
    assert err.value.code is ErrorCode.INPUT_TOO_SHORT
