"""Chinese speech tags next to a quotation: "王伯笑道", "林月说：", "她轻声说".

The subject opens the tag and the verb may come a clause later ("林海指着远处，大声喊道"); the
subject is a leading 他/她 or the first known name in the clause.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from nexus.entity_core import lexicon

Who = tuple[str | None, Literal["he", "she"] | None]
_LATIN_SUBJECT = re.compile(
    r"(?:(?:Mr|Mrs|Ms|Dr)\.\s*)?[A-Z][a-z]+(?:\s[A-Z][a-z]+){0,2}(?=[\u4e00-\u9fff])"
)

_ZH_VERB = "|".join(lexicon.CHINESE_SPEECH_VERBS)
# The subject opens the tag; the verb may come a clause later ("林海指着远处，大声喊道").
_ZH_TAG_AFTER = re.compile(
    rf"^(?P<subj>[^。！？；“”「」]{{1,30}}?)(?<!知)(?:{_ZH_VERB})(?=[。，！？：:,；]|$)"
)
_ZH_TAG_BEFORE = re.compile(rf"(?:{_ZH_VERB})[^，。！？]{{0,3}}[：:，,]?\s*$")


def _zh_subject(clause: str, names: Sequence[str]) -> Who:
    """A leading 他/她, else the first known name in the clause (the subject comes first)."""
    stripped = clause.lstrip("，, ")
    if stripped.startswith(("她", "他")):
        return None, "she" if stripped.startswith("她") else "he"
    latin = _LATIN_SUBJECT.match(stripped)
    if latin:
        return latin.group(0), None  # "Emily喊道" in a mixed story
    best: tuple[int, str] | None = None
    for name in names:
        pos = clause.find(name)
        if pos >= 0 and (
            best is None or pos < best[0] or (pos == best[0] and len(name) > len(best[1]))
        ):
            best = (pos, name)
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
