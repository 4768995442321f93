"""``nexus produce`` on a machine without CJK fonts, for Pillow (NEXUS_FONT_DIRS) and for
libass (a fontconfig file listing one Latin font folder): English works, Chinese is refused
with a code that says what to install."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nexus.composer.probe import probe_duration_s

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

ENGLISH = """# The Late Ferry

The harbour was quiet when Ines reached the pier with her lantern.

"Is the ferry late again?" she asked the old ferryman, and he nodded slowly.

They waited together until the lights of the boat appeared beyond the rocks.
"""
CHINESE = "# 晚渡\n\n阿青提着灯笼走到码头。“船又晚了吗？”她问老船夫。老船夫慢慢点了点头。\n"


@pytest.fixture(scope="module")
def latin_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    if not DEJAVU.exists():
        pytest.skip("Debian fonts-dejavu-core is not installed")
    base = tmp_path_factory.mktemp("nocjk")
    fonts = base / "fonts"
    fonts.mkdir()
    shutil.copy(DEJAVU, fonts / DEJAVU.name)
    conf = base / "fonts.conf"
    conf.write_text(
        f"<?xml version='1.0'?><fontconfig><dir>{fonts}</dir>"
        f"<cachedir>{base / 'fc-cache'}</cachedir></fontconfig>",
        encoding="utf-8",
    )
    return {
        **os.environ,
        "NEXUS_DATA_DIR": str(base / "data"),
        "NEXUS_ENV": "test",
        "NEXUS_FONT_DIRS": str(fonts),
        "FONTCONFIG_FILE": str(conf),
    }


def produce(env: dict[str, str], story: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nexus.cli.main", "produce", str(story), "-o", str(out),
         "--resolution", "640x360", "-q"],
        env=env, capture_output=True, text=True, timeout=500,
    )  # fmt: skip


def test_english_story_needs_no_cjk_font(latin_env: dict[str, str], tmp_path: Path) -> None:
    story = tmp_path / "ferry.md"
    story.write_text(ENGLISH, encoding="utf-8")
    proc = produce(latin_env, story, tmp_path / "out")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "no CJK font" not in proc.stdout + proc.stderr
    assert probe_duration_s(tmp_path / "out" / "final.mp4") > 5


def test_chinese_story_without_a_cjk_font_is_refused_clearly(
    latin_env: dict[str, str], tmp_path: Path
) -> None:
    story = tmp_path / "ferry-zh.md"
    story.write_text(CHINESE, encoding="utf-8")
    proc = produce(latin_env, story, tmp_path / "out")
    assert proc.returncode != 0
    said = " ".join((proc.stdout + proc.stderr).split())
    assert "error[font_unavailable]" in said and "fonts-noto-cjk" in said
    assert not (tmp_path / "out").exists()  # refused before any run
