"""Chunks of a story for the LLM-assisted stages: whole scenes packed up to a size, a scene
longer than the size cut at paragraph ends. Pure and deterministic."""

from __future__ import annotations

from pydantic import Field

from nexus.contracts import studio
from nexus.contracts.base import StrictModel
from nexus.planner.text import speech_units

DEFAULT_CHUNK_UNITS = 1500  # Han characters + Latin words: about 2,000 tokens of story


class Chunk(StrictModel):
    """Consecutive scenes (or paragraphs of one long scene) planned in one LLM call."""

    index: int = Field(ge=0)
    scenes: list[studio.Scene] = Field(min_length=1)

    def text(self) -> str:
        return chunk_text(self.scenes)

    def as_story(self, story: studio.Story) -> studio.Story:
        return studio.Story(title=story.title, language=story.language, scenes=self.scenes)


def _units(text: str) -> int:
    han, words = speech_units(text)
    return han + words


def scene_text(scene: studio.Scene) -> str:
    """The scene's sentences, paragraphs separated by a blank line."""
    paragraphs: dict[int, list[str]] = {}
    for sentence in scene.sentences:
        paragraphs.setdefault(sentence.paragraph_index, []).append(sentence.text)
    return "\n\n".join(" ".join(texts) for texts in paragraphs.values())


def chunk_text(scenes: list[studio.Scene]) -> str:
    return "\n\n".join(scene_text(s) for s in scenes)


def _split_scene(scene: studio.Scene, limit: int) -> list[studio.Scene]:
    """Pieces of one scene (same index and title), cut between paragraphs."""
    pieces: list[list[studio.Sentence]] = [[]]
    size = 0
    paragraph = -1
    for sentence in scene.sentences:
        units = _units(sentence.text)
        new_paragraph = sentence.paragraph_index != paragraph
        if pieces[-1] and new_paragraph and size + units > limit:
            pieces.append([])
            size = 0
        pieces[-1].append(sentence)
        size += units
        paragraph = sentence.paragraph_index
    return [scene.model_copy(update={"sentences": p}) for p in pieces if p]


def chunk_story(story: studio.Story, *, max_units: int = DEFAULT_CHUNK_UNITS) -> list[Chunk]:
    """Scenes packed into chunks of at most ``max_units`` (a paragraph is never cut)."""
    if max_units < 1:
        raise ValueError("max_units must be positive")
    groups: list[list[studio.Scene]] = [[]]
    size = 0
    for scene in story.scenes:
        for piece in _split_scene(scene, max_units):
            units = _units(scene_text(piece))
            if groups[-1] and size + units > max_units:
                groups.append([])
                size = 0
            groups[-1].append(piece)
            size += units
    return [Chunk(index=i, scenes=g) for i, g in enumerate(g for g in groups if g)]
