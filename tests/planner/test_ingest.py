"""Ingest on tricky inputs: encodings, Markdown, scenes, quotes and speaker tags."""

from __future__ import annotations

import pytest

from nexus.contracts import studio
from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.planner.ingest import ingest_story


def _parts(story: studio.Story) -> list[studio.SentencePart]:
    return [p for sc in story.scenes for s in sc.sentences for p in s.parts]


def _dialogue(story: studio.Story) -> list[tuple[str, str | None]]:
    return [(p.text, p.speaker) for p in _parts(story) if p.kind == "dialogue"]


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"", ErrorCode.INPUT_EMPTY),
        (b"  \n\r\n\t ", ErrorCode.INPUT_EMPTY),
        (b"# \n\n---\n\n***\n", ErrorCode.INPUT_EMPTY),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", ErrorCode.INPUT_BINARY),
        (bytes(range(1, 32)) * 20, ErrorCode.INPUT_BINARY),
        (b"caf\xe9 au lait is nice", ErrorCode.INPUT_ENCODING),
        (b"word " * 300, ErrorCode.INPUT_TOO_LARGE),
    ],
)
def test_bad_input_is_refused_with_its_code(raw: bytes, code: ErrorCode) -> None:
    with pytest.raises(NexusError) as info:
        ingest_story(raw, max_bytes=1000)
    assert info.value.code is code


def test_bom_and_crlf_are_tolerated() -> None:
    raw = "\ufeff# Title\r\n\r\nAnna walked home.\r\nShe was tired.\r\n".encode()
    story = ingest_story(raw)
    assert story.title == "Title"
    texts = [s.text for s in story.scenes[0].sentences]
    assert texts == ["Anna walked home.", "She was tired."]


def test_utf16_with_bom_is_decoded() -> None:
    story = ingest_story("Hello there, Anna.".encode("utf-16"))
    assert story.scenes[0].sentences[0].text == "Hello there, Anna."


def test_markdown_markup_is_stripped_and_headings_make_scenes() -> None:
    raw = b"""---
author: me
---
# The Story

## Night

Some **bold** and *italic* words, a [link](http://x.y) and `code`. ![img](a.png)

> A quoted line.

- a list item.

## Morning

<b>Tagged</b> text.
"""
    story = ingest_story(raw)
    assert story.title == "The Story"
    assert [s.title for s in story.scenes] == ["Night", "Morning"]
    night = " ".join(s.text for s in story.scenes[0].sentences)
    assert night == "Some bold and italic words, a link and code. A quoted line. a list item."
    assert story.scenes[1].sentences[0].text == "Tagged text."


def test_scene_break_markers_and_blank_line_groups() -> None:
    marked = ingest_story(b"One.\n\n***\n\nTwo.\n\n---\n\nThree.\n\n* * *\n\nFour.")
    assert len(marked.scenes) == 4
    gaps = ingest_story(b"One.\n\n\n\nTwo.\n\nThree.")
    assert [len(s.sentences) for s in gaps.scenes] == [1, 2]


def test_long_scene_is_split_at_a_paragraph() -> None:
    paragraph = "The sea was grey and the wind was cold on the long empty shore. " * 5
    story = ingest_story(("\n\n".join([paragraph] * 10)).encode())
    assert len(story.scenes) > 1
    for scene in story.scenes:
        assert scene.sentences


def test_language_detection() -> None:
    assert ingest_story(b"The keeper lit the lamp.").language == "en"
    assert ingest_story("王伯点亮了灯。林月笑了。".encode()).language == "zh"
    mixed = ingest_story("王伯点亮了灯。The keeper lit the lamp and smiled at the sea.".encode())
    assert mixed.language == "mixed"
    assert [s.language for s in mixed.scenes[0].sentences] == ["zh", "en"]
    forced = ingest_story(b"The keeper lit the lamp.", language="zh")
    assert forced.language == "zh"


def test_english_sentences_keep_titles_and_abbreviations() -> None:
    story = ingest_story(b"Dr. Anna Reyes met Mr. Hale in the U.S. last week. He waved.")
    assert [s.text for s in story.scenes[0].sentences] == [
        "Dr. Anna Reyes met Mr. Hale in the U.S. last week.",
        "He waved.",
    ]


def test_speaker_tags_in_both_orders() -> None:
    story = ingest_story(
        b'"You\'re late," said Anna. Tom said, "The lamp won\'t wait." '
        b'"Fine," Dr. Reyes replied. "Go," he whispered.'
    )
    assert _dialogue(story) == [
        ("You're late,", "Anna"),
        ("The lamp won't wait.", "Tom"),
        ("Fine,", "Dr. Reyes"),
        ("Go,", None),
    ]
    pronoun = [p for p in _parts(story) if p.kind == "dialogue"][-1]
    assert pronoun.speaker_pronoun == "he"


def test_narration_around_dialogue_is_kept() -> None:
    story = ingest_story(b'"Come in," said Anna, wiping her hands. "Sit."')
    kinds = [(p.kind, p.text) for p in _parts(story)]
    assert kinds == [
        ("dialogue", "Come in,"),
        ("narration", "said Anna, wiping her hands."),
        ("dialogue", "Sit."),
    ]
    assert [p.speaker for p in _parts(story) if p.kind == "dialogue"] == ["Anna", "Anna"]


def test_quotes_within_quotes_and_curly_quotes() -> None:
    story = ingest_story("“He told me ‘never’ twice,” said Mara. “Don’t go,” Tom said.".encode())
    assert _dialogue(story) == [("He told me ‘never’ twice,", "Mara"), ("Don’t go,", "Tom")]
    zh = ingest_story("林月说：「他说『明天见』就走了。」".encode())
    assert _dialogue(zh) == [("他说『明天见』就走了。", "林月")]


def test_quotation_spanning_sentences_is_one_part() -> None:
    story = ingest_story(b'"Stay here. The storm is coming," said Anna.')
    assert _dialogue(story) == [("Stay here. The storm is coming,", "Anna")]


def test_chinese_speaker_tags_both_orders() -> None:
    story = ingest_story(
        "林月站在灯塔下。王伯笑道：“回来了？”“嗯，回来了。”林月说。\n\n"
        "“船修好了，”陈海生放下工具，慢慢地说，“明天就能出海。”陈海生笑了。\n\n"
        "“她说：‘等我’，”王伯叹道。林月知道了。".encode()
    )
    assert _dialogue(story) == [
        ("回来了？", "王伯"),
        ("嗯，回来了。", "林月"),
        ("船修好了，", "陈海生"),
        ("明天就能出海。", "陈海生"),
        ("她说：‘等我’，", "王伯"),
    ]


def test_chinese_tag_with_pronoun_subject() -> None:
    story = ingest_story("陈船长走上灯塔。她握住王伯的手，轻声说：“谢谢你。”王伯点头。".encode())
    part = next(p for p in _parts(story) if p.kind == "dialogue")
    assert part.speaker is None
    assert part.speaker_pronoun == "she"


def test_ingest_is_deterministic() -> None:
    raw = '# T\n\n“你好，”林月说。Anna said, "Hi."'.encode()
    assert ingest_story(raw) == ingest_story(raw)
