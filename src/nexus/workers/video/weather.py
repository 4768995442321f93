"""Weather drawn over a finished backdrop: rain streaks, snowflakes, a fog veil (ADR 0111).

Drawn at the output size (not the 2x canvas), so a streak stays one or two pixels wide and
bright enough to read; seeded, so the same shot gets the same rain.
"""

from __future__ import annotations

import math
import random

from PIL import Image, ImageDraw, ImageFilter

from nexus.workers.video.palette import Light, mix
from nexus.workers.video.scenery import vertical_gradient

RAIN_ANGLE_DEG = 12.0
"""Streaks lean this far from vertical (wind); tests look for lines at this angle."""


def rain(img: Image.Image, light: Light, rng: random.Random, *, heavy: bool = False) -> None:
    """Thin slanted streaks over the whole frame, lighter than the sky behind them."""
    width, height = img.size
    layer = Image.new("RGBA", img.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    color = mix((200, 210, 225), light.sky_horizon, 0.25 if light.land > 0.6 else 0.1)
    count = int(width * height / (900 if heavy else 1500))
    angle = math.radians(RAIN_ANGLE_DEG * (1.4 if heavy else 1.0))
    dx, dy = math.sin(angle), math.cos(angle)
    line_w = max(1, round(width / 900))
    for _ in range(count):
        x, y = rng.uniform(-0.1 * width, width), rng.uniform(-0.05 * height, height)
        length = height * rng.uniform(0.03, 0.07)
        alpha = rng.randint(90, 170)
        draw.line((x, y, x + dx * length, y + dy * length), fill=(*color, alpha), width=line_w)
    img.paste(layer, (0, 0), layer)


def snow(img: Image.Image, light: Light, rng: random.Random) -> None:
    width, height = img.size
    layer = Image.new("RGBA", img.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    flake = mix((250, 250, 255), light.sky_horizon, 0.1)
    for _ in range(int(width * height / 1800)):
        x, y = rng.uniform(0, width), rng.uniform(0, height)
        r = rng.uniform(0.8, 2.2) * width / 1280
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(*flake, rng.randint(150, 230)))
    img.paste(layer.filter(ImageFilter.GaussianBlur(0.6)), (0, 0), layer)


def fog(img: Image.Image, light: Light) -> None:
    """A veil thickest at the horizon and ground: far things fade, the frame stays readable."""
    width, height = img.size
    veil = vertical_gradient((width, height), light.haze, mix(light.haze, (255, 255, 255), 0.2))
    mask = vertical_gradient((width, height), (60, 60, 60), (150, 150, 150)).convert("L")
    img.paste(veil, (0, 0), mask)


def paint_weather(img: Image.Image, weather: str | None, light: Light, rng: random.Random) -> None:
    """Draw ``weather`` (rain, storm, snow, fog; clear or None draw nothing) in place."""
    if weather in ("rain", "storm"):
        rain(img, light, rng, heavy=weather == "storm")
    elif weather == "snow":
        snow(img, light, rng)
    elif weather == "fog":
        fog(img, light)
