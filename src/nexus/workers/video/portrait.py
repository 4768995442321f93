"""Character portraits: a flat-illustrated bust drawn from the entity's ``Look``.

Pure function of (entity id, look): the same character looks the same in every shot.
"""

from __future__ import annotations

from functools import lru_cache

from PIL import Image, ImageDraw

from nexus.contracts.studio import (
    LOOK_ACCESSORIES,
    LOOK_FACE_SHAPES,
    LOOK_HAIR_STYLES,
    Entity,
    Look,
)
from nexus.workers.video.palette import Rgb, hex_to_rgb, mix, rgb_to_hex, seeded_rng, shade

# Layout in a 600 x 800 design space; MOUTH is (x, y, width) as fractions of the portrait.
DESIGN_W, DESIGN_H = 600, 800
MOUTH = (300 / DESIGN_W, 426 / DESIGN_H, 66 / DESIGN_W)

SKINS = ("#f2d3b8", "#e8b996", "#d19a72", "#a86f4c", "#7c4f35", "#f5dccb")
HAIRS = ("#2b2320", "#5a3a22", "#8a5a2b", "#c8a064", "#a33b24", "#6b6b70", "#1f2a44")
CLOTHES = ("#3f6fb0", "#b0443f", "#3f8f6a", "#7a4fa0", "#c9883a", "#2f4858", "#8c6d4f")
ACCENTS = ("#f2c14e", "#e07a5f", "#81b29a", "#f4f1de", "#5fa8d3", "#d7263d")


def derive_look(entity: Entity) -> Look:
    """A stable Look from the entity id, used when the entity carries none."""
    rng = seeded_rng("look", entity.entity_id)
    styles = {"female": (1, 2, 3, 5), "male": (0, 4, 5, 0)}.get(entity.gender, tuple(range(6)))
    return Look(
        palette=[rng.choice(SKINS), rng.choice(HAIRS), rng.choice(CLOTHES), rng.choice(ACCENTS)],
        hair_style=rng.choice(styles),
        face_shape=rng.randrange(LOOK_FACE_SHAPES),
        accessory=rng.randrange(LOOK_ACCESSORIES),
    )


class _Pen:
    """Draws design-space coordinates onto a canvas ``scale`` times larger."""

    def __init__(self, img: Image.Image, scale: float) -> None:
        self.draw = ImageDraw.Draw(img)
        self.s = scale

    def box(self, b: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
        return (b[0] * self.s, b[1] * self.s, b[2] * self.s, b[3] * self.s)

    def ellipse(self, b: tuple[float, float, float, float], fill: Rgb, line: float = 4) -> None:
        self.draw.ellipse(
            self.box(b), fill=fill, outline=shade(fill, 0.72), width=round(line * self.s)
        )

    def rrect(
        self, b: tuple[float, float, float, float], r: float, fill: Rgb, line: float = 4
    ) -> None:
        self.draw.rounded_rectangle(
            self.box(b),
            r * self.s,
            fill=fill,
            outline=shade(fill, 0.72),
            width=round(line * self.s),
        )

    def poly(self, pts: list[tuple[float, float]], fill: Rgb, line: float = 0) -> None:
        outline = shade(fill, 0.72) if line else None
        scaled = [(x * self.s, y * self.s) for x, y in pts]
        self.draw.polygon(scaled, fill=fill, outline=outline, width=round(line * self.s))

    def chord(
        self, b: tuple[float, float, float, float], start: float, end: float, fill: Rgb
    ) -> None:
        self.draw.chord(
            self.box(b), start, end, fill=fill, outline=shade(fill, 0.72), width=round(4 * self.s)
        )

    def arc(
        self,
        b: tuple[float, float, float, float],
        start: float,
        end: float,
        fill: Rgb,
        width: float,
    ) -> None:
        self.draw.arc(self.box(b), start, end, fill=fill, width=round(width * self.s))

    def line(self, pts: list[tuple[float, float]], fill: Rgb, width: float) -> None:
        scaled = [(x * self.s, y * self.s) for x, y in pts]
        self.draw.line(scaled, fill=fill, width=round(width * self.s), joint="curve")


_FACES: tuple[tuple[float, float, float, float], ...] = (
    (192, 182, 408, 472),  # oval
    (180, 196, 420, 466),  # round
    (190, 186, 410, 466),  # square (rounded rectangle)
    (198, 172, 402, 480),  # long
)


def _draw_body(pen: _Pen, skin: Rgb, cloth: Rgb, accent: Rgb) -> None:
    pen.rrect((250, 440, 350, 600), 34, shade(skin, 0.88), 0)
    pen.rrect((48, 556, 552, 900), 140, cloth)
    pen.poly([(244, 558), (300, 652), (356, 558)], shade(skin, 0.88))
    pen.line([(238, 556), (300, 658), (362, 556)], accent, 10)


def _draw_hair_back(pen: _Pen, style: int, hair: Rgb) -> None:
    if style == 1:  # long
        pen.rrect((160, 200, 440, 640), 110, hair)
    elif style == 2:  # bob
        pen.rrect((166, 196, 434, 486), 90, hair)


def _draw_head(pen: _Pen, face: int, skin: Rgb) -> None:
    pen.ellipse((172, 318, 214, 392), skin)
    pen.ellipse((386, 318, 428, 392), skin)
    box = _FACES[face]
    if face == 2:
        pen.rrect(box, 84, skin)
    else:
        pen.ellipse(box, skin)


def _draw_hair_front(pen: _Pen, style: int, hair: Rgb) -> None:
    pen.chord((176, 156, 424, 372), 180, 360, hair)
    if style in (0, 4, 5):
        pen.rrect((178, 250, 206, 330), 12, hair, 0)
        pen.rrect((394, 250, 422, 330), 12, hair, 0)
    if style == 1:
        pen.poly([(200, 262), (300, 214), (390, 250), (330, 236), (240, 290)], hair)
    elif style == 2:
        pen.rrect((196, 214, 404, 272), 24, hair, 0)
    elif style == 3:
        pen.ellipse((248, 98, 352, 196), hair)
    elif style == 4:
        for x in range(196, 410, 36):
            pen.poly([(x - 18, 214), (x + 4, 146 + (x % 3) * 8), (x + 24, 214)], hair)
    elif style == 5:
        for i, x in enumerate(range(190, 420, 30)):
            y = 196 - 34 * (1 - ((x - 300) / 120) ** 2) + (i % 2) * 6
            pen.ellipse((x - 26, y - 26, x + 26, y + 26), hair, 0)


def _draw_features(pen: _Pen, skin: Rgb, hair: Rgb) -> None:
    brow = shade(hair, 0.8)
    pen.line([(232, 294), (254, 286), (278, 292)], brow, 9)
    pen.line([(322, 292), (346, 286), (368, 294)], brow, 9)
    eye = (44, 38, 52)
    for cx in (256, 344):
        pen.ellipse((cx - 15, 318, cx + 15, 354), eye, 0)
        pen.ellipse((cx - 2, 324, cx + 8, 334), (255, 255, 255), 0)
    blush = mix(skin, (232, 120, 120), 0.3)
    pen.ellipse((206, 382, 250, 404), blush, 0)
    pen.ellipse((350, 382, 394, 404), blush, 0)
    pen.line([(302, 352), (292, 390), (306, 394)], shade(skin, 0.72), 6)
    lip = lip_color(skin)
    pen.arc((267, 398, 333, 440), 20, 160, lip, 8)


def lip_color(skin: Rgb) -> Rgb:
    return shade(mix(skin, (176, 62, 70), 0.55), 0.85)


def _draw_accessory(pen: _Pen, accessory: int, accent: Rgb) -> None:
    dark = (40, 38, 46)
    if accessory == 1:  # glasses
        for cx in (256, 344):
            pen.draw.ellipse(
                pen.box((cx - 36, 302, cx + 36, 368)), outline=dark, width=round(7 * pen.s)
            )
        pen.line([(292, 330), (308, 330)], dark, 7)
    elif accessory == 2:  # hat
        pen.rrect((206, 70, 394, 226), 30, accent)
        pen.ellipse((138, 196, 462, 252), shade(accent, 0.9))
        pen.rrect((206, 176, 394, 204), 4, shade(accent, 0.6), 0)
    elif accessory == 3:  # earrings
        for cx in (193, 407):
            pen.ellipse((cx - 11, 392, cx + 11, 414), accent, 2)
    elif accessory == 4:  # scarf
        pen.rrect((226, 520, 374, 590), 34, accent)
        pen.rrect((318, 556, 366, 700), 20, shade(accent, 0.9))
    elif accessory == 5:  # headband
        pen.arc((180, 168, 420, 400), 200, 340, accent, 20)


@lru_cache(maxsize=64)
def _render_cached(entity_id: str, look_json: str, height: int) -> Image.Image:
    del entity_id  # part of the cache key only; the look fully determines the drawing
    look = Look.model_validate_json(look_json)
    colors = [hex_to_rgb(c) for c in look.palette] + [(200, 200, 200)] * 4
    skin, hair, cloth, accent = colors[:4]
    style, face = look.hair_style % LOOK_HAIR_STYLES, look.face_shape % LOOK_FACE_SHAPES
    scale = 2 * height / DESIGN_H
    big = Image.new("RGBA", (round(DESIGN_W * scale), round(DESIGN_H * scale)), (*skin, 0))
    pen = _Pen(big, scale)
    _draw_hair_back(pen, style, hair)
    _draw_body(pen, skin, cloth, accent)
    _draw_head(pen, face, skin)
    _draw_hair_front(pen, style, hair)
    _draw_features(pen, skin, hair)
    _draw_accessory(pen, look.accessory % LOOK_ACCESSORIES, accent)
    return big.resize((round(DESIGN_W * height / DESIGN_H), height), Image.Resampling.LANCZOS)


def head_top(look: Look) -> float:
    """The highest drawn point (hair, bun or hat) as a fraction of the portrait height."""
    if look.accessory % LOOK_ACCESSORIES == 2:
        return 70 / DESIGN_H
    return {3: 98, 4: 146, 5: 136}.get(look.hair_style % LOOK_HAIR_STYLES, 156) / DESIGN_H


def look_of(character: Entity) -> Look:
    return character.look or derive_look(character)


def render_portrait(character: Entity, height: int = 800) -> Image.Image:
    """The character's bust as RGBA (width = 0.75 x height); identical for identical input."""
    look = look_of(character)
    return _render_cached(character.entity_id, look.model_dump_json(), height).copy()


def skin_hex(character: Entity) -> str:
    return rgb_to_hex(hex_to_rgb(look_of(character).palette[0]))
