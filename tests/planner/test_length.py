"""The minimum story length: refused with input_too_short, before any run, in both languages."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.planner import ingest_story
from nexus.planner.length import MIN_STORY_SPEECH_S, require_min_length, story_speech_s


@pytest.mark.parametrize("text", ["One.", "# A Title\n\nThe end.", "完。", "Hi. 你好。"])
def test_too_short_stories_are_refused_with_a_code(text: str) -> None:
    story = ingest_story(text.encode())
    assert story_speech_s(story) < MIN_STORY_SPEECH_S
    with pytest.raises(NexusError) as err:
        require_min_length(story)
    assert err.value.code is ErrorCode.INPUT_TOO_SHORT
    assert "at least 2 s of speech" in str(err.value)


@pytest.mark.parametrize(
    "text",
    [
        "The keeper climbed the stairs and lit the lamp for the ships.",
        "老人点亮了灯塔上的灯，为夜里的船照路。",
        "Tom smiled. 他说：“我们回家吧。”",
    ],
)
def test_a_sentence_of_story_is_long_enough(text: str) -> None:
    require_min_length(ingest_story(text.encode()))


def test_the_code_is_a_client_error_and_not_retryable() -> None:
    code = ErrorCode.INPUT_TOO_SHORT
    assert code.http_status == 422 and not code.retryable


def test_produce_refuses_a_one_word_story_before_any_work(tmp_path: Path) -> None:
    story = tmp_path / "one.md"
    story.write_text("One.\n", encoding="utf-8")
    env = {**os.environ, "NEXUS_DATA_DIR": str(tmp_path / "data"), "NEXUS_ENV": "test"}
    proc = subprocess.run(
        [sys.executable, "-m", "nexus.cli.main", "produce", str(story), "-o", str(tmp_path / "o")],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode != 0
    assert "error[input_too_short]" in proc.stdout + proc.stderr
    assert not (tmp_path / "o").exists() and not (tmp_path / "data" / "nexus.db").exists()
