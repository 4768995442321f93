"""Quotation scanning and speaker attribution: which words are spoken, and who says them.

Works on one sentence (``split_quotes``) and one paragraph (``attribute_speakers``); knows
straight and curly double quotes, 「」 and 『』 (quotes within quotes stay inside the outer quote),
and British single quotes (curly or straight) when a story uses no double quotes at all. Speech
tags live in ``tags_en`` and ``tags_zh``; a quoted term or title is narration, not speech.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from nexus.planner import tags_en, tags_zh

QuoteStyle = Literal["double", "single"]
Who = tuple[str | None, Literal["he", "she"] | None]

_CLOSERS_DOUBLE = {"“": "”", "「": "」", "『": "』", "«": "»", "„": "“"}
_CLOSERS_SINGLE = {"‘": "’", "'": "'"}


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
    return "single" if re.search(r"(?:^|[\s(—])[‘']\w", text) else "double"


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
    if ch == "'" and (i + 1 >= len(text) or text[i + 1].isspace()):
        return None  # a closing apostrophe ("the boys' boat"), not an opener
    return table[ch]


def _find_close(text: str, start: int, opener: str, closer: str) -> int:
    """Index of the matching closer (curly quotes nest), or len(text) when left open."""
    depth = 0
    for j in range(start, len(text)):
        ch = text[j]
        if ch == closer and depth == 0:
            if closer in "’'" and j + 1 < len(text) and text[j + 1].isalpha():
                continue  # "don’t" inside a single-quoted line
            return j
        if ch == closer:
            depth -= 1
        elif ch == opener and opener != closer:
            depth += 1
    return len(text)


# A quoted term or title has no punctuation and is short: "The Drowned Orchard", “风筝谱”.
_SPEECH_MARKS = re.compile(r"[.,!?;:…—–，。！？；：、～~]")


def is_quoted_term(quoted: str) -> bool:
    """True for a quoted name, title or word that the narration reads, not a line of speech."""
    text = quoted.strip()
    if not text or _SPEECH_MARKS.search(text):
        return False
    han = len(re.findall(r"[\u4e00-\u9fff]", text))
    words = len(re.findall(r"[A-Za-z][\w'’\-]*", text))
    return (han == 0 and words <= 6) or (words == 0 and han <= 8)


def split_quotes(text: str, style: QuoteStyle = "double") -> list[tuple[str, str]]:
    """Split a sentence into ("narration"|"dialogue", text) runs, quotes removed from dialogue.

    A quoted term or title stays in the narration with its quotation marks.
    """
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
        if end < len(text) and is_quoted_term(text[i + 1 : end]):
            buf.append(text[i : end + 1])
            i = end + 1
            continue
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


def _tag(text: str, *, after: bool, quote: str, language: str, names: Sequence[str]) -> Who:
    """A speech tag in either language, the paragraph's language first (mixed stories)."""
    for lang in ("zh", "en") if language == "zh" else ("en", "zh"):
        if lang == "zh":
            who = tags_zh.chinese_tag(text, names, after_quote=after)
        else:
            who = tags_en.english_tag(text, after_quote=after, quote=quote)
        if who[0] or who[1]:
            return who
    return None, None


def _beat(text: str, *, after: bool, names: Sequence[str]) -> Who:
    who = tags_en.english_beat(text, after_quote=after)
    if who[0] or who[1]:
        return who
    return tags_zh.chinese_beat(text, names, after_quote=after)


def _neighbours(parts: list[Part], i: int) -> list[tuple[str, bool]]:
    """(narration text, whether it follows the quotation) right after, then right before."""
    found: list[tuple[str, bool]] = []
    for j, after in ((i + 1, True), (i - 1, False)):
        if 0 <= j < len(parts) and parts[j].kind == "narration":
            found.append((parts[j].text, after))
    return found


def attribute_speakers(
    parts: list[Part], *, language: Literal["zh", "en"], names: Sequence[str] = ()
) -> None:
    """Set speaker/pronoun on each dialogue part of one paragraph, in place.

    A tag right after a quotation wins over one right before it; quotations left without a tag
    take the paragraph's only named speaker (one paragraph, one speaker is the prose
    convention), else the subject of the action beat beside them ("She shrugged.").
    """
    for i, part in enumerate(parts):
        if part.kind != "dialogue":
            continue
        for text, after in _neighbours(parts, i):
            who = _tag(text, after=after, quote=part.text, language=language, names=names)
            if who[0] or who[1]:
                part.speaker, part.pronoun = who
                break
    named = {p.speaker for p in parts if p.kind == "dialogue" and p.speaker}
    pronouns: set[Literal["he", "she"]] = {
        p.pronoun for p in parts if p.kind == "dialogue" and p.pronoun is not None
    }
    for i, part in enumerate(parts):
        if part.kind != "dialogue" or part.speaker or part.pronoun:
            continue
        if len(named) == 1 and not pronouns:
            part.speaker = next(iter(named))
        elif len(pronouns) == 1 and not named:
            part.pronoun = next(iter(pronouns))
        else:
            for text, after in sorted(_neighbours(parts, i), key=lambda n: n[1]):
                who = _beat(text, after=after, names=names)
                if who[0] or who[1]:
                    part.speaker, part.pronoun = who
                    break
