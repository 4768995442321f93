"""Story ingest: bytes in, a normalised Story out (scenes, sentences, dialogue with speakers).

Pure and deterministic: the same bytes always give the same Story. Refuses empty, binary,
oversized and undecodable input with a NexusError carrying an INPUT_* code.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

from nexus.contracts import studio
from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.entity_core.names_zh import person_name_strings
from nexus.planner import dialogue
from nexus.planner.markdown import Block, parse_blocks
from nexus.planner.sentences import split_sentences
from nexus.planner.setting import stage_scenes
from nexus.planner.text import count_han, detect_language, detect_spoken_language, speech_units

# A scene longer than this (Han characters + 2 x Latin words, about 100 s of speech) is split.
MAX_SCENE_UNITS = 500
_BINARY_SAMPLE = 8192
_MAX_CONTROL_RATIO = 0.05
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")


def decode_story(raw: bytes, *, max_bytes: int) -> str:
    """Validate and decode story bytes (UTF-8 with or without BOM; UTF-16 with a BOM)."""
    if len(raw) > max_bytes:
        raise NexusError(
            ErrorCode.INPUT_TOO_LARGE, f"the story is {len(raw)} bytes; the limit is {max_bytes}"
        )
    if not raw.strip():
        raise NexusError(ErrorCode.INPUT_EMPTY)
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise NexusError(ErrorCode.INPUT_ENCODING, f"bad UTF-16: {exc.reason}") from exc
    sample = raw[:_BINARY_SAMPLE]
    controls = sum(1 for b in sample if (b < 32 and b not in (9, 10, 12, 13)) or b == 127)
    if b"\x00" in raw or controls / len(sample) > _MAX_CONTROL_RATIO:
        raise NexusError(ErrorCode.INPUT_BINARY, "the input contains NUL or control bytes")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NexusError(
            ErrorCode.INPUT_ENCODING, f"not UTF-8 at byte {exc.start}: {exc.reason}"
        ) from exc


def normalise_text(text: str) -> str:
    """NFC, LF line ends, no BOM or zero-width characters, tabs and NBSP as spaces."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _INVISIBLE.sub("", text)
    text = text.replace("\t", " ").replace("\u00a0", " ").replace("\u3000", " ")
    return "\n".join(line.rstrip() for line in text.split("\n"))


@dataclass
class _SceneDraft:
    title: str | None
    paragraphs: list[str] = field(default_factory=list)


def _scene_drafts(blocks: list[Block]) -> tuple[str | None, list[_SceneDraft]]:
    """Story title and scenes: headings open scenes, break markers close them."""
    title: str | None = None
    h1_count = sum(1 for b in blocks if b.kind == "heading" and b.level == 1)
    first = blocks[0] if blocks else None
    if first is not None and first.kind == "heading" and first.level == 1 and h1_count == 1:
        title = first.text or None
        blocks = blocks[1:]
    drafts: list[_SceneDraft] = [_SceneDraft(None)]
    for block in blocks:
        if block.kind == "heading":
            drafts.append(_SceneDraft(block.text or None))
        elif block.kind == "break":
            drafts.append(_SceneDraft(None))
        else:
            drafts[-1].paragraphs.append(block.text)
    return title, [d for d in drafts if d.paragraphs]


def _units(text: str) -> int:
    han, words = speech_units(text)
    return han + 2 * words


@dataclass
class _Counter:
    sentence: int = 0
    paragraph: int = 0


def _paragraph_sentences(
    paragraph: str,
    ctx: _Counter,
    *,
    default: Literal["zh", "en"],
    style: dialogue.QuoteStyle,
    names: list[str],
) -> list[studio.Sentence]:
    language = detect_spoken_language(paragraph, default)
    pieces = split_sentences(paragraph, language, style)
    parts: list[dialogue.Part] = []
    for s_idx, piece in enumerate(pieces):
        for kind, text in dialogue.split_quotes(piece, style):
            parts.append(
                dialogue.Part("dialogue" if kind == "dialogue" else "narration", text, s_idx)
            )
    dialogue.attribute_speakers(parts, language=language, names=names)
    sentences: list[studio.Sentence] = []
    for s_idx, piece in enumerate(pieces):
        mine = [p for p in parts if p.sentence == s_idx]
        if not mine:
            continue
        sentences.append(_build_sentence(piece, mine, ctx, language, default))
        ctx.sentence += 1
    ctx.paragraph += 1
    return sentences


def _build_sentence(
    piece: str,
    parts: list[dialogue.Part],
    ctx: _Counter,
    language: Literal["zh", "en"],
    default: Literal["zh", "en"],
) -> studio.Sentence:
    models = [
        studio.SentencePart(kind=p.kind, text=p.text, speaker=p.speaker, speaker_pronoun=p.pronoun)
        for p in parts
    ]
    spoken = [p for p in models if p.kind == "dialogue"]
    return studio.Sentence(
        index=ctx.sentence,
        paragraph_index=ctx.paragraph,
        text=piece,
        language=detect_spoken_language(piece, language if language else default),
        kind="dialogue" if spoken else "narration",
        speaker=next((p.speaker for p in spoken if p.speaker), None),
        parts=models,
    )


def _split_long(sentences: list[studio.Sentence]) -> list[list[studio.Sentence]]:
    """Cut an over-long scene at a paragraph boundary (or any sentence past twice the limit)."""
    chunks: list[list[studio.Sentence]] = [[]]
    units = 0
    for sentence in sentences:
        current = chunks[-1]
        new_paragraph = bool(current) and current[-1].paragraph_index != sentence.paragraph_index
        if current and (
            (units >= MAX_SCENE_UNITS and new_paragraph) or units >= 2 * MAX_SCENE_UNITS
        ):
            chunks.append([])
            units = 0
        chunks[-1].append(sentence)
        units += _units(sentence.text)
    return [c for c in chunks if c]


def ingest_story(
    raw: bytes,
    *,
    language: Literal["auto", "zh", "en"] = "auto",
    max_bytes: int = 512 * 1024,
) -> studio.Story:
    """Parse story bytes (plain text or Markdown) into scenes, sentences and dialogue."""
    text = normalise_text(decode_story(raw, max_bytes=max_bytes))
    blocks = parse_blocks(text)
    title, drafts = _scene_drafts(blocks)
    body = "\n".join(p for d in drafts for p in d.paragraphs)
    if not re.search(r"\w", body):
        raise NexusError(ErrorCode.INPUT_EMPTY, "the story has no text once markup is removed")
    story_language = detect_language(body) if language == "auto" else language
    default: Literal["zh", "en"] = "en" if story_language == "en" else "zh"
    style = dialogue.detect_quote_style(body)
    # Chinese names matter wherever Chinese is written, even in a mostly English story.
    chinese = story_language != "en" or count_han(body) >= 20
    names = person_name_strings(body) if chinese else []
    ctx = _Counter()
    scenes: list[studio.Scene] = []
    for draft in drafts:
        sentences: list[studio.Sentence] = []
        for paragraph in draft.paragraphs:
            sentences += _paragraph_sentences(
                paragraph, ctx, default=default, style=style, names=names
            )
        for n, chunk in enumerate(_split_long(sentences)):
            scenes.append(
                studio.Scene(
                    index=len(scenes), title=draft.title if n == 0 else None, sentences=chunk
                )
            )
    return studio.Story(title=title, language=story_language, scenes=stage_scenes(scenes))
