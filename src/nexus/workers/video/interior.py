"""Indoor backdrops: a wall, a window onto the scene's light, shelves, a lamp and a floor."""

from __future__ import annotations

import random

from PIL import Image, ImageDraw

from nexus.workers.video.palette import Light, Rgb, mix, shade
from nexus.workers.video.scenery import radial_glow, vertical_gradient


def draw_interior(img: Image.Image, light: Light, rng: random.Random) -> None:
    """A room: wall, window onto the current light, shelf or picture, floor in perspective."""
    w, h = img.size
    wall = rng.choice(
        [(214, 190, 160), (176, 196, 186), (196, 176, 196), (222, 206, 176), (170, 180, 204)]
    )
    lamp_lit = light.name in ("dusk", "night", "storm")
    wall_rgb = shade(wall, 0.78 if lamp_lit else 1.0)
    floor_y = round(h * 0.7)
    img.paste(vertical_gradient((w, floor_y), shade(wall_rgb, 0.8), wall_rgb), (0, 0))
    wood = rng.choice([(128, 88, 60), (150, 112, 78), (100, 74, 60)])
    img.paste(
        vertical_gradient((w, h - floor_y), shade(wood, 0.8), shade(wood, 0.55)), (0, floor_y)
    )
    draw = ImageDraw.Draw(img)
    for i in range(-8, 9):
        draw.line(
            (w / 2 + i * w * 0.02, floor_y, w / 2 + i * w * 0.16, h),
            fill=shade(wood, 0.5),
            width=max(1, w // 900),
        )
    draw.rectangle((0, floor_y - h * 0.02, w, floor_y), fill=shade(wood, 0.7))
    wx = rng.uniform(0.12, 0.62) * w
    win = (wx, h * 0.14, wx + w * 0.24, h * 0.5)
    draw.rectangle(
        (win[0] - w * 0.01, win[1] - w * 0.01, win[2] + w * 0.01, win[3] + w * 0.01),
        fill=shade(wood, 0.9),
    )
    img.paste(
        vertical_gradient(
            (round(win[2] - win[0]), round(win[3] - win[1])), light.sky_top, light.sky_horizon
        ),
        (round(win[0]), round(win[1])),
    )
    draw = ImageDraw.Draw(img)
    draw.line(
        ((win[0] + win[2]) / 2, win[1], (win[0] + win[2]) / 2, win[3]),
        fill=shade(wood, 0.9),
        width=max(2, w // 300),
    )
    draw.line(
        (win[0], (win[1] + win[3]) / 2, win[2], (win[1] + win[3]) / 2),
        fill=shade(wood, 0.9),
        width=max(2, w // 300),
    )
    _furnish(img, rng, wall_rgb, wood, floor_y, lamp_lit)


def _furnish(
    img: Image.Image, rng: random.Random, wall: Rgb, wood: Rgb, floor_y: int, lamp_lit: bool
) -> None:
    w, h = img.size
    draw = ImageDraw.Draw(img)
    sx = rng.choice([0.03, 0.74]) * w
    draw.rectangle((sx, h * 0.2, sx + w * 0.2, floor_y), fill=shade(wood, 0.75))
    for row in range(4):
        y = h * 0.24 + row * h * 0.115
        x = sx + w * 0.012
        while x < sx + w * 0.185:
            bw = w * rng.uniform(0.008, 0.016)
            color = rng.choice(
                [(160, 60, 50), (60, 90, 140), (200, 170, 80), (70, 120, 80), (120, 80, 120)]
            )
            draw.rectangle(
                (x, y + h * rng.uniform(0.0, 0.02), x + bw, y + h * 0.09), fill=shade(color, 0.85)
            )
            x += bw + w * 0.002
    lx = sx + (w * 0.3 if sx < w / 2 else -w * 0.08)
    draw.line((lx, h * 0.3, lx, floor_y), fill=shade(wood, 0.5), width=max(2, w // 500))
    draw.polygon(
        [
            (lx - w * 0.03, h * 0.3),
            (lx + w * 0.03, h * 0.3),
            (lx + w * 0.02, h * 0.24),
            (lx - w * 0.02, h * 0.24),
        ],
        fill=(250, 226, 170) if lamp_lit else mix(wall, (250, 240, 220), 0.6),
    )
    if lamp_lit:
        radial_glow(img, (lx, h * 0.28), h * 0.4, (255, 214, 150), 0.35)
