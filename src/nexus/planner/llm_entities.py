"""LLM-assisted entity extraction, one chunk at a time, the entities carried across chunks.

The model's reply (``EntityReply``) is checked against the passage (no invented names) and
merged into the carried ``EntityDrafts``; ``build_pack`` turns the drafts of the whole story
into the contract's ``EntityPack`` with the same ids, looks and voices the rules would give.
"""

from __future__ import annotations

import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from nexus.contracts import studio
from nexus.entity_core import extract_entities
from nexus.entity_core.continuity import Gender, assign_voices, entity_id_for, look_for
from nexus.entity_core.mentions import build_mention_index
from nexus.planner.chunks import Chunk, chunk_text
from nexus.planner.llm import Answer, ChatModel, ask_structured
from nexus.planner.prompt_files import load_prompt
from nexus.safety import fence, neutralise

Kind = Literal["character", "place", "prop"]
KINDS: tuple[tuple[Kind, str], ...] = (
    ("character", "characters"),
    ("place", "places"),
    ("prop", "props"),
)


class Lenient(BaseModel):
    """Replies may carry extra keys; they are ignored, not refused."""

    model_config = ConfigDict(extra="ignore")


class EntityDraft(Lenient):
    name: str = Field(min_length=1, max_length=80)
    aliases: list[str] = Field(default_factory=list, max_length=20)
    gender: Literal["female", "male", "unknown"] = "unknown"
    description: str = Field(default="", max_length=400)

    def forms(self) -> list[str]:
        return [self.name, *self.aliases]


class EntityReply(Lenient):
    characters: list[EntityDraft] = Field(default_factory=list)
    places: list[EntityDraft] = Field(default_factory=list)
    props: list[EntityDraft] = Field(default_factory=list)

    def of(self, kind: Kind) -> list[EntityDraft]:
        return {"character": self.characters, "place": self.places, "prop": self.props}[kind]


class EntityDrafts(EntityReply):
    """The entities found so far: what one chunk job hands to the next."""


def known_json(drafts: EntityDrafts) -> str:
    return json.dumps(
        {field: [{"name": d.name, "aliases": d.aliases} for d in drafts.of(kind)]
         for kind, field in KINDS},
        ensure_ascii=False,
    )  # fmt: skip


def _find(drafts: list[EntityDraft], draft: EntityDraft) -> EntityDraft | None:
    forms = {f.casefold() for f in draft.forms()}
    return next((d for d in drafts if forms & {f.casefold() for f in d.forms()}), None)


def check_reply(reply: EntityReply, passage: str, known: EntityDrafts) -> list[str]:
    """Problems: a new entity whose name is not in the passage, a name given twice."""
    text = passage.casefold()
    problems: list[str] = []
    for kind, field in KINDS:
        names: set[str] = set()
        for i, draft in enumerate(reply.of(kind)):
            if draft.name.casefold() in names:
                problems.append(f"{field}[{i}]: {draft.name!r} is listed twice")
            names.add(draft.name.casefold())
            if _find(known.of(kind), draft) is None and draft.name.casefold() not in text:
                problems.append(
                    f"{field}[{i}].name: {draft.name!r} does not occur in the passage; "
                    "use the name exactly as written"
                )
    return problems


def merge_drafts(known: EntityDrafts, reply: EntityReply, passage: str) -> EntityDrafts:
    """Known entities keep their names; new ones are appended; aliases found in the passage
    are added (an alias the passage does not contain is dropped)."""
    text = passage.casefold()
    merged: dict[Kind, list[EntityDraft]] = {k: list(known.of(k)) for k, _ in KINDS}
    for kind, _ in KINDS:
        for draft in reply.of(kind):
            aliases = [a for a in draft.aliases if a.casefold() in text and a != draft.name]
            match = _find(merged[kind], draft)
            if match is None:
                merged[kind].append(draft.model_copy(update={"aliases": aliases}))
                continue
            extra = [a for a in [draft.name, *aliases] if a not in match.forms()]
            gender = match.gender if match.gender != "unknown" else draft.gender
            merged[kind][merged[kind].index(match)] = match.model_copy(
                update={"aliases": [*match.aliases, *extra], "gender": gender}
            )
    return EntityDrafts(
        characters=merged["character"], places=merged["place"], props=merged["prop"]
    )


def drafts_from_rules(chunk: Chunk, story: studio.Story) -> EntityReply:
    """The rule-based extraction of one chunk, as a reply (the fallback)."""
    pack = extract_entities(chunk.as_story(story), voices=[], narrator_voice="narrator")

    def drafts(entities: list[studio.Entity]) -> list[EntityDraft]:
        return [EntityDraft(name=e.name, aliases=e.aliases, gender=e.gender) for e in entities]

    return EntityReply(
        characters=drafts(pack.characters), places=drafts(pack.places), props=drafts(pack.props)
    )


async def extract_chunk_entities(
    chat: ChatModel, chunk: Chunk, known: EntityDrafts, *, max_attempts: int = 3
) -> Answer[EntityReply]:
    passage = chunk.text()
    prompt = load_prompt("entities")
    return await ask_structured(
        chat,
        # Story text (and names read from it) is fenced: data, never instructions.
        prompt.messages(known=neutralise(known_json(known)), passage=fence(passage)),
        EntityReply,
        name="entities",
        check=lambda reply: check_reply(reply, passage, known),
        max_attempts=max_attempts,
    )


def _entity(kind: Kind, draft: EntityDraft) -> studio.Entity:
    return studio.Entity(
        entity_id=entity_id_for(kind, draft.name),
        kind=kind,
        name=draft.name,
        aliases=sorted(set(draft.aliases) - {draft.name}),
        gender=draft.gender if kind == "character" else "unknown",
    )


def build_pack(
    drafts: EntityDrafts,
    story: studio.Story,
    *,
    voices: list[str],
    narrator_voice: str,
    voice_genders: dict[str, Gender] | None = None,
) -> studio.EntityPack:
    """The story's EntityPack from the drafts: mentions counted over the whole story, most
    mentioned first, one voice and one look per character (as the rule-based engine does)."""
    entities = [_entity(kind, d) for kind, _ in KINDS for d in drafts.of(kind)]
    unique = list({e.entity_id: e for e in entities}.values())
    index = build_mention_index(unique)
    counts: dict[str, int] = {}
    for _, entity_id in index.find(chunk_text(story.scenes)):
        counts[entity_id] = counts.get(entity_id, 0) + 1
    ranked = sorted(unique, key=lambda e: -counts.get(e.entity_id, 0))  # stable: story order
    kept = [e.model_copy(update={"mentions": counts[e.entity_id]})
            for e in ranked if counts.get(e.entity_id)]  # fmt: skip
    characters = [e for e in kept if e.kind == "character"]
    assigned = assign_voices(
        [(c.entity_id, c.gender) for c in characters], voices, narrator_voice, voice_genders
    )
    return studio.EntityPack(
        language=story.language,
        characters=[
            c.model_copy(update={"voice": assigned[c.entity_id], "look": look_for(c.entity_id)})
            for c in characters
        ],
        places=[e for e in kept if e.kind == "place"],
        props=[e for e in kept if e.kind == "prop"],
        narrator_voice=narrator_voice,
    )
