"""Finding known entities in text: an alias index shared by extraction and shot planning."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from nexus.contracts import studio

_HAN = re.compile(r"[\u4e00-\u9fff]")


def _pattern(alias: str) -> str:
    escaped = re.escape(alias)
    if _HAN.search(alias):
        return escaped  # Chinese has no word boundaries
    return rf"(?<![A-Za-z]){escaped}(?![A-Za-z])"


@dataclass(frozen=True)
class MentionIndex:
    """Compiled alias patterns; characters match case-sensitively ("Will" is not "will")."""

    people: re.Pattern[str] | None
    things: re.Pattern[str] | None
    ids: dict[str, str]

    def find(self, text: str) -> list[tuple[int, str]]:
        """(position, entity_id) of every mention, in text order, longest alias first."""
        found: list[tuple[int, str]] = []
        for pattern in (self.people, self.things):
            if pattern is None:
                continue
            for match in pattern.finditer(text):
                entity_id = self.ids.get(match.group(0)) or self.ids.get(match.group(0).lower())
                if entity_id:
                    found.append((match.start(), entity_id))
        return sorted(found)

    def ordered_ids(self, text: str) -> list[str]:
        """Distinct entity ids in order of first mention."""
        seen: dict[str, None] = {}
        for _, entity_id in self.find(text):
            seen.setdefault(entity_id, None)
        return list(seen)


def _aliases(entity: studio.Entity) -> list[str]:
    return [entity.name, *entity.aliases]


def build_mention_index(entities: Iterable[studio.Entity]) -> MentionIndex:
    """Index names and aliases; an alias two entities share is dropped as ambiguous."""
    owners: dict[tuple[bool, str], set[str]] = {}
    for entity in entities:
        person = entity.kind == "character"
        for alias in _aliases(entity):
            key = alias if person else alias.lower()
            owners.setdefault((person, key), set()).add(entity.entity_id)
    ids: dict[str, str] = {}
    people: list[str] = []
    things: list[str] = []
    for (person, alias), owner in owners.items():
        if len(owner) != 1 or not alias.strip():
            continue
        ids[alias] = next(iter(owner))
        (people if person else things).append(alias)
    return MentionIndex(_compile(people, 0), _compile(things, re.IGNORECASE), ids)


def _compile(aliases: list[str], flags: int) -> re.Pattern[str] | None:
    if not aliases:
        return None
    ordered = sorted(aliases, key=lambda a: (-len(a), a))
    return re.compile("|".join(_pattern(a) for a in ordered), flags)
