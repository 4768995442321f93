"""Subtitle fitting: wrap text into at most two lines, and cut long text into cue-sized pieces.

Limits: a line is 42 units wide, a Latin character one unit and a CJK one 42/16 (42 Latin
characters, 16 Chinese ones, or a mix: a Chinese name in an English line no longer cuts the
line to 16 characters), at most 2 lines per cue. Every
SpeechLine the planner makes passes ``fits_cue``, so one line of speech is one subtitle cue.
Reading speed: a cue stays up at least ``min_cue_s`` (20 characters a second, 9 with Han).
"""

from __future__ import annotations

import re

import rjieba

from nexus.planner.text import HAN_RE

MAX_LINE_CHARS = 42
MAX_LINE_CHARS_CJK = 16
MAX_LINES = 2
MAX_CPS = 20.0
"""Reading speed limit of a cue without Han characters: characters (spaces and punctuation
included, line breaks not) per second on screen."""
MAX_CPS_CJK = 9.0
"""The same for a cue holding Han characters (each one is read, not skimmed)."""

_NO_LINE_START = set("，。！？、；：,.!?;:”」』）)…—’%")
_NO_LINE_END = set("“「『（(‘")
_SENTENCE_END = re.compile(r"[.!?。！？…]+[”」』\"’)）]*")
_CLAUSE_END = re.compile(r"[,;:，；：、—–]+[”」』\"’)）]*")


CJK_UNIT = MAX_LINE_CHARS / MAX_LINE_CHARS_CJK
_WIDE = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]")


def display_units(text: str) -> float:
    """Line width in units of a Latin character: a CJK (or full-width) one counts 42/16, so
    a line holds 42 Latin characters, 16 Chinese ones, or a mix (as the composer measures)."""
    wide = len(_WIDE.findall(text))
    return wide * CJK_UNIT + (len(text) - wide)


def fits_line(line: str) -> bool:
    return display_units(line) <= MAX_LINE_CHARS + 1e-9


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _break_points(text: str) -> list[int]:
    """Indices where a line may break (the break is before text[i]; a space there is dropped)."""
    points: list[int] = []
    for i in range(1, len(text)):
        prev, cur = text[i - 1], text[i]
        cjk_gap = (
            prev != " "
            and (HAN_RE.match(cur) or HAN_RE.match(prev) or cur in "“「『")
            and cur not in _NO_LINE_START
            and prev not in _NO_LINE_END
        )
        if cur == " " or cjk_gap:
            points.append(i)
    return points


def _split_at(text: str, i: int) -> tuple[str, str]:
    return text[:i].rstrip(), text[i:].lstrip()


def _capacity(text: str) -> int:
    """How many leading characters of ``text`` fit on one line (at least one)."""
    width = 0.0
    for i, ch in enumerate(text):
        width += CJK_UNIT if _WIDE.match(ch) else 1.0
        if width > MAX_LINE_CHARS + 1e-9:
            return max(1, i)
    return len(text)


def _greedy(text: str) -> list[str]:
    lines: list[str] = []
    rest = text
    while not fits_line(rest):
        limit = _capacity(rest)
        points = [p for p in _break_points(rest) if p <= limit]
        cut = points[-1] if points else limit
        head, rest = _split_at(rest, cut)
        lines.append(head)
    return [*lines, rest] if rest else lines


def wrap_subtitle(text: str, lang: str = "en") -> str:
    """Wrap ``text`` for display: one line if it fits, else two balanced lines joined by "\\n".

    Text too long for two lines is wrapped greedily into more; ``fits_cue`` reports that.
    """
    del lang  # widths are measured per character, whatever the story's language
    text = _clean(text)
    if fits_line(text):
        return text
    best: tuple[float, int] | None = None
    char_w = display_units(text) / len(text)  # the punctuation bonus is ~3 characters wide
    for i in _break_points(text):
        first, second = _split_at(text, i)
        if fits_line(first) and fits_line(second):
            # Balanced lines read best; a break after punctuation reads better still.
            score = abs(display_units(first) - display_units(second)) - (
                3 * char_w if first[-1] in ",;:，；：、.!?。！？" else 0
            )
            if best is None or score < best[0]:
                best = (score, i)
    if best is not None:
        return "\n".join(_split_at(text, best[1]))
    return "\n".join(_greedy(text))


def cue_chars(text: str) -> int:
    """Characters a reader reads in a cue: everything but line breaks."""
    return len(text.replace("\n", ""))


def min_cue_s(text: str) -> float:
    """The shortest time ``text`` may stay on screen: its characters at MAX_CPS(_CJK)."""
    return cue_chars(text) / (MAX_CPS_CJK if HAN_RE.search(text) else MAX_CPS)


def fits_cue(text: str, lang: str = "en") -> bool:
    lines = wrap_subtitle(text, lang).split("\n")
    return len(lines) <= MAX_LINES and all(fits_line(line) for line in lines)


def _cut_candidates(text: str) -> list[list[int]]:
    """Cut positions by preference: sentence ends, clause punctuation, then word boundaries."""
    sentence = [m.end() for m in _SENTENCE_END.finditer(text) if m.end() < len(text)]
    clause = [m.end() for m in _CLAUSE_END.finditer(text) if m.end() < len(text)]
    if HAN_RE.search(text):
        words: list[int] = []
        pos = 0
        for token in rjieba.cut(text):
            pos += len(token)
            if 0 < pos < len(text) and text[pos] not in _NO_LINE_START:
                words.append(pos)
        words += [i for i in _break_points(text) if text[i] == " "]
    else:
        words = [i for i, ch in enumerate(text) if ch == " "]
    return [sentence, clause, sorted(set(words))]


def _best_cut(text: str, lang: str) -> int:
    min_left = max(4, len(text) // 4)  # no stub pieces: a cut leaves a quarter at least
    for level, cuts in enumerate(_cut_candidates(text)):
        fitting = [c for c in cuts if c >= min_left and fits_cue(text[:c], lang)]
        if not fitting:
            continue
        if level == 2:
            balanced = [c for c in fitting if fits_cue(text[c:], lang)]
            if balanced:
                return min(balanced, key=lambda c: abs(2 * c - len(text)))
        return fitting[-1]
    # No boundary fits (one enormous word): cut hard at the line capacity.
    first = _capacity(text)
    return max(1, first + _capacity(text[first:]) - 1)


def split_for_cues(text: str, lang: str = "en") -> list[str]:
    """Cut text into pieces that each fit one subtitle cue, preferring sentence then clause ends."""
    text = _clean(text)
    if not text:
        return []
    if fits_cue(text, lang):
        return [text]
    cut = _best_cut(text, lang)
    left, right = text[:cut].strip(), text[cut:].strip()
    if not left or not right:
        left, right = text[: len(text) // 2], text[len(text) // 2 :]
    return split_for_cues(left, lang) + split_for_cues(right, lang)
