"""Font lookup: Latin text never needs a CJK font; CJK text without one is refused clearly.

The lookup is pointed (``NEXUS_FONT_DIRS``) at folders built here: one holding only a Latin
font, one holding no font at all, and the machine's folders (which hold Noto CJK).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from nexus.contracts.errors import ErrorCode
from nexus.contracts.studio import Entity, EntityPack, ShotPlan, SpeechLine
from nexus.core.errors import NexusError
from nexus.workers.video.shot import render_shot
from nexus.workers.video.text import draw_name_tag, find_font_file, load_font

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")


@pytest.fixture
def latin_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    if not DEJAVU.exists():
        pytest.skip("Debian fonts-dejavu-core is not installed")
    folder = tmp_path / "fonts"
    folder.mkdir()
    shutil.copy(DEJAVU, folder / DEJAVU.name)
    monkeypatch.setenv("NEXUS_FONT_DIRS", str(folder))
    return folder


@pytest.fixture
def no_fonts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "empty"
    folder.mkdir()
    monkeypatch.setenv("NEXUS_FONT_DIRS", str(folder))
    return folder


def ink(img: Image.Image) -> np.ndarray:
    return np.asarray(img, dtype=np.int16).sum(axis=2) > 300


def tag(name: str) -> Image.Image:
    img = Image.new("RGB", (240, 100), (0, 0, 0))
    draw_name_tag(img, name, 120, 80, 32, fill=(0, 0, 0), text_color=(255, 255, 255))
    return img


def english_shot() -> tuple[ShotPlan, EntityPack]:
    pack = EntityPack(
        language="en",
        narrator_voice="en-narrator",
        characters=[
            Entity(entity_id="chr_a", kind="character", name="Ines", voice="en-female-1"),
            Entity(entity_id="chr_b", kind="character", name="Paulo", voice="en-male-1"),
        ],
    )
    line = SpeechLine(text="Any sign of them?", speaker_id="chr_b", voice="en-male-1")
    shot = ShotPlan(
        shot_id="shot-0", index=0, scene_index=0, text='"Any sign of them?"', lines=[line],
        speaker_id="chr_b", character_ids=["chr_a", "chr_b"], duration_target_s=3,
        kind="dialogue",
    )  # fmt: skip
    return shot, pack


def test_latin_text_uses_a_latin_font_when_no_cjk_font_is_installed(latin_only: Path) -> None:
    assert find_font_file("Ines") == (str(latin_only / DEJAVU.name), 0)
    assert load_font(24, "Ines").getname()[0] == "DejaVu Sans"
    a, b = ink(tag("Ines")), ink(tag("Paulo"))
    assert a.mean() > 0.01 and (a != b).mean() > 0.005
    frame, mouth = render_shot(*english_shot(), (640, 360))
    assert frame.size == (640, 360) and mouth is not None


def test_without_any_font_latin_text_uses_pillows_own(no_fonts: Path) -> None:
    assert find_font_file("Paulo") is None
    a, b = ink(tag("Ines")), ink(tag("Paulo"))
    assert a.mean() > 0.01 and (a != b).mean() > 0.005
    render_shot(*english_shot(), (640, 360))


def test_cjk_text_without_a_cjk_font_is_refused_with_a_code(latin_only: Path) -> None:
    with pytest.raises(NexusError) as err:
        tag("林月")
    assert err.value.code is ErrorCode.FONT_UNAVAILABLE and not err.value.code.retryable
    assert "NEXUS_FONT_DIRS" in str(err.value)


def test_installed_cjk_font_is_used_for_both_scripts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEXUS_FONT_DIRS", raising=False)
    found = find_font_file("林月")
    if found is None or ("CJK" not in found[0] and "wqy" not in found[0]):
        pytest.skip("no CJK font installed on this machine")
    assert find_font_file("Ines") == found  # one look for every tag
