"""Chinese places: rjieba's place words, place heads glued back on, place nouns after a cue.

rjieba splits many names of places ("银锭" + "桥", "杭州" + "东站", "福来" + "客栈"): a place
head after a noun is glued back. A word the dictionary knows as a place that is a city in the
gazetteer or ends like a place (杭州, 黄浦江, 南京路) is a place wherever it stands; other
place-shaped words (鼓楼, 断桥) need a locative cue (在, 到, 走进 ...) or a second mention;
people's names never become places.
"""

from __future__ import annotations

from dataclasses import dataclass

import rjieba

from nexus.entity_core import gazetteer, lexicon, lexicon_zh
from nexus.entity_core.things import Thing, note_thing

_GLUE_BEFORE = ("n", "ns", "nz", "nr", "nrt", "s")
_ONE_CHAR_CUES = frozenset(p for p in lexicon.CHINESE_PLACE_PREPOSITIONS if len(p) == 1)
_SINGLE_HEADS = frozenset(h for h in lexicon_zh.CHINESE_PLACE_HEADS if len(h) == 1) | set(
    "河江湖山"
)
_PLACE_TAGS = ("n", "s", "nz", "ns")
_HEAD_TAILS = lexicon_zh.CHINESE_LOCATIVES | {"口", "头"}


@dataclass
class _Token:
    word: str
    tag: str
    pos: int
    cued: bool


def _tokens(text: str) -> list[_Token]:
    result: list[_Token] = []
    pos = 0
    prev, before_prev = "", ""
    for word, tag in rjieba.tag(text):
        cued = (
            prev in lexicon.CHINESE_PLACE_PREPOSITIONS
            or (prev in ("了", "着") and before_prev in lexicon.CHINESE_PLACE_PREPOSITIONS)
            or (len(prev) > 1 and prev[-1] in _ONE_CHAR_CUES)  # "周宁到" + 波士顿
        )
        result.append(_Token(word, tag, pos, cued))
        pos += len(word)
        before_prev, prev = prev, word
    return result


def _is_person(word: str, person_names: set[str]) -> bool:
    return any(n in word or word in n for n in person_names)


def _known_place(tok: _Token, following: _Token | None) -> bool:
    """A word rjieba's dictionary holds as a place name (杭州, 什刹海, 城隍庙), not as a
    nationality ("日本人")."""
    if tok.tag != "ns" or len(tok.word) < 2 or not rjieba.has_word(tok.word):
        return False
    if following is not None and following.word == "人":
        return False
    alone = rjieba.tag(tok.word)
    if len(alone) != 1 or alone[0][1] != "ns" or tok.word in lexicon.CHINESE_NOT_PLACES:
        return False
    # The dictionary also tags 河水 and 莲蓬 ns: a city, or a word ending like a place, is one.
    ends = tok.word.endswith(lexicon.CHINESE_PLACE_SUFFIXES)
    ends = ends or tok.word[-1] in lexicon_zh.CHINESE_PLACE_ENDINGS or tok.word[-1] in "江河湖海山"
    return ends or gazetteer.is_known_chinese_place(tok.word)


def _head(tok: _Token) -> str | None:
    """The place head a token is or opens: 桥, 东站, or 桥 of 桥边 / 路 of 路上."""
    if tok.word in lexicon_zh.CHINESE_PLACE_HEADS:
        return tok.word
    tail = tok.word[1:]
    if len(tok.word) == 2 and tok.word[0] in _SINGLE_HEADS and tail in _HEAD_TAILS:
        return tok.word[0]
    return None


def _place_shaped(tok: _Token) -> bool:
    """A word ending like a place (鼓楼, 断桥, 雷峰塔, 码头) or a common place noun."""
    if tok.word in lexicon.CHINESE_PLACE_NOUNS:
        return True
    ends = tok.word.endswith(lexicon.CHINESE_PLACE_SUFFIXES)
    ends = ends or tok.word[-1] in lexicon_zh.CHINESE_PLACE_ENDINGS
    if not rjieba.has_word(tok.word):
        return False  # 看村: a cut of rjieba's, not a word
    tags = (*_PLACE_TAGS, "nr")
    return len(tok.word) >= 2 and ends and tok.tag in tags


def chinese_places(text: str, person_names: set[str]) -> list[Thing]:
    """Places of a Chinese text, each kept when named, cued by a locative, or mentioned twice."""
    tokens = _tokens(text)
    places: dict[str, Thing] = {}
    for i, tok in enumerate(tokens):
        prev = tokens[i - 1] if i else None
        head = _head(tok)
        if (
            prev is not None
            and head is not None
            and prev.tag in _GLUE_BEFORE
            and len(prev.word) >= 2
            and not _is_person(prev.word, person_names)
        ):
            # rjieba splits 银锭桥 into 银锭 + 桥(边): glue the head back on; the glued name is
            # the place, and a lone 银锭 noted just before it is dropped.
            if places.get(prev.word) is not None and places[prev.word].first_pos == prev.pos:
                del places[prev.word]
            note_thing(places, prev.word + head, None, prev.pos, True)
            continue
        if tok.word in lexicon.CHINESE_NOT_PLACES or _is_person(tok.word, person_names):
            continue
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        if _known_place(tok, following):
            note_thing(places, tok.word, None, tok.pos, True)
        elif tok.cued and tok.tag == "nr" and rjieba.has_word(tok.word) and len(tok.word) >= 2:
            note_thing(places, tok.word, None, tok.pos, True)  # 到波士顿: rjieba tags it nr
        elif _place_shaped(tok):
            # A three-character dictionary word ending like a place names one (雷峰塔).
            named = len(tok.word) >= 3
            note_thing(places, tok.word, None, tok.pos, tok.cued or named)
    return [t for t in places.values() if t.cued >= 1 or t.count >= 2]
