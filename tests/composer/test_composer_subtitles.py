"""Subtitle golden tests: SRT/VTT text, wrapping limits (42 / 16 for CJK, 2 lines), ASS."""

from __future__ import annotations

import itertools

import pytest

from nexus.composer.specs import Cue
from nexus.composer.subtitles import (
    build_ass,
    fit_cues,
    format_srt,
    format_vtt,
    is_cjk,
    slice_cues,
    subtitle_font_size,
    text_units,
    wrap_text,
)

CUES = [
    Cue(start_s=0.5, end_s=2.25, text="The fox ran home."),
    Cue(start_s=2.25, end_s=4.0, text="他说：“我们明天去北京。”"),
    Cue(start_s=3661.0, end_s=3662.5, text="A < B & C"),
]


def test_srt_golden() -> None:
    assert format_srt(CUES) == (
        "1\n00:00:00,500 --> 00:00:02,250\nThe fox ran home.\n\n"
        "2\n00:00:02,250 --> 00:00:04,000\n他说：“我们明天去北京。”\n\n"
        "3\n01:01:01,000 --> 01:01:02,500\nA < B & C\n"
    )


def test_vtt_golden() -> None:
    assert format_vtt(CUES) == (
        "WEBVTT\n\n"
        "1\n00:00:00.500 --> 00:00:02.250\nThe fox ran home.\n\n"
        "2\n00:00:02.250 --> 00:00:04.000\n他说：“我们明天去北京。”\n\n"
        "3\n01:01:01.000 --> 01:01:02.500\nA &lt; B &amp; C\n"
    )


def test_srt_is_utf8_encodable_and_numbered_from_one() -> None:
    text = format_srt(fit_cues(CUES))
    assert text.encode("utf-8").decode("utf-8") == text
    assert [line for line in text.splitlines() if line.isdigit()] == ["1", "2", "3"]


def test_cjk_width_rule() -> None:
    assert is_cjk("中") and is_cjk("，") and not is_cjk("a")
    assert text_units("中" * 16) == pytest.approx(42.0)
    assert text_units("a" * 42) == 42.0


def test_cjk_wraps_at_16_characters_between_words() -> None:
    text = "很久很久以前，在一个遥远的山村里，住着一位名叫李明的年轻人。"
    lines = wrap_text(text)
    assert all(len(line) <= 16 for line in lines)
    assert "".join(lines) == text
    assert not any(line[0] in "，。" for line in lines), "no line starts with closing punctuation"
    assert "李明" in "".join(line for line in lines if "李明" in line), "a name is not split"


def test_english_wraps_at_42_characters_on_word_boundaries() -> None:
    text = "The quick brown fox jumps over the lazy dog while the farmer sleeps"
    lines = wrap_text(text)
    assert len(lines) == 2
    assert all(len(line) <= 42 for line in lines)
    assert " ".join(lines) == text


def test_long_cue_splits_into_screens_of_at_most_two_lines() -> None:
    text = " ".join(["word"] * 40)  # ~200 characters
    cues = fit_cues([Cue(start_s=10.0, end_s=20.0, text=text)])
    assert len(cues) >= 3
    assert all(len(c.text.split("\n")) <= 2 for c in cues)
    assert all(len(line) <= 42 for c in cues for line in c.text.split("\n"))
    assert cues[0].start_s == 10.0 and cues[-1].end_s == pytest.approx(20.0)
    assert all(a.end_s == pytest.approx(b.start_s) for a, b in itertools.pairwise(cues))
    assert " ".join(c.text.replace("\n", " ") for c in cues) == text


def test_long_chinese_cue_is_split_evenly() -> None:
    text = "很久很久以前，在一个遥远的山村里，住着一位名叫李明的年轻人，他每天清晨都会去河边打水。"
    cues = fit_cues([Cue(start_s=0.0, end_s=6.0, text=text)])
    assert len(cues) == 2
    for cue in cues:
        lines = cue.text.split("\n")
        assert len(lines) <= 2 and all(len(line) <= 16 for line in lines)


def test_overlapping_cues_are_trimmed() -> None:
    cues = fit_cues([Cue(start_s=0, end_s=3, text="one"), Cue(start_s=2, end_s=4, text="two")])
    assert cues[0].end_s == 2 and cues[1].start_s == 2


def test_whitespace_and_cjk_line_breaks_are_normalised() -> None:
    assert wrap_text("  hello \n  world ") == ["hello world"]
    assert wrap_text("我们\n明天") == ["我们明天"]


def test_slice_cues_clips_to_segment_and_makes_times_local() -> None:
    cues = [Cue(start_s=1.0, end_s=5.0, text="x"), Cue(start_s=6.0, end_s=7.0, text="y")]
    assert slice_cues(cues, 4.0, 8.0) == [
        Cue(start_s=0.0, end_s=1.0, text="x"),
        Cue(start_s=2.0, end_s=3.0, text="y"),
    ]
    assert slice_cues(cues, 5.0, 6.0) == []


def test_ass_script_is_bottom_centred_with_cjk_font_and_escaped_text() -> None:
    ass = build_ass(
        [Cue(start_s=1.234, end_s=62.0, text="line {one}\nline two")],
        width=1280,
        height=720,
        font="Noto Sans CJK SC",
    )
    assert "PlayResX: 1280\nPlayResY: 720" in ass
    style = next(line for line in ass.splitlines() if line.startswith("Style: "))
    fields = style.removeprefix("Style: ").split(",")
    assert fields[1] == "Noto Sans CJK SC"
    assert fields[18] == "2"  # alignment: bottom centre
    assert int(fields[21]) > 0  # margin above the bottom edge
    assert "Dialogue: 0,0:00:01.23,0:01:02.00,Default,,0,0,0,,line (one)\\Nline two" in ass


def test_font_size_keeps_a_full_line_inside_a_portrait_frame() -> None:
    assert subtitle_font_size(1280, 720) == 40
    portrait = subtitle_font_size(1080, 1920)
    assert portrait * 0.55 * 42 <= 1080 * 0.9
