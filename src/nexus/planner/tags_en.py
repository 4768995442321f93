"""English speech tags and action beats next to a quotation: who speaks it, as written.

A tag names the speaker by name ("said Nora", "Mr. Abernathy called back"), by pronoun ("she
asked") or by role ("said the boy", "the constable said"); a line ending in a comma runs into
its tag, so any verb counts there ("Thank you," she gasped). An action beat is a sentence whose
subject acts beside an untagged quotation ("She shrugged. 'He was going our way.'").
"""

from __future__ import annotations

import re
from typing import Literal

from nexus.entity_core import lexicon

Pronoun = Literal["he", "she"]
Who = tuple[str | None, Pronoun | None]

_TITLE_ALT = "|".join(sorted((t.capitalize() for t in lexicon.TITLES), key=len, reverse=True))
_NAME = rf"(?:(?:{_TITLE_ALT})\.?\s+)?[A-Z][\w'’\-]*(?:\s+[A-Z][\w'’\-]*){{0,2}}"
_ROLE = r"(?:[Tt]he|[Hh]is|[Hh]er|[Tt]heir)\s+(?:(?:old|young|little|tall|small)\s+)?[a-z]+"
_WHO = rf"{_ROLE}|{_NAME}|[Hh]e|[Ss]he"
_VERB = "|".join(sorted(lexicon.ENGLISH_SPEECH_VERBS, key=len, reverse=True))
_TAG_AFTER_VERB_NAME = re.compile(rf"^[\s,;:—–-]*(?:{_VERB})\s+(?P<who>{_ROLE}|{_NAME}|he|she)\b")
_TAG_AFTER_NAME_VERB = re.compile(rf"^[\s,;:—–-]*(?P<who>{_WHO})\s+(?:\w+ly\s+)?(?:{_VERB})\b")
# After a comma the tag may use any past-tense verb: "Thank you," she gasped.
_TAG_AFTER_ANY_VERB = re.compile(rf"^[\s,;:—–-]*(?P<who>{_WHO})\s+(?:\w+ly\s+)?[a-z]+ed\b")
_TAG_BEFORE = re.compile(
    rf"(?P<who>{_WHO})\s+(?:\w+ly\s+)?(?:[a-z]+\s+){{0,6}}?(?:{_VERB})\b[^.!?]{{0,40}}[,:—–]\s*$"
)
_BEAT = re.compile(rf"^(?P<who>{_WHO})\s+(?:\w+ly\s+)?[a-z]+(?:ed|s)?\b")


def _clean_name(raw: str) -> str | None:
    """Trim possessives and refuse stop words ("The", "Then") as names."""
    name = re.sub(r"['’]s$", "", raw.strip())
    words = name.split()
    while words and words[0].lower() in lexicon.STOP_WORDS:
        words = words[1:]
    if not words:
        return None
    if words[0].rstrip(".").lower() in lexicon.TITLES and len(words) == 1:
        return None if words[0].rstrip(".").lower() not in lexicon.KIN_NAMES else words[0]
    return " ".join(words)


def _who(raw: str) -> Who:
    low = raw.lower()
    if low in ("he", "she"):
        return None, "he" if low == "he" else "she"
    if low.startswith(("the ", "his ", "her ", "their ")):
        role = low.split()[-1]
        if role in lexicon.ROLE_MALE:
            return low, "he"
        if role in lexicon.ROLE_FEMALE:
            return low, "she"
        return (low, None) if role in lexicon.TITLES else (None, None)
    return _clean_name(raw), None


def english_tag(narration: str, *, after_quote: bool, quote: str = "") -> Who:
    """The speaker named by an English speech tag next to a quotation, if any."""
    if after_quote:
        patterns = [_TAG_AFTER_VERB_NAME, _TAG_AFTER_NAME_VERB]
        if quote.rstrip().endswith(","):
            patterns.append(_TAG_AFTER_ANY_VERB)
        for pattern in patterns:
            match = pattern.search(narration)
            if match:
                return _who(match.group("who"))
        return None, None
    match = _TAG_BEFORE.search(narration)
    return _who(match.group("who")) if match else (None, None)


def english_beat(narration: str, *, after_quote: bool) -> Who:
    """The acting subject of the sentence next to a quotation ("She shrugged.")."""
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", narration.strip()) if s]
    if not sentences:
        return None, None
    sentence = sentences[0] if after_quote else sentences[-1]
    match = _BEAT.match(sentence)
    if match is None:
        return None, None
    who = match.group("who")
    if who.lower().startswith(("the ", "his ", "her ", "their ")) or who.lower() in ("he", "she"):
        return _who(who)
    name = _clean_name(who)
    return (name, None) if name and not name.lower().startswith(("it", "there")) else (None, None)
