"""Storyboard renderer: deterministic backdrops and portraits, composition, CJK text."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from PIL import Image

from conftest import build_shot
from nexus.contracts.studio import Entity, EntityPack, Look
from nexus.core.registry import Registry, SkillContext
from nexus.workers.video import skills
from nexus.workers.video.backdrop import choose_theme, render_backdrop
from nexus.workers.video.handlers import StoryboardInput, render_storyboard
from nexus.workers.video.portrait import render_portrait
from nexus.workers.video.shot import CAPTION_BAND, render_shot
from nexus.workers.video.text import draw_name_tag, load_font

SIZE = (640, 360)


def pixels(img: Image.Image) -> np.ndarray:
    return np.asarray(img, dtype=np.int16)


def place(entity_id: str, name: str) -> Entity:
    return Entity(entity_id=entity_id, kind="place", name=name)


def test_backdrop_is_deterministic_and_differs_across_places() -> None:
    sea = place("pl-sea", "Grey Point Lighthouse")
    first, again = render_backdrop(sea, "", SIZE), render_backdrop(sea, "", SIZE)
    assert np.array_equal(pixels(first), pixels(again))
    forest = render_backdrop(place("pl-wood", "Black Forest"), "", SIZE)
    assert np.abs(pixels(first) - pixels(forest)).mean() > 20
    same_theme_other_place = render_backdrop(place("pl-sea-2", "Grey Point Lighthouse"), "", SIZE)
    assert not np.array_equal(pixels(first), pixels(same_theme_other_place))
    night = render_backdrop(sea, "late at night", SIZE)
    assert pixels(night).mean() < pixels(first).mean() - 30


@pytest.mark.parametrize(
    ("name", "theme"),
    [("the harbour", "sea"), ("灯塔", "lighthouse"), ("竹林", "forest"),
     ("Mara's kitchen", "interior"), ("Market Street", "city"), ("雪山", "mountain"),
     ("nowhere", "field")],
)  # fmt: skip
def test_theme_comes_from_the_place_name(name: str, theme: str) -> None:
    assert choose_theme(place("p", name), "") == theme


def test_portrait_is_stable_and_distinct(pack_en: EntityPack) -> None:
    mara, tom = pack_en.characters[0], pack_en.characters[1]
    a, b = render_portrait(mara, 400), render_portrait(mara, 400)
    assert a.mode == "RGBA" and a.size == (300, 400)
    assert np.array_equal(pixels(a), pixels(b))
    assert np.abs(pixels(a) - pixels(render_portrait(tom, 400))).mean() > 5
    styled = mara.model_copy(
        update={"look": Look(palette=["#f2d3b8", "#a33b24", "#3f8f6a", "#f2c14e"], hair_style=3,
                             face_shape=1, accessory=1)}
    )  # fmt: skip
    assert not np.array_equal(pixels(a), pixels(render_portrait(styled, 400)))


def test_cjk_name_tag_renders_real_glyphs() -> None:
    family = load_font(24).getname()[0]
    assert family is not None and "CJK" in family
    inks = []
    for name in ("林", "雨"):
        img = Image.new("RGB", (200, 100), (0, 0, 0))
        box = draw_name_tag(img, name, 100, 80, 32, fill=(0, 0, 0), text_color=(255, 255, 255))
        assert box[3] <= 80
        assert (pixels(img.crop(box)).sum(axis=2) > 300).mean() > 0.05
        inks.append(pixels(img).sum(axis=2) > 300)
    assert (inks[0] != inks[1]).mean() > 0.01  # different glyphs, not tofu boxes


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080), (1080, 1920)])
def test_shot_puts_the_speaker_mouth_above_the_caption_band(
    pack_zh: EntityPack, size: tuple[int, int]
) -> None:
    shot = build_shot(
        pack_zh, speaker_id="ch-wang", place_id="pl-forest", text="王老师说：天快黑了。"
    )
    frame, anchor = render_shot(shot, pack_zh, size)
    assert frame.size == size and frame.mode == "RGB"
    assert anchor is not None and anchor.character_id == "ch-wang"
    assert 0 < anchor.x < size[0] and anchor.y < size[1] * (1 - CAPTION_BAND)
    assert anchor.width >= size[1] * 0.03
    # caption band is calm: darker than the frame above it
    band = pixels(frame)[round(size[1] * (1 - CAPTION_BAND)) :]
    assert band.mean() < pixels(frame)[: round(size[1] * 0.5)].mean()


def test_narration_shot_has_no_anchor_and_variants_differ(pack_en: EntityPack) -> None:
    shot = build_shot(pack_en, speaker_id=None, place_id="pl-kitchen", text="They sat down.")
    frame, anchor = render_shot(shot, pack_en, SIZE)
    assert anchor is None
    again, _ = render_shot(shot, pack_en, SIZE)
    assert np.array_equal(pixels(frame), pixels(again))
    other, _ = render_shot(shot, pack_en, SIZE, variant=1)
    assert np.abs(pixels(frame) - pixels(other)).mean() > 3


def test_speaker_is_emphasised(pack_en: EntityPack) -> None:
    speaking = build_shot(pack_en, speaker_id="ch-tom", place_id="pl-light", text="Hold the rope.")
    _, tom_anchor = render_shot(speaking, pack_en, SIZE)
    other = build_shot(pack_en, speaker_id="ch-ada", place_id="pl-light", text="I have it.")
    _, ada_anchor = render_shot(other, pack_en, SIZE)
    assert tom_anchor is not None and ada_anchor is not None
    assert tom_anchor.x != ada_anchor.x and tom_anchor.width == ada_anchor.width


def test_storyboard_handler_keeps_a_png(
    pack_en: EntityPack, make_ctx: Callable[[], SkillContext]
) -> None:
    shot = build_shot(pack_en, speaker_id="ch-mara", place_id="pl-light", text="Look!")
    inp = StoryboardInput.model_validate(
        {"shot": shot.model_dump(), "pack": pack_en.model_dump(), "width": 640, "height": 360}
    )
    ctx = make_ctx()
    out = render_storyboard(inp, ctx)
    kept, neutral = ctx.kept  # the frame, and the frame with nobody highlighted
    assert kept.sha256 == out.frame_sha256 and kept.media_type == "image/png"
    assert neutral.sha256 == out.neutral_frame_sha256 != out.frame_sha256
    assert Image.open(kept.path).size == Image.open(neutral.path).size == (640, 360)
    assert out.mouth is not None and out.mouth.character_id == "ch-mara"
    narration = build_shot(pack_en, speaker_id=None, place_id="pl-light", text="Later.")
    ctx = make_ctx()
    still = render_storyboard(
        StoryboardInput(shot=narration, pack=pack_en, width=640, height=360), ctx
    )
    assert still.neutral_frame_sha256 is None and len(ctx.kept) == 1
    with pytest.raises(ValueError):
        StoryboardInput(shot=shot, pack=pack_en, width=641, height=360)


def test_skill_is_registered() -> None:
    registry = Registry()
    skills.register(registry)
    assert registry.skill("video.storyboard").executor == "thread"


def test_frames_rendered_in_parallel_threads_match_serial_ones(pack_en: EntityPack) -> None:
    """The skill runs on threads: shared caches and FreeType must not mix up two frames."""
    shots = [
        build_shot(pack_en, speaker_id="ch-mara", place_id="pl-light", text="Look!"),
        build_shot(pack_en, speaker_id="ch-tom", place_id="pl-kitchen", text="Hold the rope."),
        build_shot(pack_en, speaker_id=None, place_id="pl-light", text="They sat down."),
    ] * 2
    serial = [pixels(render_shot(s, pack_en, SIZE)[0]) for s in shots]
    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = list(pool.map(lambda s: pixels(render_shot(s, pack_en, SIZE)[0]), shots))
    assert all(np.array_equal(a, b) for a, b in zip(serial, parallel, strict=True))
