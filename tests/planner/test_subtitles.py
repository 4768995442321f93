"""Subtitle wrapping and cue fitting: 2 lines of 42 units (16 CJK characters) at most."""

from __future__ import annotations

import pytest

from nexus.planner.subtitles import display_units, fits_cue, split_for_cues, wrap_subtitle


def test_short_text_stays_on_one_line() -> None:
    assert wrap_subtitle("Not my light.") == "Not my light."
    assert wrap_subtitle("不是我的灯。") == "不是我的灯。"


def test_english_wraps_into_two_balanced_lines() -> None:
    text = "Keep the lamp turning, Felix. Reyes knows these waters well."
    wrapped = wrap_subtitle(text)
    first, second = wrapped.split("\n")
    assert len(first) <= 42 and len(second) <= 42
    assert f"{first} {second}" == text
    assert abs(len(first) - len(second)) < 15


def test_chinese_wraps_at_16_and_never_starts_a_line_with_punctuation() -> None:
    text = "陈船长熟悉这片海，她只要能看见我们就行。"
    lines = wrap_subtitle(text, "zh").split("\n")
    assert len(lines) == 2
    assert all(len(line) <= 16 for line in lines)
    assert lines[1][0] not in "，。！？"
    assert "".join(lines) == text


def test_mixed_text_is_measured_by_display_width() -> None:
    """A CJK character is 42/16 Latin ones wide: Chinese lines keep 16 characters, and a
    Chinese name in an English line costs its width, not the whole line's."""
    text = "他打开了 iPhone 看了一眼时间，已经很晚了。"
    assert all(display_units(line) <= 42 for line in wrap_subtitle(text).split("\n"))
    assert display_units("林月") == pytest.approx(2 * 42 / 16)
    english = "Lin Yue whispered 你好 and smiled."
    assert display_units(english) <= 42 and wrap_subtitle(english) == english  # one line
    longer = "My car broke down, 我的车坏了, only the front wheel works."
    assert fits_cue(longer) and len(split_for_cues(longer)) == 1


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        (
            "The keeper climbed the narrow stairs, counting each step out loud as his father "
            "had taught him, while the wind screamed against the glass and the great lamp "
            "turned above him without rest, night after night, year after year.",
            "en",
        ),
        (
            "林月把煤油灯提得高高的，一步一步爬上了灯塔的旋转楼梯，外面的风像野兽一样拍打着窗户，"
            "她知道今晚无论如何都不能让灯灭，因为海上还有船。",
            "zh",
        ),
        ("a" * 130, "en"),
        ("Supercalifragilisticexpialidocious " * 6, "en"),
    ],
)
def test_split_for_cues_makes_pieces_that_each_fit(text: str, lang: str) -> None:
    pieces = split_for_cues(text, lang)
    assert len(pieces) > 1
    assert all(fits_cue(p, lang) for p in pieces)
    squashed = "".join(text.split())
    assert "".join("".join(pieces).split()) == squashed


def test_split_prefers_clause_punctuation() -> None:
    text = (
        "When the storm finally broke over the harbour, the fishermen pulled their boats "
        "high onto the shingle and ran for the tavern."
    )
    pieces = split_for_cues(text)
    assert pieces[0].endswith("harbour,")
