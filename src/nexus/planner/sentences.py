"""Sentence splitting: pysbd for English, end punctuation with closing quotes for Chinese.

A quotation is never cut in two, and a Chinese speech tag after a quotation ("……”王伯笑道。")
stays in the quotation's sentence.
"""

from __future__ import annotations

import re
import warnings
from functools import lru_cache
from typing import Literal

from nexus.entity_core import lexicon
from nexus.planner.dialogue import QuoteStyle, has_open_quote

with warnings.catch_warnings():
    # pysbd 0.3.4 holds invalid escape sequences: compiling it without a cached .pyc warns
    # and the test suite turns warnings into errors.
    warnings.simplefilter("ignore", SyntaxWarning)
    warnings.simplefilter("ignore", DeprecationWarning)
    import pysbd

_ZH_END = re.compile(r"(?:[。！？!?]+|…{1,2}|\.{3,})[”」』’\"）)]*")
_ZH_TAG_ONLY = re.compile(
    rf"^[^“”「」\"]{{1,14}}(?:{'|'.join(lexicon.CHINESE_SPEECH_VERBS)})[^“”「」\"]{{0,4}}[。！？]$"
)


@lru_cache(maxsize=1)
def _english_segmenter() -> pysbd.Segmenter:
    # Built on first use: a Segmenter compiles its rules, and modules build nothing at import.
    return pysbd.Segmenter(language="en", clean=False)


def _split_english(paragraph: str) -> list[str]:
    return [s.strip() for s in _english_segmenter().segment(paragraph) if s.strip()]


def _split_chinese(paragraph: str) -> list[str]:
    pieces: list[str] = []
    start = 0
    for match in _ZH_END.finditer(paragraph):
        pieces.append(paragraph[start : match.end()])
        start = match.end()
    pieces.append(paragraph[start:])
    return [p.strip() for p in pieces if p.strip()]


def _ends_in_quote(text: str) -> bool:
    return text.rstrip()[-1:] in '”」』"’'


def split_sentences(
    paragraph: str, language: Literal["zh", "en"], style: QuoteStyle = "double"
) -> list[str]:
    """Sentences of one paragraph, with quotations kept whole."""
    raw = _split_chinese(paragraph) if language == "zh" else _split_english(paragraph)
    merged: list[str] = []
    joiner = "" if language == "zh" else " "
    for piece in raw:
        if merged and has_open_quote(merged[-1], style):
            merged[-1] = merged[-1] + joiner + piece
        elif (
            merged and language == "zh" and _ends_in_quote(merged[-1]) and _ZH_TAG_ONLY.match(piece)
        ):
            merged[-1] = merged[-1] + piece
        else:
            merged.append(piece)
    return merged
