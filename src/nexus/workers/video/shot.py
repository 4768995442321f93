"""Shot frames: backdrop + the characters present (speaker emphasised) + name tags.

The bottom CAPTION_BAND of the frame holds no faces or tags (subtitles go there); the frame
comes back with the speaker's mouth position for the lip-sync worker.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from PIL import Image, ImageEnhance, ImageFilter
from pydantic import Field

from nexus.contracts.base import StrictModel
from nexus.contracts.studio import Entity, EntityPack, ShotPlan
from nexus.workers.video.backdrop import render_backdrop, scene_light
from nexus.workers.video.card import portrait_card
from nexus.workers.video.palette import Light, Rgb, hex_to_rgb, mix, rgb_to_hex, shade
from nexus.workers.video.portrait import MOUTH, head_top, lip_color, look_of, render_portrait
from nexus.workers.video.text import draw_name_tag

CAPTION_BAND = 0.22
MAX_CAST = 4


class MouthAnchor(StrictModel):
    """Where the speaking character's (closed) mouth is in the frame, in pixels."""

    character_id: str
    x: int = Field(ge=0, description="Centre of the mouth.")
    y: int = Field(ge=0)
    width: int = Field(gt=0, description="Width of the closed mouth line.")
    lip_color: str = Field(description="Hex colour of the lips under this shot's light.")


@dataclass(frozen=True)
class Slot:
    entity: Entity
    center_x: float
    bottom: float
    height: int
    speaking: bool


def cast_of(shot: ShotPlan, pack: EntityPack) -> list[Entity]:
    """Characters shown: those present in story order, the speaker always among them."""
    by_id = {c.entity_id: c for c in pack.characters}
    ids = [i for i in shot.character_ids if i in by_id]
    if shot.speaker_id in by_id and shot.speaker_id not in ids:
        ids.append(shot.speaker_id)
    if len(ids) > MAX_CAST:
        keep = [i for i in ids if i != shot.speaker_id][: MAX_CAST - (shot.speaker_id in ids)]
        ids = [i for i in ids if i in keep or i == shot.speaker_id]
    return [by_id[i] for i in ids]


_SPREADS = {1: (0.5,), 2: (0.3, 0.7), 3: (0.2, 0.5, 0.8), 4: (0.14, 0.38, 0.62, 0.86)}
_SOLO = (0.5, 0.36, 0.64)


def layout_cast(
    cast: list[Entity], speaker_id: str | None, size: tuple[int, int], variant: int
) -> list[Slot]:
    """Positions and sizes; the variant mirrors the order and moves a lone character."""
    width, height = size
    portrait = height > width
    order = list(reversed(cast)) if variant % 2 == 1 and len(cast) > 1 else list(cast)
    xs = _SPREADS[len(order)] if len(order) > 1 else (_SOLO[variant % 3],) if order else ()
    anyone_speaks = any(c.entity_id == speaker_id for c in order)
    big = (0.4 if portrait else 0.66) * height
    small = big * (0.84 if anyone_speaks else 0.92)
    bottom = height * (0.86 if portrait else 1.02)
    slots = [
        Slot(
            c,
            x * width,
            bottom,
            round(big if c.entity_id == speaker_id else small),
            c.entity_id == speaker_id,
        )
        for c, x in zip(order, xs, strict=True)
    ]
    return sorted(slots, key=lambda s: s.speaking)  # speaker drawn last, in front


def light_portrait(portrait: Image.Image, light: Light, *, dim: bool) -> Image.Image:
    """Grade a portrait into the scene's light; listeners are a little darker than the speaker."""
    rgb = portrait.convert("RGB")
    tinted = Image.blend(rgb, Image.new("RGB", rgb.size, light.tint), light.tint_amount * 0.6)
    level = (0.62 + 0.38 * light.land) * (0.8 if dim else 1.0)
    graded = ImageEnhance.Brightness(tinted).enhance(level)
    if dim:
        graded = ImageEnhance.Color(graded).enhance(0.8)
    graded.putalpha(portrait.getchannel("A"))
    return graded


def grade_color(color: Rgb, light: Light) -> Rgb:
    return shade(mix(color, light.tint, light.tint_amount * 0.6), 0.62 + 0.38 * light.land)


def paste_speaker_glow(
    frame: Image.Image, portrait: Image.Image, at: tuple[int, int], light: Light
) -> None:
    """A soft halo behind the speaker so the eye finds who talks."""
    radius = portrait.size[1] * 0.035
    pad = round(radius * 3)
    alpha = Image.new("L", (portrait.size[0] + 2 * pad, portrait.size[1] + 2 * pad), 0)
    alpha.paste(portrait.getchannel("A"), (pad, pad))
    alpha = alpha.filter(ImageFilter.MaxFilter(9)).filter(ImageFilter.GaussianBlur(radius))
    alpha = alpha.point(lambda v: int(v * 0.7))
    color = mix(light.sun, (255, 240, 200), 0.5)
    frame.paste(Image.new("RGB", alpha.size, color), (at[0] - pad, at[1] - pad), alpha)


def extend_torso(frame: Image.Image, portrait: Image.Image, at: tuple[int, int]) -> None:
    """Continue the bust's bottom row down to the frame edge when it ends above it."""
    bottom = at[1] + portrait.size[1]
    if bottom >= frame.size[1]:
        return
    row = portrait.crop((0, portrait.size[1] - 1, portrait.size[0], portrait.size[1]))
    fill = row.resize((portrait.size[0], frame.size[1] - bottom), Image.Resampling.NEAREST)
    frame.paste(fill, (at[0], bottom), fill)


@lru_cache(maxsize=8)
def _finish_mask(size: tuple[int, int]) -> Image.Image:
    """Darkening mask: a gentle vignette plus a gradient under the caption band."""
    width, height = size
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    r = np.sqrt(((xs - width / 2) / (width / 2)) ** 2 + ((ys - height / 2) / (height / 2)) ** 2)
    vignette = np.clip((r - 0.75) / 0.7, 0, 1) * 0.32
    start = height * (1 - CAPTION_BAND - 0.08)
    band = np.clip((ys - start) / (height - start), 0, 1) ** 1.4 * 0.55
    return Image.fromarray((np.maximum(vignette, band) * 255).astype(np.uint8))


def render_shot(
    shot: ShotPlan,
    pack: EntityPack,
    size: tuple[int, int],
    *,
    variant: int | None = None,
    highlight: bool = True,
    backdrop: Image.Image | None = None,
    pictures: Mapping[str, Image.Image] | None = None,
) -> tuple[Image.Image, MouthAnchor | None]:
    """The shot's frame (RGB) and the speaking character's mouth anchor (None for narration).

    ``highlight=False`` draws the same layout with nobody emphasised (no halo, no dimmed
    listeners, plain name tags): the frame shown while the narrator reads (ADR 0115).
    ``backdrop`` (already ``size``): a generated picture used instead of the drawn place.
    ``pictures``: by character id, a library portrait drawn as a framed card instead of the
    drawn bust (ADR 0241); such a speaker has no mouth anchor (no lip-sync on a photo).
    """
    pictures = pictures or {}
    variant = shot.variant if variant is None else variant
    place = next((p for p in pack.places if p.entity_id == shot.place_id), None)
    hint = f"{shot.visual_prompt} {shot.text}"
    stated = {"time_of_day": shot.time_of_day, "weather": shot.weather}
    light = scene_light(place, hint, shot.scene_index, variant, **stated)
    frame = (
        backdrop.convert("RGB")
        if backdrop is not None
        else render_backdrop(
            place, hint, size, shot.scene_index, variant=variant, landmark=shot.landmark, **stated
        )
    )
    anchor: MouthAnchor | None = None
    tags: list[tuple[Slot, int, int]] = []
    for slot in layout_cast(cast_of(shot, pack), shot.speaker_id, size, variant):
        picture = pictures.get(slot.entity.entity_id)
        portrait = (
            render_portrait(slot.entity, slot.height)
            if picture is None
            else portrait_card(picture, look_of(slot.entity), slot.height)
        )
        left, top = round(slot.center_x - portrait.size[0] / 2), round(slot.bottom - slot.height)
        if slot.speaking and highlight:
            paste_speaker_glow(frame, portrait, (left, top), light)
        dim = highlight and shot.speaker_id is not None and not slot.speaking
        lit = light_portrait(portrait, light, dim=dim)
        frame.paste(lit, (left, top), lit)
        extend_torso(frame, lit, (left, top))
        tags.append((slot, left, top))
        if slot.speaking and picture is None:
            anchor = _mouth_anchor(slot, portrait.size, (left, top), light)
    frame.paste((0, 0, 0), (0, 0, *size), _finish_mask(size))
    for slot, _left, top in tags:
        card = slot.entity.entity_id in pictures
        _tag(frame, slot, top, size, emphasise=slot.speaking and highlight, card=card)
    return frame, anchor


def _mouth_anchor(
    slot: Slot, portrait_size: tuple[int, int], at: tuple[int, int], light: Light
) -> MouthAnchor:
    skin = hex_to_rgb(look_of(slot.entity).palette[0])
    return MouthAnchor(
        character_id=slot.entity.entity_id,
        x=round(at[0] + MOUTH[0] * portrait_size[0]),
        y=round(at[1] + MOUTH[1] * portrait_size[1]),
        width=max(4, round(MOUTH[2] * portrait_size[0])),
        lip_color=rgb_to_hex(grade_color(lip_color(skin), light)),
    )


def _tag(
    frame: Image.Image,
    slot: Slot,
    top: int,
    size: tuple[int, int],
    *,
    emphasise: bool,
    card: bool = False,
) -> None:
    font_px = round(min(size) * (0.032 if emphasise else 0.026))
    accent = hex_to_rgb(look_of(slot.entity).palette[3])
    fill = shade(accent, 0.9) if emphasise else (24, 26, 34)
    text = (20, 20, 24) if emphasise and sum(fill) > 380 else (250, 250, 250)
    head = 0.0 if card else head_top(look_of(slot.entity))
    bottom = top + head * slot.height - size[1] * 0.01
    alpha = 235 if emphasise else 170
    draw_name_tag(
        frame,
        slot.entity.name,
        slot.center_x,
        bottom,
        font_px,
        fill=fill,
        text_color=text,
        alpha=alpha,
    )
