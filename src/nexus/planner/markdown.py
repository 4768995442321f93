"""Markdown and plain-text block parsing: headings, scene breaks and paragraphs, markup removed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from nexus.planner.text import HAN_RE

_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_SETEXT_H1 = re.compile(r"^\s{0,3}=+\s*$")
_BREAK = re.compile(
    r"^\s{0,3}(?:(?:[*＊]\s*){3,}|(?:-\s*){3,}|(?:_\s*){3,}|(?:~\s*){3,}|⁂|§|#)\s*$"
)
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_LINK_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*\S+")
_FRONT_MATTER = re.compile(r"\A---\n(?:[\w\-]+:.*\n)+?---\n")
_LINE_PREFIX = re.compile(r"^\s{0,3}(?:>\s?)+|^\s*(?:[-*+]|\d{1,3}[.)])\s+")

_INLINE: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"<!--.*?-->", re.S), ""),
    (re.compile(r"!\[[^\]]*\]\([^)]*\)"), ""),
    (re.compile(r"\[\^[^\]]+\]"), ""),
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),
    (re.compile(r"\[([^\]]+)\]\[[^\]]*\]"), r"\1"),
    (re.compile(r"`([^`]*)`"), r"\1"),
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),
    (re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])"), r"\1"),
    (re.compile(r"(?<![\w_])_(?=\S)(.+?)(?<=\S)_(?![\w_])"), r"\1"),
    (re.compile(r"~~(.+?)~~"), r"\1"),
    (re.compile(r"</?[A-Za-z][^>]*>"), ""),
    (re.compile(r"\\([\\`*_{}\[\]()#+\-.!>])"), r"\1"),
]


@dataclass(frozen=True)
class Block:
    kind: Literal["heading", "break", "paragraph"]
    text: str = ""
    level: int = 0


def strip_inline(text: str) -> str:
    """Remove inline Markdown (emphasis, links, code, HTML) and keep the words."""
    for pattern, repl in _INLINE:
        text = pattern.sub(repl, text)
    return re.sub(r"[ \t]+", " ", text).strip()


def join_lines(lines: list[str]) -> str:
    """Join a paragraph's lines: a space between Latin words, nothing between Han characters."""
    out = ""
    for line in lines:
        line = line.strip()
        if not line:
            continue
        if out and not (HAN_RE.match(line[0]) or HAN_RE.match(out[-1])):
            out += " "
        out += line
    return out


def parse_blocks(text: str) -> list[Block]:
    """Split normalised text into headings, scene breaks and paragraphs.

    Runs of two or more blank lines become scene breaks only when the story has no headings
    and no break markers: in structured Markdown they are just spacing.
    """
    text = _FRONT_MATTER.sub("", text)
    text = _INLINE[0][0].sub("", text)  # HTML comments may span lines
    raw = _raw_blocks(text.split("\n"))
    structured = any(b.kind == "heading" or (b.kind == "break" and b.level == 0) for b in raw)
    blocks: list[Block] = []
    for block in raw:
        if block.kind == "break" and block.level == 1 and structured:
            continue  # a blank-line gap in a structured document
        if block.kind == "paragraph":
            cleaned = strip_inline(block.text)
            if not re.search(r"\w", cleaned):
                continue
            block = Block("paragraph", cleaned)
        elif block.kind == "heading":
            block = Block("heading", strip_inline(block.text), block.level)
        blocks.append(block)
    return blocks


def _raw_blocks(lines: list[str]) -> list[Block]:
    """Line-level scan. A break Block with level 1 marks a blank-line gap, level 0 a marker."""
    blocks: list[Block] = []
    para: list[str] = []
    blanks = 0
    in_fence = False

    def flush() -> None:
        if para:
            blocks.append(Block("paragraph", join_lines(para)))
            para.clear()

    for line in lines:
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        if not line.strip():
            flush()
            blanks += 1
            continue
        if blanks >= 2 and blocks:
            blocks.append(Block("break", level=1))
        blanks = 0
        if in_fence:
            para.append(line)
            continue
        heading = _HEADING.match(line)
        if heading:
            flush()
            blocks.append(Block("heading", heading.group(2), len(heading.group(1))))
        elif _SETEXT_H1.match(line) and para:
            title = para.pop()
            flush()
            blocks.append(Block("heading", title, 1))
        elif _BREAK.match(line):
            flush()
            blocks.append(Block("break"))
        elif not _LINK_DEF.match(line):
            para.append(_LINE_PREFIX.sub("", line))
    flush()
    return blocks
