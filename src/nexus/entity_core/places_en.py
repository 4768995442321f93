"""English place evidence around a capitalised name (the gazetteer lives in ``gazetteer``).

The context rules see what stands before and after a mention ("in Dunmore", "Dunmore's
harbour", "the lights of Dunmore", "from York to Edinburgh").
"""

from __future__ import annotations

import re

from nexus.entity_core import lexicon

_WORDS = re.compile(r"[A-Za-z’']+")
# Verbs after which "to X" goes somewhere ("went to Leeds"), unlike "said to Anna".
_MOTION = lexicon.words(
    """
    went go goes going gone back way came come walked sailed drove flew moved travelled
    traveled returned ran rode headed train trip flight road ferry bus taxi cab car boat ship
    bridge crossing
    """
)
# Nouns whose "of X" is a place ("the streets of Bellmouth", "the lights of Dunmore").
_OF_HEADS = lexicon.PLACE_NOUNS | lexicon.words(
    "lights streets outskirts edge centre center heart people mayor harbour docks roofs"
)


def place_context(text: str, start: int, end: int) -> bool:
    """True when the words around ``text[start:end]`` put it in the role of a place."""
    before = [w.lower() for w in _WORDS.findall(text[max(0, start - 60) : start])]
    prev = before[-1] if before else ""
    prev2 = before[-2] if len(before) > 1 else ""
    if prev == "the" and prev2 in lexicon.PLACE_PREPOSITIONS and prev2 != "to":
        return True  # "in the Azores", "at the Corn Exchange"
    if prev in lexicon.PLACE_PREPOSITIONS and prev != "to":
        return True
    if prev == "to" and (_MOTION.intersection(before[-6:-1]) or "from" in before[-5:]):
        return True  # "went to Leeds", "a taxi across the bridge to Gulangyu", "from York to"
    if prev == "of" and (prev2 in _OF_HEADS or prev2 == "out"):
        return True  # "the streets of Bellmouth", "out of Lisbon"
    after = text[end : end + 30]
    possessive = text[max(start, end - 2) : end] in ("'s", "’s")
    noun = _WORDS.match(after.lstrip())
    return possessive and noun is not None and noun.group(0).lower() in lexicon.PLACE_NOUNS
