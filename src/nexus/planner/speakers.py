"""Resolving who speaks each quotation: named tags, pronoun tags, action beats, alternation."""

from __future__ import annotations

from dataclasses import dataclass, field

from nexus.contracts import studio
from nexus.entity_core.mentions import MentionIndex


@dataclass
class SpeakerContext:
    """What one scene has seen so far: who was mentioned or spoke, most recent last."""

    recent: list[str] = field(default_factory=list)
    turns: list[tuple[int, str | None]] = field(default_factory=list)  # (paragraph, speaker)

    def saw(self, entity_id: str) -> None:
        if entity_id in self.recent:
            self.recent.remove(entity_id)
        self.recent.append(entity_id)


def _by_surface(surface: str, index: MentionIndex) -> str | None:
    direct = index.ids.get(surface)
    if direct and direct.startswith("chr_"):
        return direct
    if surface.startswith("the "):
        return _by_role(surface.split()[-1], index)
    found = [eid for eid in index.ordered_ids(surface) if eid.startswith("chr_")]
    return found[0] if found else None


def _by_role(role: str, index: MentionIndex) -> str | None:
    """ "the constable" is the one character titled Constable ("Constable Harris")."""
    owners = {
        eid
        for alias, eid in index.ids.items()
        if eid.startswith("chr_") and alias.split()[0].rstrip(".").lower() == role
    }
    return next(iter(owners)) if len(owners) == 1 else None


def _by_pronoun(pronoun: str, ctx: SpeakerContext, genders: dict[str, str]) -> str | None:
    """The most recent character the pronoun can refer to (its gender, or gender unknown).

    A character of unknown gender who spoke the line before is passed over when one of the
    pronoun's gender is around ("Thank you," she said. / "Don't," he said.).
    """
    wanted = "male" if pronoun == "he" else "female"
    last = ctx.turns[-1][1] if ctx.turns else None
    known = any(genders.get(e) == wanted for e in ctx.recent)
    for entity_id in reversed(ctx.recent):
        gender = genders.get(entity_id, "unknown")
        if gender == wanted:
            return entity_id
        if gender == "unknown" and not (known and entity_id == last):
            return entity_id
    return None


def _by_alternation(paragraph: int, ctx: SpeakerContext) -> str | None:
    """A, B, then an untagged quotation in the next paragraph: A again (prose convention)."""
    if len(ctx.turns) < 2:
        return None
    (p1, a), (p2, b) = ctx.turns[-2], ctx.turns[-1]
    if a and b and a != b and p2 == paragraph - 1 and p1 == paragraph - 2:
        return a
    return None


def resolve_speaker(
    part: studio.SentencePart,
    *,
    paragraph: int,
    paragraph_people: list[str],
    ctx: SpeakerContext,
    index: MentionIndex,
    genders: dict[str, str],
) -> str | None:
    """The character id speaking ``part`` (a dialogue part), or None for the narrator."""
    if part.speaker:
        found = _by_surface(part.speaker, index)
        if found:
            return found
    if part.speaker_pronoun:
        return _by_pronoun(part.speaker_pronoun, ctx, genders)
    addressee = _addressee(part.text, index)
    if len(paragraph_people) == 1 and paragraph_people[0] != addressee:
        return paragraph_people[0]  # an action beat: 'Anna laughed. "It never does."'
    turn = _by_alternation(paragraph, ctx)
    if addressee is None or (turn is not None and turn != addressee):
        return turn
    # "Zheng, how is she?" is not said by Zheng: the one who last spoke or was named besides.
    return next((e for e in reversed(ctx.recent) if e != addressee), None)


def _addressee(text: str, index: MentionIndex) -> str | None:
    """The character a quotation opens by calling ("Tom, wait!", "郑郎中，我娘怎么样了？")."""
    found = index.find(text[:12])
    if not found or not found[0][1].startswith("chr_"):
        return None
    start, entity_id = found[0]
    if start > 2:
        return None
    rest = text[start:]
    names = [a for a, eid in index.ids.items() if eid == entity_id and rest.startswith(a)]
    name = max(names, key=len) if names else ""
    return entity_id if name and rest[len(name) : len(name) + 1] in (",", "，", "!", "！") else None
