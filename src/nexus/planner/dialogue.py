"""Quotation scanning and speaker attribution: which words are spoken, and who says them.

Works on one sentence (``split_quotes``) and one paragraph (``attribute_speakers``); knows
straight and curly double quotes, 「」 and 『』 (quotes within quotes stay inside the outer quote),
and British single quotes when a story uses no double quotes at all.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from nexus.entity_core import lexicon

QuoteStyle = Literal["double", "single"]

_CLOSERS_DOUBLE = {"“": "”", "「": "」", "『": "』", "«": "»", "„": "“"}
_CLOSERS_SINGLE = {"‘": "’"}


@dataclass
class Part:
    """A mutable sentence part while a paragraph is being attributed."""

    kind: Literal["narration", "dialogue"]
    text: str
    sentence: int
    speaker: str | None = None
    pronoun: Literal["he", "she"] | None = None


def detect_quote_style(text: str) -> QuoteStyle:
    if any(ch in text for ch in '"“「『«'):
        return "double"
    return "single" if re.search(r"(?:^|[\s(—])‘", text) else "double"


def _is_opener(text: str, i: int, style: QuoteStyle) -> str | None:
    """The closing character if ``text[i]`` opens a quotation, else None."""
    ch = text[i]
    if ch == '"' and style == "double":
        return '"'
    table = _CLOSERS_DOUBLE if style == "double" else _CLOSERS_SINGLE
    if ch not in table:
        return None
    if style == "single" and i > 0 and text[i - 1].isalnum():
        return None  # a mid-word apostrophe, not a quotation
    return table[ch]


def _find_close(text: str, start: int, opener: str, closer: str) -> int:
    """Index of the matching closer (curly quotes nest), or len(text) when left open."""
    depth = 0
    for j in range(start, len(text)):
        ch = text[j]
        if ch == closer and depth == 0:
            if closer == "’" and j + 1 < len(text) and text[j + 1].isalpha():
                continue  # "don’t" inside a single-quoted line
            return j
        if ch == closer:
            depth -= 1
        elif ch == opener and opener != closer:
            depth += 1
    return len(text)


def split_quotes(text: str, style: QuoteStyle = "double") -> list[tuple[str, str]]:
    """Split a sentence into ("narration"|"dialogue", text) runs, quotes removed from dialogue."""
    runs: list[tuple[str, str]] = []
    buf: list[str] = []
    i = 0
    while i < len(text):
        closer = _is_opener(text, i, style)
        if closer is None:
            buf.append(text[i])
            i += 1
            continue
        end = _find_close(text, i + 1, text[i], closer)
        _flush(runs, "narration", "".join(buf))
        buf = []
        _flush(runs, "dialogue", text[i + 1 : end])
        i = end + 1
    _flush(runs, "narration", "".join(buf))
    return runs


def _flush(runs: list[tuple[str, str]], kind: str, text: str) -> None:
    cleaned = text.strip()
    if re.search(r"\w", cleaned):
        runs.append((kind, cleaned))


def has_open_quote(text: str, style: QuoteStyle = "double") -> bool:
    """True when ``text`` ends inside a quotation (a sentence splitter cut through it)."""
    i = 0
    while i < len(text):
        closer = _is_opener(text, i, style)
        if closer is not None:
            end = _find_close(text, i + 1, text[i], closer)
            if end >= len(text):
                return True
            i = end
        i += 1
    return False


# --- English speech tags --------------------------------------------------------------

_TITLE_ALT = "|".join(sorted((t.capitalize() for t in lexicon.TITLES), key=len, reverse=True))
_NAME = rf"(?:(?:{_TITLE_ALT})\.?\s+)?[A-Z][\w'’\-]*(?:\s+[A-Z][\w'’\-]*){{0,2}}"
_VERB = "|".join(sorted(lexicon.ENGLISH_SPEECH_VERBS, key=len, reverse=True))
_TAG_AFTER_VERB_NAME = re.compile(rf"^[\s,;:—–-]*(?:{_VERB})\s+(?P<who>{_NAME}|he|she)\b")
_TAG_AFTER_NAME_VERB = re.compile(
    rf"^[\s,;:—–-]*(?P<who>{_NAME}|[Hh]e|[Ss]he)\s+(?:\w+ly\s+)?(?:{_VERB})\b"
)
_TAG_BEFORE = re.compile(
    rf"(?P<who>{_NAME}|[Hh]e|[Ss]he)\s+(?:\w+ly\s+)?(?:[a-z]+\s+){{0,6}}?(?:{_VERB})\b"
    rf"[^.!?]{{0,40}}[,:—–]\s*$"
)


def _clean_name(raw: str) -> str | None:
    """Trim possessives and refuse stop words ("The", "Then") as names."""
    name = re.sub(r"['’]s$", "", raw.strip())
    words = name.split()
    while words and words[0].lower() in lexicon.STOP_WORDS:
        words = words[1:]
    if not words:
        return None
    if words[0].rstrip(".").lower() in lexicon.TITLES and len(words) == 1:
        return None
    return " ".join(words)


def _who(raw: str) -> tuple[str | None, Literal["he", "she"] | None]:
    low = raw.lower()
    if low in ("he", "she"):
        return None, "he" if low == "he" else "she"
    return _clean_name(raw), None


def english_tag(
    narration: str, *, after_quote: bool
) -> tuple[str | None, Literal["he", "she"] | None]:
    """The speaker named by an English speech tag next to a quotation, if any."""
    if after_quote:
        for pattern in (_TAG_AFTER_VERB_NAME, _TAG_AFTER_NAME_VERB):
            match = pattern.search(narration)
            if match:
                return _who(match.group("who"))
        return None, None
    match = _TAG_BEFORE.search(narration)
    return _who(match.group("who")) if match else (None, None)


# --- Chinese speech tags --------------------------------------------------------------

_ZH_VERB = "|".join(lexicon.CHINESE_SPEECH_VERBS)
# The subject opens the tag; the verb may come a clause later ("林海指着远处，大声喊道").
_ZH_TAG_AFTER = re.compile(
    rf"^(?P<subj>[^。！？；“”「」]{{1,30}}?)(?<!知)(?:{_ZH_VERB})(?=[。，！？：:,；]|$)"
)
_ZH_TAG_BEFORE = re.compile(rf"(?:{_ZH_VERB})[^，。！？]{{0,3}}[：:，,]?\s*$")


def _zh_subject(
    clause: str, names: Sequence[str]
) -> tuple[str | None, Literal["he", "she"] | None]:
    """A leading 他/她, else the first known name in the clause (the subject comes first)."""
    stripped = clause.lstrip("，, ")
    if stripped.startswith(("她", "他")):
        return None, "she" if stripped.startswith("她") else "he"
    best: tuple[int, str] | None = None
    for name in names:
        pos = clause.find(name)
        if pos >= 0 and (
            best is None or pos < best[0] or (pos == best[0] and len(name) > len(best[1]))
        ):
            best = (pos, name)
    return (best[1], None) if best is not None else (None, None)


def chinese_tag(
    narration: str, names: Sequence[str], *, after_quote: bool
) -> tuple[str | None, Literal["he", "she"] | None]:
    """The speaker named by a Chinese speech tag ("王伯笑道", "林月说：") next to a quotation."""
    if after_quote:
        match = _ZH_TAG_AFTER.search(narration)
        return _zh_subject(match.group("subj"), names) if match else (None, None)
    sentence = re.split(r"[。！？]", narration)[-1]
    if not _ZH_TAG_BEFORE.search(sentence):
        return None, None
    return _zh_subject(sentence, names)


def attribute_speakers(
    parts: list[Part], *, language: Literal["zh", "en"], names: Sequence[str] = ()
) -> None:
    """Set speaker/pronoun on each dialogue part of one paragraph, in place.

    A tag right after a quotation wins over one right before it; quotations left without a tag
    take the paragraph's only named speaker (one paragraph, one speaker is the prose convention).
    """
    for i, part in enumerate(parts):
        if part.kind != "dialogue":
            continue
        for j, after in ((i + 1, True), (i - 1, False)):
            if not 0 <= j < len(parts) or parts[j].kind != "narration":
                continue
            text = parts[j].text
            if language == "zh":
                who, pronoun = chinese_tag(text, names, after_quote=after)
            else:
                who, pronoun = english_tag(text, after_quote=after)
            if who or pronoun:
                part.speaker, part.pronoun = who, pronoun
                break
    named = {p.speaker for p in parts if p.kind == "dialogue" and p.speaker}
    pronouns: set[Literal["he", "she"]] = {
        p.pronoun for p in parts if p.kind == "dialogue" and p.pronoun is not None
    }
    for part in parts:
        if part.kind == "dialogue" and not part.speaker and not part.pronoun:
            if len(named) == 1 and not pronouns:
                part.speaker = next(iter(named))
            elif len(pronouns) == 1 and not named:
                part.pronoun = next(iter(pronouns))
