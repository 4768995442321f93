"""Places and props named by common nouns: "at the lighthouse", "the lantern", 在码头, 油灯."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import rjieba

from nexus.entity_core import lexicon
from nexus.entity_core.lexicon import words as _words

_DETERMINERS = r"the|a|an|his|her|their|our|my|your|its|this|that"
_NP = re.compile(
    rf"\b(?:{_DETERMINERS})\s+(?P<w1>[a-z\-]+)(?:\s+(?P<w2>[a-z\-]+))?(?P<tail>\s*[^\sA-Za-z]?)",
    re.IGNORECASE,
)
_PLACE_CUE = re.compile(
    rf"\b(?:{'|'.join(sorted(lexicon.PLACE_PREPOSITIONS, key=len, reverse=True))})\s+$",
    re.IGNORECASE,
)
_FUNCTION_WORDS = _words(
    """
    of and or in on at to from with by into onto was were is had has that which as for but
    so where when while
    """
)
_ADJECTIVES = _words(
    """
    old young little big small great long short dark bright cold warm last first next whole
    same other new black white red blue green grey gray empty narrow wide heavy tall low
    high wet dry quiet loud brass iron wooden broken only
    """
)


def _noun_phrases(text: str, vocabulary: frozenset[str]) -> Iterator[tuple[int, str | None, str]]:
    """(position, modifier, head) of determiner phrases whose head is in ``vocabulary``."""
    for m in _NP.finditer(text):
        w1, w2 = m.group("w1").lower(), (m.group("w2") or "").lower()
        if w2 in vocabulary and w1 not in lexicon.STOP_WORDS:
            yield m.start(), w1, w2
        elif w1 in vocabulary:
            yield m.start(), None, w1


def _bare_nouns(text: str) -> Iterator[tuple[int, str | None, str]]:
    """Determiner + noun (+ optional adjective) where the noun ends the phrase: "the kettle."."""
    for m in _NP.finditer(text):
        w1, w2 = m.group("w1").lower(), (m.group("w2") or "").lower()
        if not w2 or w2 in _FUNCTION_WORDS:
            yield m.start(), None, w1
        elif w1 in _ADJECTIVES and m.group("tail").strip():
            yield m.start(), w1, w2


@dataclass
class Thing:
    """A common-noun place or prop with the phrases that named it."""

    head: str
    count: int = 0
    cued: int = 0
    first_pos: int = 1 << 30
    phrases: Counter[str] = field(default_factory=Counter)

    def name(self) -> str:
        """The head noun, or the modifier + head phrase when every mention used it."""
        if self.phrases:
            phrase, n = max(self.phrases.items(), key=lambda kv: (kv[1], kv[0]))
            if n == self.count and phrase.split()[0] not in _ADJECTIVES:
                return phrase
        return self.head

    def aliases(self) -> list[str]:
        name = self.name()
        forms = {self.head, *self.phrases}
        return sorted(f for f in forms if f != name)


def note_thing(things: dict[str, Thing], head: str, mod: str | None, pos: int, cued: bool) -> None:
    thing = things.setdefault(head, Thing(head))
    thing.count += 1
    thing.cued += int(cued)
    thing.first_pos = min(thing.first_pos, pos)
    if mod and mod.lower() not in lexicon.STOP_WORDS:
        thing.phrases[f"{mod.lower()} {head}"] += 1


def english_places(texts: Iterable[tuple[int, str]]) -> list[Thing]:
    """Place nouns ("into the lantern room"), kept when a locative preposition precedes one."""
    things: dict[str, Thing] = {}
    for base, text in texts:
        for pos, mod, head in _noun_phrases(text, lexicon.PLACE_NOUNS):
            cued = _PLACE_CUE.search(text[:pos]) is not None
            note_thing(things, head, mod, base + pos, cued)
    return [t for t in things.values() if t.cued >= 1 or t.count >= 3]


def _prop_noun_ok(head: str) -> bool:
    if len(head) < 3 or head in lexicon.PLACE_NOUNS or head in _ADJECTIVES:
        return False
    if head in lexicon.STOP_WORDS or head in lexicon.NOT_PROP_NOUNS:
        return False
    return head not in lexicon.ENGLISH_SPEECH_VERBS and not head.endswith(("ly", "ing", "ed"))


def english_props(texts: Iterable[tuple[int, str]]) -> list[Thing]:
    """Listed prop nouns mentioned twice, or other "the X" nouns mentioned three times."""
    listed: dict[str, Thing] = {}
    other: dict[str, Thing] = {}
    for base, text in texts:
        for pos, mod, head in _noun_phrases(text, lexicon.PROP_NOUNS):
            note_thing(listed, head, mod, base + pos, True)
        for pos, mod, head in _bare_nouns(text):
            if head not in lexicon.PROP_NOUNS and _prop_noun_ok(head):
                note_thing(other, head, mod, base + pos, False)
    return [t for t in listed.values() if t.count >= 2] + [
        t for t in other.values() if t.count >= 3
    ]


def chinese_props(text: str) -> list[Thing]:
    """Listed Chinese prop nouns mentioned twice (油灯, 信封)."""
    props: dict[str, Thing] = {}
    pos = 0
    for word, _ in rjieba.tag(text):
        if word in lexicon.CHINESE_PROP_NOUNS:
            note_thing(props, word, None, pos, True)
        pos += len(word)
    return [t for t in props.values() if t.count >= 2]
