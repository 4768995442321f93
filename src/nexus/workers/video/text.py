"""Fonts that cover Chinese and Latin (Noto Sans CJK SC) and the name tag drawn over a frame."""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.workers.video.palette import Rgb

# (path, face index): index 2 of the Noto CJK collections is Simplified Chinese.
FONT_CANDIDATES: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
)

Font = ImageFont.FreeTypeFont
_FREETYPE = threading.Lock()
"""A FreeType face is not safe to use from two threads at once; frames render in threads."""


def find_font_file() -> tuple[str, int]:
    """The first installed font that renders CJK; refusing beats drawing tofu boxes."""
    for path, index in FONT_CANDIDATES:
        if Path(path).exists():
            return path, index
    raise NexusError(
        ErrorCode.DEPENDENCY_UNAVAILABLE,
        "no CJK font found: install Debian fonts-noto-cjk (or fonts-wqy-zenhei)",
    )


@lru_cache(maxsize=32)
def load_font(size: int) -> Font:
    path, index = find_font_file()
    return ImageFont.truetype(path, size=max(8, size), index=index)


def draw_name_tag(
    img: Image.Image, name: str, center_x: float, bottom_y: float, font_px: int, *,
    fill: Rgb, text_color: Rgb, alpha: int = 220,
) -> tuple[int, int, int, int]:  # fmt: skip
    """A rounded pill with ``name`` centred above ``bottom_y``; returns its box (kept in frame)."""
    font = load_font(font_px)
    with _FREETYPE:
        left, top, right, bottom = font.getbbox(name)
    pad_x, pad_y = font_px * 0.7, font_px * 0.35
    w, h = right - left + 2 * pad_x, bottom - top + 2 * pad_y
    x0 = min(max(center_x - w / 2, font_px * 0.5), img.size[0] - w - font_px * 0.5)
    y0 = max(bottom_y - h, font_px * 0.5)
    box = (round(x0), round(y0), round(x0 + w), round(y0 + h))
    layer = Image.new("RGBA", img.size, (*fill, 0))
    draw = ImageDraw.Draw(layer)
    draw.rounded_rectangle(box, radius=h / 2, fill=(*fill, alpha))
    with _FREETYPE:
        draw.text(
            (box[0] + pad_x - left, box[1] + pad_y - top), name, font=font, fill=(*text_color, 255)
        )
    img.paste(layer, (0, 0), layer)
    return box
