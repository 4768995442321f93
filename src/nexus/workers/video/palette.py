"""Colour helpers, seeded randomness and the lighting presets shared by the video renderers."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, replace
from typing import Literal

Rgb = tuple[int, int, int]
LightName = Literal["day", "morning", "golden", "dusk", "night", "storm"]


def seeded_rng(*parts: object) -> random.Random:
    """A Random seeded from the parts' text: the same parts give the same draws everywhere."""
    text = "\x1f".join(str(part) for part in parts)
    return random.Random(int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big"))


def hex_to_rgb(value: str, fallback: Rgb = (128, 128, 128)) -> Rgb:
    text = value.strip().lstrip("#")
    if len(text) == 3:
        text = "".join(ch * 2 for ch in text)
    try:
        return (int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16))
    except ValueError:
        return fallback


def rgb_to_hex(color: Rgb) -> str:
    return "#{:02x}{:02x}{:02x}".format(*color)


def mix(a: Rgb, b: Rgb, t: float) -> Rgb:
    """Linear blend: t=0 gives a, t=1 gives b."""
    t = max(0.0, min(1.0, t))
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


def shade(color: Rgb, factor: float) -> Rgb:
    """Darken (factor < 1) or lighten (factor > 1, towards white)."""
    if factor <= 1.0:
        return mix((0, 0, 0), color, factor)
    return mix(color, (255, 255, 255), factor - 1.0)


@dataclass(frozen=True)
class Light:
    """Time-of-day lighting: sky gradient, sun or moon, haze for distance, a grade for land."""

    name: LightName
    sky_top: Rgb
    sky_horizon: Rgb
    sun: Rgb
    haze: Rgb
    land: float  # brightness multiplier for scenery colours
    tint: Rgb  # colour the scenery is pulled towards
    tint_amount: float
    stars: bool = False
    moon: bool = False
    overcast: bool = False  # rain, snow or fog: no sun/moon disc, no stars, heavy cloud


LIGHTS: dict[LightName, Light] = {
    "day": Light("day", (86, 146, 214), (200, 224, 240), (255, 248, 222), (196, 216, 232),
                 1.0, (255, 255, 255), 0.0),
    "morning": Light("morning", (120, 170, 226), (236, 232, 210), (255, 246, 214),
                     (214, 224, 232), 0.97, (255, 236, 200), 0.06),
    "golden": Light("golden", (98, 128, 196), (252, 204, 150), (255, 226, 160), (236, 200, 170),
                    0.95, (255, 190, 120), 0.16),
    "dusk": Light("dusk", (40, 46, 104), (236, 128, 110), (255, 176, 128), (170, 112, 130),
                  0.72, (120, 70, 120), 0.25),
    "night": Light("night", (10, 16, 42), (38, 56, 98), (236, 236, 218), (44, 60, 96),
                   0.45, (30, 50, 110), 0.42, stars=True, moon=True),
    "storm": Light("storm", (70, 78, 92), (150, 158, 166), (210, 214, 220), (132, 140, 150),
                   0.7, (90, 100, 118), 0.3),
}  # fmt: skip

LIGHT_WORDS: dict[LightName, tuple[str, ...]] = {
    "night": (
        "night",
        "midnight",
        "moon",
        "dark",
        "star",
        "夜",
        "晚上",
        "月光",
        "月亮",
        "星星",
        "星空",
    ),
    # Chinese words are two characters at least: single ones (雨, 月) hide inside names.
    "dusk": ("dusk", "sunset", "evening", "twilight", "黄昏", "傍晚", "夕阳", "日落"),
    "golden": ("dawn", "sunrise", "morning", "清晨", "黎明", "早晨", "朝阳"),
    "storm": (
        "storm",
        "rain",
        "thunder",
        "fog",
        "mist",
        "风暴",
        "暴风",
        "下雨",
        "大雨",
        "暴雨",
        "雨中",
        "雨水",
        "大雾",
        "雷声",
        "打雷",
    ),
}
_CYCLE: tuple[LightName, ...] = ("day", "golden", "dusk", "night")


def choose_light(hint: str, place_seed: str, variant: int) -> Light:
    """Lighting from the scene's words; without a hint, the place's own, rotated by variant."""
    lowered = hint.lower()
    for name, words in LIGHT_WORDS.items():
        if any(word in lowered for word in words):
            return LIGHTS[name]
    base = seeded_rng("light", place_seed).randrange(2)  # day or golden by default
    return LIGHTS[_CYCLE[(base + variant) % 3]]


_TIME_LIGHTS: dict[str, LightName] = {
    "dawn": "golden", "morning": "morning", "day": "day", "dusk": "dusk", "night": "night",
}  # fmt: skip
_GREY: Rgb = (128, 132, 140)


def overcast(light: Light, *, darker: float = 0.82) -> Light:
    """The same time of day under cloud: greyer sky, dimmer land, nothing shining through."""
    return replace(
        light,
        sky_top=mix(light.sky_top, shade(_GREY, light.land), 0.55),
        sky_horizon=mix(light.sky_horizon, shade(_GREY, light.land * 1.1), 0.6),
        haze=mix(light.haze, shade(_GREY, light.land), 0.5),
        land=light.land * darker,
        stars=False,
        moon=False,
        overcast=True,
    )


def setting_light(
    time_of_day: str | None, weather: str | None, hint: str, place_seed: str, variant: int
) -> Light:
    """The light of a stated setting (ADR 0111); the hint words decide what was not stated.

    Rain and storm by day are the grey ``storm`` light; after dark they are the night (or
    dusk) overcast; snow and fog are overcast but brighter.
    """
    if time_of_day is None:
        base = choose_light(hint, place_seed, variant)
        if weather in (None, "clear"):
            return LIGHTS["day"] if weather == "clear" and base.name == "storm" else base
    else:
        base = LIGHTS[_TIME_LIGHTS[time_of_day]]
    if weather in ("rain", "storm"):
        if base.name in ("night", "dusk"):
            return overcast(base, darker=0.7 if weather == "storm" else 0.8)
        return LIGHTS["storm"] if weather == "storm" else overcast(base, darker=0.75)
    if weather in ("snow", "fog"):
        return overcast(base, darker=0.95)
    return base


def grade(color: Rgb, light: Light) -> Rgb:
    """Apply the light's brightness and tint to a scenery colour."""
    return shade(mix(color, light.tint, light.tint_amount), light.land)


def depth(color: Rgb, light: Light, distance: float) -> Rgb:
    """Atmospheric perspective: far things (distance -> 1) fade into the haze."""
    return mix(grade(color, light), light.haze, 0.75 * distance)
