"""LLM-assisted shot planning for one chunk: the reply (``ShotReply``) must speak the whole
passage in order, word for word, name only known characters and places, and stay within the
shot budget; accepted replies become contract ``ShotPlan``s with cue-sized lines and voices.
"""

from __future__ import annotations

import json
import re
from typing import Literal

from pydantic import Field

from nexus.contracts import studio
from nexus.planner import staging
from nexus.planner.chunks import Chunk, scene_text
from nexus.planner.lines import make_lines
from nexus.planner.llm import Answer, ChatModel, ask_structured
from nexus.planner.llm_entities import Lenient
from nexus.planner.prompt_files import load_prompt
from nexus.safety import fence, neutralise, unquote

MIN_COVERAGE = 0.9  # share of the passage's letters the lines must speak
_NON_WORD = re.compile(r"[\W_]+")
_QUOTES = "\"'“”‘’「」『』«»"


class LineDraft(Lenient):
    text: str = Field(min_length=1, max_length=2000)
    speaker: str | None = None


class ShotDraft(Lenient):
    lines: list[LineDraft] = Field(min_length=1)
    characters: list[str] = Field(default_factory=list)
    place: str | None = None
    camera: studio.CameraMove = "static"
    transition: studio.Transition = "cut"
    visual_prompt: str = Field(default="", max_length=1000)


class ShotReply(Lenient):
    shots: list[ShotDraft] = Field(min_length=1)


def normalise(text: str) -> str:
    """Letters and digits only, case-folded: how lines are matched against the passage."""
    return _NON_WORD.sub("", text.casefold())


def name_index(entities: list[studio.Entity]) -> dict[str, str]:
    """Every name and alias (case-folded) -> entity id."""
    return {form.casefold(): e.entity_id for e in entities for form in (e.name, *e.aliases)}


class _Checker:
    def __init__(self, passage: str, pack: studio.EntityPack, max_shots: int) -> None:
        self.passage = normalise(passage)
        self.people = name_index(pack.characters)
        self.places = name_index(pack.places)
        self.max_shots = max_shots

    def _names(self, shot: ShotDraft, i: int) -> list[str]:
        problems = []
        for name in [*shot.characters, *(x.speaker for x in shot.lines if x.speaker)]:
            if name.casefold() not in self.people:
                problems.append(f"shots[{i}]: {name!r} is not a known character")
        if shot.place and shot.place.casefold() not in self.places:
            problems.append(f"shots[{i}].place: {shot.place!r} is not a known place")
        return problems

    def __call__(self, reply: ShotReply) -> list[str]:
        problems: list[str] = []
        if len(reply.shots) > self.max_shots:
            problems.append(f"{len(reply.shots)} shots; at most {self.max_shots} are allowed")
        at, spoken = 0, 0
        for i, shot in enumerate(reply.shots):
            problems += self._names(shot, i)
            for j, line in enumerate(shot.lines):
                words = normalise(line.text)
                found = self.passage.find(words, at) if words else -1
                if found < 0:
                    problems.append(
                        f"shots[{i}].lines[{j}] is not the passage's next text, word for word: "
                        f"{line.text[:80]!r}"
                    )
                    continue
                at, spoken = found + len(words), spoken + len(words)
        if self.passage and spoken / len(self.passage) < MIN_COVERAGE:
            problems.append(
                f"the lines speak {spoken / len(self.passage):.0%} of the passage; "
                "every sentence must be in a line"
            )
        return problems


def check_reply(
    reply: ShotReply, passage: str, pack: studio.EntityPack, max_shots: int
) -> list[str]:
    return _Checker(passage, pack, max_shots)(reply)


async def plan_chunk_shots(
    chat: ChatModel,
    chunk: Chunk,
    pack: studio.EntityPack,
    *,
    max_shots: int,
    max_attempts: int = 3,
) -> Answer[ShotReply]:
    passage = chunk.text()
    roster = [{"name": e.name, "aliases": e.aliases} for e in pack.characters]
    places = [{"name": e.name, "aliases": e.aliases} for e in pack.places]
    messages = load_prompt("shots").messages(
        # Story text (and names read from it) is fenced: data, never instructions.
        characters=neutralise(json.dumps(roster, ensure_ascii=False)),
        places=neutralise(json.dumps(places, ensure_ascii=False)),
        passage=fence(passage),
        max_shots=max_shots,
    )
    return await ask_structured(
        chat,
        messages,
        ShotReply,
        name="shots",
        check=lambda reply: check_reply(reply, passage, pack, max_shots),
        max_attempts=max_attempts,
    )


def _scene_of(chunk: Chunk, position: int) -> int:
    """The scene index holding normalised offset ``position`` of the chunk's text."""
    end = 0
    for scene in chunk.scenes:
        end += len(normalise(scene_text(scene)))
        if position < end:
            return scene.index
    return chunk.scenes[-1].index


def _lines(
    shot: ShotDraft, pack: studio.EntityPack, default: Literal["zh", "en"]
) -> list[studio.SpeechLine]:
    people = name_index(pack.characters)
    voices = {c.entity_id: c.voice or pack.narrator_voice for c in pack.characters}
    lines: list[studio.SpeechLine] = []
    for line in shot.lines:
        speaker = people.get(line.speaker.casefold()) if line.speaker else None
        said = unquote(line.text).strip()  # the fence's flags are not the story's words
        lines += make_lines(
            said.strip(_QUOTES) if speaker else said,
            kind="dialogue" if speaker else "narration",
            speaker_id=speaker,
            voice=voices.get(speaker or "", pack.narrator_voice),
            default_language=default,
        )
    return lines


def _language(lines: list[studio.SpeechLine], default: Literal["zh", "en"]) -> Literal["zh", "en"]:
    if not lines:
        return default
    return "zh" if 2 * sum(line.language == "zh" for line in lines) >= len(lines) else "en"


def _cast(shot: ShotDraft, lines: list[studio.SpeechLine], pack: studio.EntityPack) -> list[str]:
    people = name_index(pack.characters)
    cast = [line.speaker_id for line in lines if line.speaker_id][:1]
    cast += [people[n.casefold()] for n in shot.characters if n.casefold() in people]
    return list(dict.fromkeys(cast))[: staging.MAX_CAST]


def to_shot_plans(
    reply: ShotReply,
    chunk: Chunk,
    story: studio.Story,
    pack: studio.EntityPack,
    *,
    bounds: tuple[float, float] = (2.0, 12.0),
) -> list[studio.ShotPlan]:
    """ShotPlans (indices from 0 within the chunk) from an accepted reply."""
    default: Literal["zh", "en"] = "en" if story.language == "en" else "zh"
    passage = normalise(chunk.text())
    places = name_index(pack.places)
    props = {e.entity_id: e for e in pack.props}
    titles = {s.index: s.title for s in chunk.scenes}
    plans: list[studio.ShotPlan] = []
    at, place = 0, None
    for draft in reply.shots:
        first = passage.find(normalise(draft.lines[0].text), at)
        scene = _scene_of(chunk, max(first, at))
        at = max(at, first)
        lines = _lines(draft, pack, default)
        if not lines:
            continue
        language = _language(lines, default)
        text = staging.join_texts([line.text for line in lines], language)
        place = places.get((draft.place or "").casefold(), place)
        cast = _cast(draft, lines, pack)
        speaker = next((line.speaker_id for line in lines if line.speaker_id), None)
        prop_ids = [p for p in props if any(f in text for f in (props[p].name, *props[p].aliases))]
        new_scene = not plans or plans[-1].scene_index != scene
        plans.append(
            studio.ShotPlan(
                shot_id=staging.shot_id_for(len(plans)),
                index=len(plans),
                scene_index=scene,
                text=text,
                lines=lines,
                speaker_id=speaker,
                character_ids=cast,
                place_id=place,
                camera=draft.camera,
                duration_target_s=staging.duration_target(lines, bounds, None),
                visual_prompt=draft.visual_prompt.strip()
                or staging.visual_prompt(pack, place, cast, prop_ids, speaker, text, titles[scene]),
                transition_in="fade" if new_scene else draft.transition,
                kind="dialogue" if speaker else "narration",
                prop_ids=prop_ids,
                language=language,
            )
        )
    return plans
