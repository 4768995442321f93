"""Shared fixtures for the worker tests: sample entity packs, shots and skill contexts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from nexus.contracts.studio import Entity, EntityPack, ShotPlan, SpeechLine
from nexus.core.registry import SkillContext

ShotFactory = Callable[..., ShotPlan]


def build_pack_en() -> EntityPack:
    return EntityPack(
        language="en",
        narrator_voice="en-narrator",
        characters=[
            Entity(entity_id="ch-mara", kind="character", name="Mara", gender="female",
                   voice="en-female-1"),
            Entity(entity_id="ch-tom", kind="character", name="Old Tom", gender="male",
                   voice="en-male-3"),
            Entity(entity_id="ch-ada", kind="character", name="Ada", gender="female",
                   voice="en-female-3"),
        ],
        places=[
            Entity(entity_id="pl-light", kind="place", name="Grey Point Lighthouse"),
            Entity(entity_id="pl-kitchen", kind="place", name="the kitchen"),
        ],
    )  # fmt: skip


def build_pack_zh() -> EntityPack:
    return EntityPack(
        language="zh",
        narrator_voice="zh-narrator",
        characters=[
            Entity(entity_id="ch-lin", kind="character", name="林小雨", gender="female",
                   voice="zh-female-1"),
            Entity(entity_id="ch-wang", kind="character", name="王老师", gender="male",
                   voice="zh-male-3"),
        ],
        places=[Entity(entity_id="pl-forest", kind="place", name="竹林")],
    )  # fmt: skip


def build_shot(
    pack: EntityPack, *, speaker_id: str | None, place_id: str | None, text: str, index: int = 0,
    variant: int = 0,
) -> ShotPlan:  # fmt: skip
    voice = next((c.voice for c in pack.characters if c.entity_id == speaker_id), None)
    return ShotPlan(
        shot_id=f"shot-{index}",
        index=index,
        scene_index=0,
        text=text,
        lines=[SpeechLine(text=text, speaker_id=speaker_id, voice=voice or pack.narrator_voice)],
        speaker_id=speaker_id,
        character_ids=[c.entity_id for c in pack.characters],
        place_id=place_id,
        duration_target_s=3.0,
        variant=variant,
        kind="dialogue" if speaker_id else "narration",
        language="zh" if pack.language == "zh" else "en",
    )


@pytest.fixture
def pack_en() -> EntityPack:
    return build_pack_en()


@pytest.fixture
def pack_zh() -> EntityPack:
    return build_pack_zh()


@pytest.fixture
def make_ctx(tmp_path: Path) -> Callable[[], SkillContext]:
    counter = iter(range(1000))

    def make() -> SkillContext:
        n = next(counter)
        return SkillContext(
            run_id="run-test", job_id=f"job-{n}", node_key=f"node-{n}", attempt=1,
            workdir_path=tmp_path / f"work-{n}",
        )  # fmt: skip

    return make
