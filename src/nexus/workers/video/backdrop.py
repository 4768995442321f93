"""Place backdrops: a theme (``themes.py``) drawn in layers, a landmark, the weather on top.

Everything is seeded from the place id, so a place looks the same in every shot; the variant
and the scene's words only change the light.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from functools import lru_cache

from PIL import Image, ImageDraw

from nexus.contracts.studio import Entity
from nexus.workers.video.interior import draw_interior
from nexus.workers.video.landmarks import draw_landmark
from nexus.workers.video.palette import (
    Light,
    Rgb,
    depth,
    grade,
    mix,
    seeded_rng,
    setting_light,
    shade,
)
from nexus.workers.video.scenery import (
    buildings,
    fill_ridge,
    lighthouse,
    paint_sky,
    paint_water,
    peaks,
    radial_glow,
    ridge,
    snow_caps,
    tree_row,
    vertical_gradient,
)
from nexus.workers.video.themes import THEME_WORDS, THEMES, choose_theme
from nexus.workers.video.weather import paint_weather

__all__ = ["THEMES", "THEME_WORDS", "choose_theme", "render_backdrop", "scene_light"]
# Where each theme's horizon lies (a fraction of the height): landmarks stand on it.
HORIZONS = {
    "sea": 0.56, "lake": 0.5, "forest": 0.55, "mountain": 0.62, "city": 0.62, "village": 0.58,
    "desert": 0.6, "field": 0.6,
}  # fmt: skip


def _outdoor(
    img: Image.Image, light: Light, rng: random.Random, horizon: float
) -> tuple[int, tuple[float, float]]:
    h = round(img.size[1] * horizon)
    sun = paint_sky(img, h, light, rng)
    return h, sun


def _land(img: Image.Image, light: Light, rng: random.Random, horizon: int, green: Rgb) -> None:
    w, height = img.size
    for i, dist in enumerate((0.8, 0.5)):
        fill_ridge(
            img,
            ridge(w, horizon + i * height * 0.04, height * 0.06, rng, 1.5),
            depth(green, light, dist),
        )
    near = grade(shade(green, 0.9), light)
    img.paste(
        vertical_gradient((w, height - horizon - round(height * 0.08)), near, shade(near, 0.7)),
        (0, horizon + round(height * 0.08)),
    )


def draw_sea(img: Image.Image, light: Light, rng: random.Random) -> None:
    w, h = img.size
    horizon, sun = _outdoor(img, light, rng, 0.56)
    fill_ridge(img, ridge(w, horizon, h * 0.035, rng, 1.2), depth((90, 110, 120), light, 0.85))
    paint_water(img, horizon, light, sun, rng)
    sand = grade((214, 190, 150), light)
    fill_ridge(img, ridge(w, h * 0.9, h * 0.05, rng, 0.8), sand)


def draw_lighthouse(img: Image.Image, light: Light, rng: random.Random) -> None:
    w, h = img.size
    horizon, sun = _outdoor(img, light, rng, 0.56)
    paint_water(img, horizon, light, sun, rng)
    left = rng.random() < 0.5
    cliff_x = w * (0.16 if left else 0.84)
    rock = grade((92, 88, 84), light)
    span = w * 0.3
    draw = ImageDraw.Draw(img)
    top = horizon - h * 0.02
    draw.polygon(
        [
            (cliff_x - span, h),
            (cliff_x - span * 0.55, top + h * 0.05),
            (cliff_x - span * 0.2, top),
            (cliff_x + span * 0.25, top + h * 0.01),
            (cliff_x + span * 0.6, top + h * 0.08),
            (cliff_x + span, h),
        ],
        fill=rock,
    )
    grass = grade((96, 128, 80), light)
    draw.polygon(
        [
            (cliff_x - span * 0.55, top + h * 0.05),
            (cliff_x - span * 0.2, top),
            (cliff_x + span * 0.25, top + h * 0.01),
            (cliff_x + span * 0.6, top + h * 0.08),
            (cliff_x - span * 0.6, top + h * 0.08),
        ],
        fill=grass,
    )
    lighthouse(img, cliff_x, top + h * 0.01, h * 0.42, light)


def draw_lake(img: Image.Image, light: Light, rng: random.Random) -> None:
    w, h = img.size
    horizon, sun = _outdoor(img, light, rng, 0.5)
    fill_ridge(img, ridge(w, horizon, h * 0.12, rng, 1.5), depth((70, 100, 80), light, 0.7))
    paint_water(img, horizon, light, sun, rng)
    tree_row(img, horizon + h * 0.02, h * 0.1, depth((40, 80, 55), light, 0.45), rng, kind="pine")
    fill_ridge(img, ridge(w, h * 0.88, h * 0.06, rng, 1.0), grade((88, 120, 70), light))


def draw_forest(img: Image.Image, light: Light, rng: random.Random) -> None:
    w, h = img.size
    horizon, _ = _outdoor(img, light, rng, 0.55)
    base = (44, 96, 64)
    fill_ridge(img, ridge(w, horizon, h * 0.1, rng, 1.2), depth(base, light, 0.8))
    img.paste(
        vertical_gradient(
            (w, h - horizon), depth(base, light, 0.5), grade(shade(base, 0.6), light)
        ),
        (0, horizon),
    )
    for i, dist in enumerate((0.7, 0.45, 0.2)):
        tree_row(
            img,
            horizon + h * (0.03 + 0.09 * i),
            h * (0.16 + 0.12 * i),
            depth(base, light, dist),
            rng,
            kind="pine",
        )


def draw_mountain(img: Image.Image, light: Light, rng: random.Random) -> None:
    w, h = img.size
    horizon, _ = _outdoor(img, light, rng, 0.62)
    rock = (104, 100, 120)
    far = peaks(w, horizon, h * 0.4, rng, 3)
    fill_ridge(img, far, depth(rock, light, 0.6))
    snow_caps(img, far, mix(grade((250, 250, 255), light), light.haze, 0.25), h * 0.07)
    near = peaks(w, horizon + h * 0.03, h * 0.2, rng, 4)
    fill_ridge(img, near, depth(shade(rock, 0.85), light, 0.35))
    _land(img, light, rng, horizon + round(h * 0.04), (96, 140, 80))


def draw_city(img: Image.Image, light: Light, rng: random.Random) -> None:
    w, h = img.size
    horizon, _ = _outdoor(img, light, rng, 0.62)
    buildings(img, horizon, light, rng, dist=0.7, scale=0.8)
    buildings(img, horizon + h * 0.04, light, rng, dist=0.35, scale=1.05)
    street = grade((110, 108, 112), light)
    img.paste(
        vertical_gradient(
            (w, h - horizon - round(h * 0.04)), shade(street, 1.1), shade(street, 0.75)
        ),
        (0, horizon + round(h * 0.04)),
    )
    draw = ImageDraw.Draw(img)
    curb = horizon + h * 0.04
    draw.rectangle((0, curb, w, curb + h * 0.015), fill=grade((170, 166, 160), light))
    for i in range(6):
        x = w * (i + 0.5) / 6
        draw.line(
            (x, curb - h * 0.2, x, curb),
            fill=grade((40, 42, 48), light),
            width=max(2, round(w / 480)),
        )
        lamp = (
            (255, 226, 150)
            if light.name in ("dusk", "night", "storm")
            else grade((230, 230, 220), light)
        )
        draw.ellipse((x - w * 0.008, curb - h * 0.215, x + w * 0.008, curb - h * 0.19), fill=lamp)
        if light.name in ("dusk", "night", "storm"):
            radial_glow(img, (x, curb - h * 0.2), h * 0.12, (255, 220, 150), 0.35)
            draw = ImageDraw.Draw(img)


def draw_village(img: Image.Image, light: Light, rng: random.Random) -> None:
    w, h = img.size
    horizon, _ = _outdoor(img, light, rng, 0.58)
    _land(img, light, rng, horizon, (110, 156, 84))
    draw = ImageDraw.Draw(img)
    for _ in range(rng.randint(3, 5)):
        x, s = rng.uniform(0.05, 0.95) * w, rng.uniform(0.05, 0.08) * h
        y = horizon + h * 0.03
        wall = depth(rng.choice([(226, 210, 180), (200, 170, 140), (236, 226, 210)]), light, 0.35)
        draw.rectangle((x - s, y - s, x + s, y), fill=wall)
        draw.polygon(
            [(x - s * 1.2, y - s), (x, y - s * 1.9), (x + s * 1.2, y - s)],
            fill=depth((160, 70, 56), light, 0.35),
        )
        draw.rectangle((x - s * 0.2, y - s * 0.55, x + s * 0.2, y), fill=shade(wall, 0.6))
    tree_row(img, h * 0.74, h * 0.14, grade((60, 110, 60), light), rng, kind="round")


def draw_desert(img: Image.Image, light: Light, rng: random.Random) -> None:
    w, h = img.size
    horizon, _ = _outdoor(img, light, rng, 0.6)
    sand = (222, 180, 120)
    for i, dist in enumerate((0.7, 0.45, 0.2, 0.0)):
        fill_ridge(
            img,
            ridge(w, horizon + h * 0.08 * i, h * 0.07, rng, 0.9),
            depth(shade(sand, 1.0 - 0.06 * i), light, dist),
        )


def draw_field(img: Image.Image, light: Light, rng: random.Random) -> None:
    w, h = img.size
    horizon, _ = _outdoor(img, light, rng, 0.6)
    fill_ridge(img, ridge(w, horizon, h * 0.1, rng, 1.0), depth((90, 120, 110), light, 0.75))
    _land(img, light, rng, horizon + round(h * 0.02), (120, 164, 88))
    tree_row(img, horizon + h * 0.06, h * 0.1, depth((60, 110, 60), light, 0.4), rng, kind="round")


DRAWERS: dict[str, Callable[[Image.Image, Light, random.Random], None]] = {
    "lighthouse": draw_lighthouse,
    "sea": draw_sea,
    "lake": draw_lake,
    "forest": draw_forest,
    "mountain": draw_mountain,
    "interior": draw_interior,
    "city": draw_city,
    "village": draw_village,
    "desert": draw_desert,
    "field": draw_field,
}


def place_key(place: Entity | None, seed: int) -> str:
    return place.entity_id if place else f"no-place-{seed}"


def scene_light(
    place: Entity | None,
    scene_hint: str,
    seed: int = 0,
    variant: int = 0,
    *,
    time_of_day: str | None = None,
    weather: str | None = None,
) -> Light:
    """The light a shot is drawn in (also applied to the characters standing in it): the
    stated time and weather, the hint's words for what was not stated."""
    return setting_light(time_of_day, weather, scene_hint, place_key(place, seed), variant)


def render_backdrop(
    place: Entity | None,
    scene_hint: str,
    size: tuple[int, int],
    seed: int = 0,
    *,
    variant: int = 0,
    time_of_day: str | None = None,
    weather: str | None = None,
    landmark: str | None = None,
) -> Image.Image:
    """An RGB backdrop for ``place`` at ``size``; same inputs give the same pixels.

    The layout is seeded from the place id (or ``seed`` when there is no place), so a place
    is recognisable across shots; the stated time and weather (else the ``scene_hint`` words:
    night, rain...) and ``variant`` set the light; weather is drawn over it and a stated
    landmark stands on the horizon. Drawn at 2x and downsampled for smooth edges.
    """
    key = place_key(place, seed)
    theme = choose_theme(place, scene_hint, landmark)
    light = scene_light(place, scene_hint, seed, variant, time_of_day=time_of_day, weather=weather)
    img = _drawn_backdrop(key, theme, light, size, landmark).copy()
    paint_weather(img, weather, light, seeded_rng("weather", key, weather, size))
    return img


@lru_cache(maxsize=16)
def _drawn_backdrop(
    key: str, theme: str, light: Light, size: tuple[int, int], landmark: str | None = None
) -> Image.Image:
    """Shots at one place in one light share their backdrop: draw it once per process."""
    width, height = size
    canvas = Image.new("RGB", (width * 2, height * 2), light.haze)
    DRAWERS[theme](canvas, light, seeded_rng("backdrop", key, theme))
    if landmark and theme in HORIZONS:
        draw_landmark(canvas, landmark, HORIZONS[theme], light, seeded_rng("landmark", key))
    return canvas.resize(size, Image.Resampling.LANCZOS)
