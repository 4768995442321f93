"""Subtitle text: line wrapping (42 units a line, CJK counts 42/16), SRT, VTT and ASS writers.

A cue that needs more than two lines is split into consecutive cues, its time shared in
proportion to text length, so no cue ever shows more than two lines.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import rjieba

from nexus.composer.specs import Cue
from nexus.contracts.studio import TimelinePlan

MAX_UNITS = 42.0
CJK_UNIT = MAX_UNITS / 16
MAX_LINES = 2
NO_LINE_START = set("，。！？、；：」』）》】〉”’…,.!?;:)]}%")
NO_LINE_END = set("「『（《【〈“‘([{")
_CJK_RANGES = (
    (0x2E80, 0x9FFF),  # radicals, kana, CJK symbols and punctuation, unified ideographs
    (0xAC00, 0xD7AF),  # hangul
    (0xF900, 0xFAFF),
    (0xFE30, 0xFE4F),
    (0xFF00, 0xFFEF),  # full-width forms
    (0x20000, 0x2FA1F),
)

_CJK_CLASS = "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
"""The same ranges as a regex character class."""


def is_cjk(char: str) -> bool:
    code = ord(char)
    return any(lo <= code <= hi for lo, hi in _CJK_RANGES)


def text_units(text: str) -> float:
    """Display width in line units: a CJK character is 42/16 units, anything else is one."""
    return sum(CJK_UNIT if is_cjk(c) else 1.0 for c in text)


def normalise_text(text: str) -> str:
    """Collapse whitespace; drop spaces between two CJK characters (they came from line breaks)."""
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(rf"(?<=[{_CJK_CLASS}]) (?=[{_CJK_CLASS}])", "", text)


def _cjk_words(run: str) -> list[str]:
    """Chinese words (jieba segmentation), so lines break between words, not inside them."""
    words: list[str] = []
    for word in rjieba.cut(run):
        if text_units(word) > MAX_UNITS / 2:
            words.extend(word)
        else:
            words.append(word)
    return words


def _tokens(text: str) -> list[str]:
    """Breakable pieces: Latin words with their leading space and CJK words, with closing
    punctuation glued to what precedes it and opening punctuation to what follows."""
    raw: list[str] = []
    for piece in re.findall(rf" ?[^\s{_CJK_CLASS}]+| ?[{_CJK_CLASS}]+", text):
        if is_cjk(piece.strip()[0]):
            words = _cjk_words(piece.strip())
            raw.extend([(" " if piece.startswith(" ") else "") + words[0], *words[1:]])
        else:
            raw.append(piece)
    tokens: list[str] = []
    for piece in raw:
        closes = piece[:1] in NO_LINE_START
        after_opener = bool(tokens) and tokens[-1].strip()[-1:] in NO_LINE_END
        if tokens and (closes or after_opener):
            tokens[-1] += piece
        else:
            tokens.append(piece)
    return tokens


def _greedy_lines(tokens: Sequence[str], max_units: float) -> list[str]:
    lines: list[str] = []
    current = ""
    for token in tokens:
        candidate = current + token
        if current and text_units(candidate.strip()) > max_units:
            lines.append(current.strip())
            current = token.lstrip()
        else:
            current = candidate
    if current.strip():
        lines.append(current.strip())
    return lines


def _balanced_pair(tokens: Sequence[str], max_units: float) -> list[str] | None:
    """Two lines of as equal a width as the break points allow, or None if none fits."""
    best: tuple[float, list[str]] | None = None
    for cut in range(1, len(tokens)):
        first = "".join(tokens[:cut]).strip()
        second = "".join(tokens[cut:]).strip()
        widths = (text_units(first), text_units(second))
        if max(widths) <= max_units and (best is None or max(widths) < best[0]):
            best = (max(widths), [first, second])
    return None if best is None else best[1]


def wrap_text(text: str, *, max_units: float = MAX_UNITS) -> list[str]:
    """Wrap one cue's text into lines of at most ``max_units``; may return more than two."""
    text = normalise_text(text)
    if text_units(text) <= max_units:
        return [text] if text else []
    tokens = _tokens(text)
    lines = _greedy_lines(tokens, max_units)
    if len(lines) == 2:
        return _balanced_pair(tokens, max_units) or lines
    return lines


def _split_even(tokens: Sequence[str], parts: int) -> list[list[str]]:
    """Cut tokens into ``parts`` runs of similar width (at token boundaries)."""
    total = sum(text_units(t) for t in tokens)
    groups: list[list[str]] = [[]]
    width = 0.0
    for token in tokens:
        target = total * len(groups) / parts
        token_w = text_units(token)
        past_half = width + token_w / 2 > target
        if groups[-1] and past_half and len(groups) < parts:
            groups.append([])
        groups[-1].append(token)
        width += token_w
    return groups


def split_into_chunks(text: str, *, max_units: float = MAX_UNITS) -> list[list[str]]:
    """The text as screens of at most two lines each, with the text spread evenly over them.

    Text already broken into lines that fit (the planner wraps every cue) is kept as it is,
    so the files show exactly the cues the timeline planned."""
    given = [line.strip() for line in text.split("\n") if line.strip()]
    if 0 < len(given) <= MAX_LINES and all(text_units(line) <= max_units for line in given):
        return [given]
    lines = wrap_text(text, max_units=max_units)
    if len(lines) <= MAX_LINES:
        return [lines] if lines else []
    tokens = _tokens(normalise_text(text))
    for parts in range((len(lines) + 1) // 2, len(lines) + 1):
        chunks = [wrap_text("".join(g), max_units=max_units) for g in _split_even(tokens, parts)]
        if all(len(chunk) <= MAX_LINES for chunk in chunks):
            return chunks
    return [[line] for line in lines]


def fit_cues(cues: Sequence[Cue], *, max_units: float = MAX_UNITS) -> list[Cue]:
    """Wrapped cues of at most two lines, in time order, never overlapping."""
    fitted: list[Cue] = []
    for cue in sorted(cues, key=lambda c: (c.start_s, c.end_s)):
        chunks = split_into_chunks(cue.text, max_units=max_units)
        weights = [sum(text_units(line) for line in chunk) for chunk in chunks]
        total = sum(weights) or 1.0
        start = cue.start_s
        for chunk, weight in zip(chunks, weights, strict=True):
            end = start + (cue.end_s - cue.start_s) * weight / total
            fitted.append(Cue(start_s=start, end_s=end, text="\n".join(chunk)))
            start = end
    return _remove_overlaps(fitted)


def _remove_overlaps(cues: Sequence[Cue]) -> list[Cue]:
    out: list[Cue] = []
    for i, cue in enumerate(cues):
        end = cue.end_s
        if i + 1 < len(cues):
            end = min(end, cues[i + 1].start_s)
        if end - cue.start_s >= 0.001:
            out.append(Cue(start_s=cue.start_s, end_s=end, text=cue.text))
    return out


def cues_from_timeline(timeline: TimelinePlan) -> list[Cue]:
    return [Cue(start_s=s.start_s, end_s=s.end_s, text=s.text) for s in timeline.subtitles]


def slice_cues(cues: Sequence[Cue], start_s: float, end_s: float) -> list[Cue]:
    """Cues overlapping [start_s, end_s), clipped to it, with times relative to ``start_s``."""
    local: list[Cue] = []
    for cue in cues:
        lo, hi = max(cue.start_s, start_s), min(cue.end_s, end_s)
        if hi - lo >= 0.001:
            local.append(Cue(start_s=lo - start_s, end_s=hi - start_s, text=cue.text))
    return local


# --- writers ---------------------------------------------------------------------------------


def _clock(seconds: float, sep: str) -> str:
    ms = max(0, round(seconds * 1000))
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    secs, ms = divmod(ms, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{sep}{ms:03d}"


def format_srt(cues: Sequence[Cue]) -> str:
    blocks = [
        f"{n}\n{_clock(c.start_s, ',')} --> {_clock(c.end_s, ',')}\n{c.text}\n"
        for n, c in enumerate(cues, start=1)
    ]
    return "\n".join(blocks)


def _vtt_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def format_vtt(cues: Sequence[Cue]) -> str:
    blocks = [
        f"{n}\n{_clock(c.start_s, '.')} --> {_clock(c.end_s, '.')}\n{_vtt_text(c.text)}\n"
        for n, c in enumerate(cues, start=1)
    ]
    return "WEBVTT\n\n" + "\n".join(blocks)


def _ass_clock(seconds: float) -> str:
    cs = max(0, round(seconds * 100))
    hours, cs = divmod(cs, 360_000)
    minutes, cs = divmod(cs, 6000)
    secs, cs = divmod(cs, 100)
    return f"{hours:d}:{minutes:02d}:{secs:02d}.{cs:02d}"


def _ass_text(text: str) -> str:
    text = text.replace("\\", "\u29f5").replace("{", "(").replace("}", ")")
    return text.replace("\n", "\\N")


def subtitle_font_size(width: int, height: int) -> int:
    """5.5% of the short side, capped so a 42-unit line fits in 90% of the width."""
    return max(12, min(round(min(width, height) * 0.055), int(width * 0.9 / (MAX_UNITS * 0.55))))


def build_ass(cues: Sequence[Cue], *, width: int, height: int, font: str) -> str:
    """An ASS script: bottom-centred, white with a dark outline and soft shadow."""
    size = subtitle_font_size(width, height)
    outline = max(2.0, round(size * 0.08, 1))
    margin_v = round(height * 0.06)
    margin_h = round(width * 0.05)
    header = (
        "[Script Info]\nScriptType: v4.00+\n"
        f"PlayResX: {width}\nPlayResY: {height}\nWrapStyle: 1\nScaledBorderAndShadow: yes\n\n"
        "[V4+ Styles]\nFormat: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, "
        "OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, "
        "Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, "
        "Encoding\n"
        f"Style: Default,{font},{size},&H00FFFFFF,&H000000FF,&H00101010,&H80000000,"
        f"0,0,0,0,100,100,0,0,1,{outline:g},1,2,{margin_h},{margin_h},{margin_v},1\n\n"
        "[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, "
        "Effect, Text\n"
    )
    events = [
        f"Dialogue: 0,{_ass_clock(c.start_s)},{_ass_clock(c.end_s)},Default,,0,0,0,,"
        f"{_ass_text(c.text)}\n"
        for c in cues
    ]
    return header + "".join(events)
