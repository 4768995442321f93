"""Landmarks the text names, drawn into an outdoor backdrop: bridge, tower, temple, windmill.

(The lighthouse has a whole theme of its own in ``backdrop.py``.) Each is drawn on the 2x
canvas standing on the theme's horizon, at a side picked from the place's seed, graded into
the scene's light; lit windows or lamps after dusk.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from PIL import Image, ImageDraw

from nexus.workers.video.palette import Light, grade, shade
from nexus.workers.video.scenery import radial_glow

_LIT = ("dusk", "night", "storm")


def bridge(img: Image.Image, x: float, base: float, height: float, light: Light) -> None:
    """A stone bridge of three round arches spanning a third of the frame."""
    draw = ImageDraw.Draw(img)
    span = img.size[0] * 0.36
    stone = grade((150, 140, 128), light)
    deck = base - height * 0.55
    left, right = x - span / 2, x + span / 2
    draw.rectangle((left, deck, right, base), fill=stone)
    through = shade(light.haze, 0.75)  # what shows under an arch
    for i in range(3):
        a0, a1 = left + span * (i + 0.1) / 3, left + span * (i + 0.9) / 3
        crown = deck + height * 0.2
        draw.chord((a0, crown, a1, 2 * base - crown), 180, 360, fill=through)
        draw.rectangle((a0, (crown + base) / 2, a1, base), fill=through)
    rail = shade(stone, 0.8)
    for i in range(13):
        px = left + span * i / 12
        draw.rectangle((px - 3, deck - height * 0.1, px + 3, deck), fill=rail)
    draw.rectangle((left, deck - height * 0.12, right, deck - height * 0.09), fill=rail)


def tower(img: Image.Image, x: float, base: float, height: float, light: Light) -> None:
    """A clock tower: a tall block, a clock face, a pointed roof."""
    draw = ImageDraw.Draw(img)
    w = height * 0.22
    body = grade((170, 150, 128), light)
    top = base - height
    draw.rectangle((x - w / 2, top, x + w / 2, base), fill=body)
    draw.polygon([(x - w * 0.62, top), (x, top - height * 0.32), (x + w * 0.62, top)],
                 fill=grade((90, 60, 56), light))  # fmt: skip
    r = w * 0.3
    cy = top + height * 0.16
    face = (250, 236, 180) if light.name in _LIT else grade((240, 236, 224), light)
    draw.ellipse((x - r, cy - r, x + r, cy + r), fill=face, outline=shade(body, 0.5), width=4)
    draw.line((x, cy, x, cy - r * 0.75), fill=(40, 40, 40), width=4)
    draw.line((x, cy, x + r * 0.5, cy), fill=(40, 40, 40), width=4)
    for k in range(4):
        wy = top + height * (0.35 + 0.15 * k)
        draw.rectangle((x - w * 0.12, wy, x + w * 0.12, wy + height * 0.07), fill=shade(body, 0.45))
    if light.name in _LIT:
        radial_glow(img, (x, cy), r * 3, (255, 230, 160), 0.4)


def temple(img: Image.Image, x: float, base: float, height: float, light: Light) -> None:
    """A pagoda: storeys shrinking upwards, each under a wide upturned roof."""
    draw = ImageDraw.Draw(img)
    wall = grade((176, 64, 52), light)
    roof = grade((60, 62, 70), light)
    storeys = 5
    y = base
    for i in range(storeys):
        w = height * (0.34 - 0.045 * i)
        h = height * 0.13
        draw.rectangle((x - w / 2, y - h, x + w / 2, y), fill=wall)
        eave = w * 0.85
        draw.polygon(
            [(x - eave, y - h + h * 0.1), (x - w * 0.45, y - h - h * 0.45),
             (x + w * 0.45, y - h - h * 0.45), (x + eave, y - h + h * 0.1)],
            fill=roof,
        )  # fmt: skip
        y -= h * 1.45
    draw.line((x, y + height * 0.02, x, y - height * 0.12), fill=roof, width=6)


def windmill(img: Image.Image, x: float, base: float, height: float, light: Light) -> None:
    draw = ImageDraw.Draw(img)
    body = grade((214, 204, 186), light)
    top_w, bot_w = height * 0.14, height * 0.26
    top = base - height * 0.7
    draw.polygon([(x - bot_w / 2, base), (x - top_w / 2, top), (x + top_w / 2, top),
                  (x + bot_w / 2, base)], fill=body)  # fmt: skip
    draw.polygon([(x - top_w * 0.7, top), (x, top - height * 0.12), (x + top_w * 0.7, top)],
                 fill=grade((110, 70, 50), light))  # fmt: skip
    hub = (x, top + height * 0.02)
    sail = grade((120, 90, 70), light)
    reach = height * 0.5
    for dx, dy in ((1, 1), (-1, -1), (1, -1), (-1, 1)):
        draw.line((hub[0], hub[1], hub[0] + dx * reach * 0.7, hub[1] + dy * reach * 0.7),
                  fill=sail, width=max(4, round(height * 0.025)))  # fmt: skip


LANDMARKS: dict[str, Callable[[Image.Image, float, float, float, Light], None]] = {
    "bridge": bridge,
    "tower": tower,
    "temple": temple,
    "windmill": windmill,
}


def draw_landmark(
    img: Image.Image, landmark: str, horizon: float, light: Light, rng: random.Random
) -> tuple[float, float] | None:
    """Draw ``landmark`` standing at ``horizon`` (a fraction of the height); returns its
    centre (x, y) in pixels, or None for a landmark this module does not draw."""
    drawer = LANDMARKS.get(landmark)
    if drawer is None:
        return None
    width, height = img.size
    x = width * (0.28 if rng.random() < 0.5 else 0.72)
    base = height * (horizon + 0.05)
    size = height * (0.26 if landmark == "bridge" else 0.42)
    drawer(img, x, base, size, light)
    return x, base - size / 2
