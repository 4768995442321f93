"""Drawing primitives for backdrops: sky, ridges, water, trees, buildings, a lighthouse."""

from __future__ import annotations

import math
import random

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from nexus.workers.video.palette import Light, Rgb, depth, grade, mix, shade

Point = tuple[float, float]


def vertical_gradient(size: tuple[int, int], top: Rgb, bottom: Rgb) -> Image.Image:
    width, height = size
    t = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None]
    rows = np.array(top, np.float32) * (1 - t) + np.array(bottom, np.float32) * t
    return Image.fromarray(np.repeat(rows[:, None, :], width, axis=1).astype(np.uint8))


def overlay(img: Image.Image, layer: Image.Image, *, blur: float = 0.0) -> None:
    """Alpha-composite an RGBA ``layer`` onto ``img`` in place, optionally softened first."""
    soft = layer.filter(ImageFilter.GaussianBlur(blur)) if blur > 0 else layer
    img.paste(soft, (0, 0), soft)


def radial_glow(
    img: Image.Image, center: Point, radius: float, color: Rgb, strength: float
) -> None:
    """Add a soft light (sun glow, lamp) with a quadratic falloff, in place (only its box)."""
    box = (
        max(0, int(center[0] - radius)),
        max(0, int(center[1] - radius)),
        min(img.size[0], int(center[0] + radius) + 1),
        min(img.size[1], int(center[1] + radius) + 1),
    )
    if box[2] <= box[0] or box[3] <= box[1]:
        return
    ys, xs = np.ogrid[box[1] : box[3], box[0] : box[2]]
    dist = np.sqrt((xs - center[0]) ** 2 + (ys - center[1]) ** 2) / radius
    alpha = (np.clip(1.0 - dist, 0.0, 1.0) ** 2 * strength).astype(np.float32)[..., None]
    base = np.asarray(img.crop(box), np.float32)
    out = base + (np.array(color, np.float32) - base) * alpha
    img.paste(Image.fromarray(out.astype(np.uint8)), box[:2])


def paint_sky(img: Image.Image, horizon: int, light: Light, rng: random.Random) -> Point:
    """Sky gradient, stars, sun or moon and clouds above ``horizon``; returns the sun's centre."""
    width = img.size[0]
    img.paste(vertical_gradient((width, horizon), light.sky_top, light.sky_horizon), (0, 0))
    draw = ImageDraw.Draw(img)
    if light.stars:
        for _ in range(int(width * horizon / 9000)):
            x, y = rng.uniform(0, width), rng.uniform(0, horizon * 0.8)
            r = rng.choice((1.0, 1.4, 2.0)) * width / 1920
            draw.ellipse(
                (x - r, y - r, x + r, y + r), fill=mix(light.sky_top, (255, 255, 240), 0.8)
            )
    low = light.name in ("golden", "dusk")
    sun = (rng.uniform(0.15, 0.85) * width, horizon * (0.72 if low else 0.28))
    glow_r = width * (0.32 if low else 0.2)
    hidden = light.name == "storm" or light.overcast  # behind cloud: a faint glow, no disc
    strength = 0.25 if light.name == "storm" else 0.12 if light.overcast else 0.55
    radial_glow(img, sun, glow_r, light.sun, strength)
    if not hidden:
        r = width * 0.035
        draw = ImageDraw.Draw(img)
        draw.ellipse((sun[0] - r, sun[1] - r, sun[0] + r, sun[1] + r), fill=light.sun)
    paint_clouds(img, horizon, light, rng)
    return sun


def paint_clouds(img: Image.Image, horizon: int, light: Light, rng: random.Random) -> None:
    width = img.size[0]
    base = mix(light.sky_horizon, (255, 255, 255), 0.55 if light.name != "night" else 0.1)
    # Transparent pixels carry the cloud colour so blurring softens alpha, not the hue.
    layer = Image.new("RGBA", img.size, (*base, 0))
    draw = ImageDraw.Draw(layer)
    count = 7 if light.name == "storm" or light.overcast else rng.randint(2, 4)
    for _ in range(count):
        cx, cy = rng.uniform(0, width), rng.uniform(0.12, 0.6) * horizon
        span = rng.uniform(0.12, 0.24) * width
        for _ in range(6):
            dx, rx = rng.uniform(-0.5, 0.5) * span, rng.uniform(0.18, 0.32) * span
            ry = rx * rng.uniform(0.35, 0.5)
            draw.ellipse((cx + dx - rx, cy - ry, cx + dx + rx, cy + ry), fill=(*base, 150))
    overlay(img, layer, blur=width / 240)


def ridge(
    width: int, base_y: float, amplitude: float, rng: random.Random, bumps: float
) -> list[Point]:
    """A closed silhouette polygon: a sum of seeded sines along the width, filled to the bottom."""
    waves = [
        (rng.uniform(0.6, 1.4) * bumps * k, rng.uniform(0, math.tau), 1 / k) for k in (1, 2, 4)
    ]
    points: list[Point] = [(0.0, 1e6)]
    steps = 96
    for i in range(steps + 1):
        x = width * i / steps
        y = sum(math.sin(x / width * math.tau * f + p) * a for f, p, a in waves)
        points.append((x, base_y - amplitude * (0.5 + 0.5 * y / 1.75)))
    points.append((float(width), 1e6))
    return points


def peaks(width: int, base_y: float, height: float, rng: random.Random, count: int) -> list[Point]:
    """A mountain range: straight slopes between seeded peaks and valleys, closed to the bottom."""
    points: list[Point] = [(0.0, 1e6), (0.0, base_y - height * rng.uniform(0.1, 0.4))]
    step = width / count
    for i in range(count):
        x = step * (i + rng.uniform(0.3, 0.7))
        points.append((x, base_y - height * rng.uniform(0.6, 1.0)))
        points.append((x + step * rng.uniform(0.3, 0.5), base_y - height * rng.uniform(0.1, 0.35)))
    points += [(float(width), base_y - height * 0.2), (float(width), 1e6)]
    return points


def snow_caps(img: Image.Image, range_points: list[Point], color: Rgb, depth_px: float) -> None:
    """White caps on every peak higher than its neighbours by more than ``depth_px``."""
    draw = ImageDraw.Draw(img)
    for (lx, ly), (px, py), (rx, ry) in zip(
        range_points, range_points[1:], range_points[2:], strict=False
    ):
        if py >= ly - depth_px or py >= ry - depth_px:
            continue
        t_left, t_right = depth_px / (ly - py), depth_px / (ry - py)
        left = (px + (lx - px) * t_left, py + (ly - py) * t_left)
        right = (px + (rx - px) * t_right, py + (ry - py) * t_right)
        notch = ((left[0] + px) / 2, left[1] - depth_px * 0.25)
        notch2 = ((right[0] + px) / 2, right[1] - depth_px * 0.1)
        draw.polygon(
            [(px, py), right, notch2, ((left[0] + right[0]) / 2, left[1]), notch, left], fill=color
        )


def fill_ridge(img: Image.Image, points: list[Point], color: Rgb) -> None:
    bottom = float(img.size[1])
    ImageDraw.Draw(img).polygon([(x, min(y, bottom)) for x, y in points], fill=color)


def paint_water(img: Image.Image, top: int, light: Light, sun: Point, rng: random.Random) -> None:
    """Sea or lake from ``top`` to the bottom, darker towards the viewer, with sun glitter."""
    width, height = img.size
    near = grade((28, 72, 110), light)
    far = mix(light.sky_horizon, near, 0.35)
    img.paste(vertical_gradient((width, height - top), far, near), (0, top))
    draw = ImageDraw.Draw(img)
    glitter = mix(light.sun, far, 0.25)
    for _ in range(int(height / 6)):
        y = rng.uniform(top + 2, height)
        spread = (y - top) / max(1, height - top)
        x = sun[0] + rng.gauss(0, width * (0.03 + 0.1 * spread))
        length = rng.uniform(0.01, 0.05) * width * (0.3 + spread)
        thick = max(1.0, width / 1400 * (0.5 + 2 * spread))
        draw.line((x - length / 2, y, x + length / 2, y), fill=glitter, width=round(thick))


def pine(draw: ImageDraw.ImageDraw, x: float, base: float, height: float, color: Rgb) -> None:
    trunk = shade(color, 0.6)
    draw.rectangle((x - height * 0.03, base - height * 0.1, x + height * 0.03, base), fill=trunk)
    for i in range(3):
        top = base - height * (1.0 - i * 0.22)
        half = height * (0.16 + i * 0.07)
        bottom = base - height * (0.32 - i * 0.12)
        draw.polygon([(x, top), (x - half, bottom), (x + half, bottom)], fill=color)


def round_tree(draw: ImageDraw.ImageDraw, x: float, base: float, height: float, color: Rgb) -> None:
    trunk = mix(color, (70, 50, 35), 0.6)
    draw.rectangle((x - height * 0.04, base - height * 0.45, x + height * 0.04, base), fill=trunk)
    r = height * 0.3
    cy = base - height * 0.68
    for dx, dy, k in ((-0.45, 0.15, 0.8), (0.45, 0.12, 0.85), (0, -0.2, 1.0)):
        rr = r * k
        draw.ellipse(
            (x + dx * r - rr, cy + dy * r - rr, x + dx * r + rr, cy + dy * r + rr), fill=color
        )


def tree_row(
    img: Image.Image, base: float, height: float, color: Rgb, rng: random.Random, *, kind: str
) -> None:
    draw = ImageDraw.Draw(img)
    width = img.size[0]
    x = rng.uniform(-0.5, 0.5) * height * 0.3
    while x < width + height * 0.3:
        h = height * rng.uniform(0.75, 1.2)
        (pine if kind == "pine" else round_tree)(
            draw, x, base + rng.uniform(0, 0.05) * height, h, color
        )
        x += height * rng.uniform(0.22, 0.42) * (1.6 if kind == "round" else 1.0)


def buildings(
    img: Image.Image, base: float, light: Light, rng: random.Random, *, dist: float, scale: float
) -> None:
    """A row of blocks with roofs and windows; lit windows at dusk and night."""
    draw = ImageDraw.Draw(img)
    width = img.size[0]
    lit = light.name in ("dusk", "night", "storm")
    x = -rng.uniform(0, 0.05) * width
    while x < width:
        w = rng.uniform(0.06, 0.12) * width * scale
        h = rng.uniform(0.2, 0.5) * img.size[1] * scale
        body = depth(
            rng.choice([(150, 120, 110), (120, 126, 140), (176, 160, 138), (96, 104, 120)]),
            light,
            dist,
        )
        draw.rectangle((x, base - h, x + w, base), fill=body)
        if rng.random() < 0.4:
            draw.polygon(
                [
                    (x - w * 0.05, base - h),
                    (x + w / 2, base - h - w * 0.35),
                    (x + w * 1.05, base - h),
                ],
                fill=shade(body, 0.8),
            )
        window = mix((255, 214, 140), body, 0.2) if lit else mix(light.sky_horizon, body, 0.45)
        cols, rows = max(2, int(w / (0.018 * width))), max(2, int(h / (0.04 * img.size[1])))
        for c in range(cols):
            for r in range(rows):
                if lit and rng.random() < 0.45:
                    continue
                wx, wy = x + w * (c + 0.3) / cols, base - h + h * (r + 0.3) / rows
                draw.rectangle((wx, wy, wx + w * 0.4 / cols, wy + h * 0.45 / rows), fill=window)
        x += w + rng.uniform(0.0, 0.02) * width


def lighthouse(img: Image.Image, x: float, base: float, height: float, light: Light) -> None:
    """A striped tapered tower with a lantern; the lamp glows after dusk."""
    draw = ImageDraw.Draw(img)
    top_w, bot_w = height * 0.09, height * 0.16
    top = base - height
    white, red = grade((236, 232, 224), light), grade((186, 50, 46), light)
    for i in range(5):
        y0, y1 = top + height * i / 5, top + height * (i + 1) / 5
        w0 = top_w + (bot_w - top_w) * i / 5
        w1 = top_w + (bot_w - top_w) * (i + 1) / 5
        color = red if i % 2 == 0 else white
        draw.polygon(
            [(x - w0 / 2, y0), (x + w0 / 2, y0), (x + w1 / 2, y1), (x - w1 / 2, y1)], fill=color
        )
    lamp_y = top - height * 0.08
    dark = grade((50, 52, 60), light)
    draw.rectangle((x - top_w * 0.7, top - height * 0.015, x + top_w * 0.7, top), fill=dark)
    glow = (255, 236, 170)
    lamp = glow if light.name in ("dusk", "night", "storm") else mix(glow, white, 0.5)
    draw.rectangle((x - top_w * 0.38, lamp_y, x + top_w * 0.38, top - height * 0.015), fill=lamp)
    draw.polygon(
        [(x - top_w * 0.5, lamp_y), (x, lamp_y - height * 0.07), (x + top_w * 0.5, lamp_y)],
        fill=red,
    )
    if light.name in ("dusk", "night", "storm"):
        beam = Image.new("RGBA", img.size, (*glow, 0))
        bd = ImageDraw.Draw(beam)
        reach = img.size[0] * 0.45
        side = -1 if x > img.size[0] / 2 else 1
        bd.polygon(
            [
                (x, lamp_y + height * 0.03),
                (x + side * reach, lamp_y - height * 0.12),
                (x + side * reach, lamp_y + height * 0.12),
            ],
            fill=(*glow, 70),
        )
        overlay(img, beam, blur=height * 0.02)
        radial_glow(img, (x, lamp_y + height * 0.03), height * 0.25, glow, 0.6)
