"""Fonts for text drawn into frames (name tags) and the name tag itself.

Chinese text needs a CJK font (Noto Sans CJK SC, else WenQuanYi): refusing beats drawing
tofu boxes. Latin text never needs one (ADR 0112): it takes the CJK font when installed (one
look for every tag), else an installed Latin font (DejaVu, Liberation, FreeSans), else the
font bundled with Pillow. Fonts are looked up in ``$NEXUS_FONT_DIRS`` (``:``-separated) or
the system and user font folders.
"""

from __future__ import annotations

import os
import re
import threading
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.workers.video.palette import Rgb

# (file name, face index): index 2 of the Noto CJK collections is Simplified Chinese.
CJK_FONTS: tuple[tuple[str, int], ...] = (
    ("NotoSansCJK-Bold.ttc", 2),
    ("NotoSansCJK-Regular.ttc", 2),
    ("wqy-zenhei.ttc", 0),
    ("wqy-microhei.ttc", 0),
)
LATIN_FONTS: tuple[tuple[str, int], ...] = (
    ("DejaVuSans-Bold.ttf", 0),
    ("DejaVuSans.ttf", 0),
    ("LiberationSans-Bold.ttf", 0),
    ("LiberationSans-Regular.ttf", 0),
    ("FreeSansBold.ttf", 0),
)
DEFAULT_FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts")
_CJK_TEXT = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")

Font = ImageFont.FreeTypeFont
_FREETYPE = threading.Lock()
"""A FreeType face is not safe to use from two threads at once; frames render in threads."""


def font_dirs() -> tuple[str, ...]:
    """``$NEXUS_FONT_DIRS`` (``:``-separated), else the system and user font folders."""
    explicit = os.environ.get("NEXUS_FONT_DIRS")
    dirs = explicit.split(":") if explicit else DEFAULT_FONT_DIRS
    return tuple(str(Path(d).expanduser()) for d in dirs if d)


@lru_cache(maxsize=8)
def _installed(dirs: tuple[str, ...]) -> dict[str, str]:
    """File name -> path of every font file under ``dirs`` (first found wins)."""
    found: dict[str, str] = {}
    for folder in dirs:
        root = Path(folder)
        if root.is_dir():
            for path in sorted(root.rglob("*.tt[cf]")) + sorted(root.rglob("*.otf")):
                found.setdefault(path.name, str(path))
    return found


def _first(
    candidates: tuple[tuple[str, int], ...], dirs: tuple[str, ...]
) -> tuple[str, int] | None:
    installed = _installed(dirs)
    return next(((installed[n], i) for n, i in candidates if n in installed), None)


def needs_cjk(text: str) -> bool:
    return _CJK_TEXT.search(text) is not None


def find_font_file(text: str = "\u4e2d") -> tuple[str, int] | None:
    """The font file for ``text`` (default: Chinese), or None when Pillow's own will do.

    Raises FONT_UNAVAILABLE (not retryable) only for CJK text with no CJK font installed.
    """
    dirs = font_dirs()
    cjk = _first(CJK_FONTS, dirs)
    if cjk is not None or not needs_cjk(text):
        return cjk or _first(LATIN_FONTS, dirs)
    raise NexusError(
        ErrorCode.FONT_UNAVAILABLE,
        f"no CJK font found for {text[:20]!r}: install Debian fonts-noto-cjk "
        "(or fonts-wqy-zenhei), or point NEXUS_FONT_DIRS at a folder holding one",
    )


def load_font(size: int, text: str = "\u4e2d") -> Font:
    """A FreeType font at ``size`` px that can draw ``text`` (see ``find_font_file``)."""
    return _load(max(8, size), find_font_file(text))


@lru_cache(maxsize=32)
def _load(size: int, file: tuple[str, int] | None) -> Font:
    if file is None:
        bundled = ImageFont.load_default(size)
        if not isinstance(bundled, ImageFont.FreeTypeFont):
            raise NexusError(ErrorCode.FONT_UNAVAILABLE, "no font found and Pillow lacks FreeType")
        return bundled
    return ImageFont.truetype(file[0], size=size, index=file[1])


def draw_name_tag(
    img: Image.Image, name: str, center_x: float, bottom_y: float, font_px: int, *,
    fill: Rgb, text_color: Rgb, alpha: int = 220,
) -> tuple[int, int, int, int]:  # fmt: skip
    """A rounded pill with ``name`` centred above ``bottom_y``; returns its box (kept in frame)."""
    font = load_font(font_px, name)
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
