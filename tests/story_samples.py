"""Shared by the planner and entity_core suites: the sample stories, ingested, with packs."""

from __future__ import annotations

from pathlib import Path

import pytest

from nexus.contracts import studio
from nexus.entity_core import extract_entities
from nexus.planner import ingest_story

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
VOICES = ["en_joe", "en_f1", "en_m2", "en_f3", "en_m4", "narrator"]
SAMPLES = {
    "en": EXAMPLES / "en" / "the-lighthouse-keeper.md",
    "zh": EXAMPLES / "zh" / "lighthouse-zh.md",
}


def load_sample(lang: str) -> tuple[studio.Story, studio.EntityPack]:
    story = ingest_story(SAMPLES[lang].read_bytes())
    pack = extract_entities(story, voices=VOICES, narrator_voice="narrator")
    return story, pack


@pytest.fixture(params=["en", "zh"])
def sample(request: pytest.FixtureRequest) -> tuple[studio.Story, studio.EntityPack]:
    return load_sample(request.param)
