"""Chinese speech tags next to a quotation: "王伯笑道", "林月说：", "她轻声说".

The subject opens the tag and the verb may come a clause later ("林海指着远处，大声喊道"); the
subject is a leading 他/她 or the first known name in the clause.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

import rjieba

from nexus.entity_core import lexicon, lexicon_zh

Who = tuple[str | None, Literal["he", "she"] | None]
_POSSESSOR = re.compile(r"^(?:她|他|我|你)的")
_PREFIXED = re.compile(
    rf"^[老小阿][\u4e00-\u9fff](?:[^{''.join(lexicon.CHINESE_NAME_BREAKERS)}])?"
    rf"(?=[{''.join(lexicon.CHINESE_NAME_BREAKERS)}])"
)
_ADDRESSEE_MARKS = frozenset("对跟向给和")
_LATIN_SUBJECT = re.compile(
    r"(?:(?:Mr|Mrs|Ms|Dr)\.\s*)?[A-Z][a-z]+(?:\s[A-Z][a-z]+){0,2}(?=[\u4e00-\u9fff]|$)"
)

_ZH_VERB = "|".join(lexicon.CHINESE_SPEECH_VERBS)
# The subject opens the tag; the verb may come a clause later ("林海指着远处，大声喊道").
_ZH_TAG_AFTER = re.compile(
    rf"^(?P<subj>[^。！？；“”「」]{{1,30}}?)(?<!知)(?:{_ZH_VERB})(?=[。，！？：:,；]|$)"
)
_ZH_TAG_BEFORE = re.compile(rf"(?:{_ZH_VERB})[^，。！？]{{0,3}}[：:，,]?\s*$")


def _clause_subject(clause: str, names: Sequence[str]) -> Who:
    """The subject opening one clause: 他/她, a known name (after 她的/他的: "她的母亲"), a
    Latin name ("Emily喊道") or 老/小/阿 + a name ("老杰克在后台")."""
    text = clause.strip("，,；; ")
    owner = _POSSESSOR.match(text)
    if owner is not None:
        text = text[owner.end() :]
    opening = [n for n in names if text.startswith(n)]
    if opening:
        return max(opening, key=len), None
    if owner is None and text.startswith(("她", "他")):
        return None, "she" if text.startswith("她") else "he"
    latin = _LATIN_SUBJECT.match(text)
    if latin:
        return latin.group(0), None
    prefixed = _PREFIXED.match(text)
    if prefixed is None or not _name_like(prefixed.group(0)):
        return None, None
    return prefixed.group(0), None


def _name_like(word: str) -> bool:
    """老杰克 is a name; 小声 (小声说) and 老是 are words."""
    if word in lexicon_zh.CHINESE_NOT_NAMES:
        return False
    if any(v.startswith(word) for v in lexicon.CHINESE_SPEECH_VERBS):
        return False
    tags = rjieba.tag(word)
    return not rjieba.has_word(word) or (len(tags) == 1 and tags[0][1] in ("nr", "nrt"))


def _zh_subject(sentence: str, names: Sequence[str]) -> Who:
    """The subject of the clause holding the speech verb, or of the nearest clause before it
    that has one ("舅舅一把接过箱子，笑着说"); else the first known name that is not spoken
    to ("对苏曼说": 苏曼 listens)."""
    clauses = [c for c in re.split(r"[，,；;]", sentence) if c.strip()]
    for clause in reversed(clauses):
        who = _clause_subject(clause, names)
        if who[0] or who[1]:
            return who
    best: tuple[int, str] | None = None
    for name in names:
        for match in re.finditer(re.escape(name), sentence):
            pos = match.start()
            if pos and sentence[pos - 1] in _ADDRESSEE_MARKS:
                continue
            if best is None or pos < best[0] or (pos == best[0] and len(name) > len(best[1])):
                best = (pos, name)
            break
    return (best[1], None) if best is not None else (None, None)


def chinese_tag(narration: str, names: Sequence[str], *, after_quote: bool) -> Who:
    """The speaker named by a Chinese speech tag ("王伯笑道", "林月说：") next to a quotation."""
    if after_quote:
        match = _ZH_TAG_AFTER.search(narration)
        return _zh_subject(match.group("subj"), names) if match else (None, None)
    sentence = re.split(r"[。！？]", narration)[-1]
    if not _ZH_TAG_BEFORE.search(sentence):
        return None, None
    return _zh_subject(sentence, names)


def chinese_beat(narration: str, names: Sequence[str], *, after_quote: bool) -> Who:
    """The subject opening the sentence next to an untagged quotation ("老马叹了口气。")."""
    sentences = [s for s in re.split(r"(?<=[。！？])", narration) if s.strip()]
    if not sentences:
        return None, None
    sentence = (sentences[0] if after_quote else sentences[-1]).lstrip("，, ")
    if sentence.startswith(("她", "他")):
        return None, "she" if sentence.startswith("她") else "he"
    starting = [n for n in names if sentence.startswith(n)]
    return (max(starting, key=len), None) if starting else (None, None)
