"""Dominant colours of an image and their names in English and Chinese (searchable text)."""

from __future__ import annotations

from PIL import Image

# (English, Chinese, RGB): a small palette people search by.
PALETTE: tuple[tuple[str, str, tuple[int, int, int]], ...] = (
    ("red", "红色", (200, 30, 30)),
    ("dark red", "深红色", (110, 15, 20)),
    ("orange", "橙色", (240, 130, 30)),
    ("yellow", "黄色", (240, 220, 40)),
    ("gold", "金色", (200, 160, 50)),
    ("green", "绿色", (40, 160, 60)),
    ("dark green", "深绿色", (20, 80, 35)),
    ("teal", "青色", (20, 150, 150)),
    ("light blue", "浅蓝色", (130, 190, 240)),
    ("blue", "蓝色", (40, 80, 200)),
    ("navy", "深蓝色", (20, 30, 90)),
    ("purple", "紫色", (130, 50, 170)),
    ("pink", "粉色", (240, 150, 190)),
    ("brown", "棕色", (120, 75, 40)),
    ("beige", "米色", (225, 210, 170)),
    ("black", "黑色", (15, 15, 15)),
    ("grey", "灰色", (128, 128, 128)),
    ("white", "白色", (245, 245, 245)),
)
MIN_SHARE = 0.08


def nearest_name(rgb: tuple[int, int, int]) -> tuple[str, str]:
    """The palette colour nearest to ``rgb`` (redmean-weighted distance)."""
    r, g, b = rgb

    def dist(p: tuple[int, int, int]) -> float:
        rm = (r + p[0]) / 2
        dr, dg, db = r - p[0], g - p[1], b - p[2]
        return (2 + rm / 256) * dr * dr + 4 * dg * dg + (2 + (255 - rm) / 256) * db * db

    en, zh, _ = min(PALETTE, key=lambda c: dist(c[2]))
    return en, zh


def dominant_colours(image: Image.Image, count: int = 4) -> list[tuple[str, float]]:
    """Up to ``count`` dominant colours as ``(#rrggbb, share)``, largest first."""
    small = image.convert("RGB")
    small.thumbnail((96, 96))
    quant = small.quantize(colors=count * 2, method=Image.Quantize.MEDIANCUT)
    palette: list[int] = list(quant.getpalette() or [])
    counts: list[tuple[int, int]] = [(int(n), int(i)) for n, i in quant.getcolors() or []]  # type: ignore[arg-type]
    counts.sort(reverse=True)
    total = sum(c for c, _ in counts) or 1
    out: list[tuple[str, float]] = []
    for n, index in counts:
        share = n / total
        if share < MIN_SHARE or len(out) >= count:
            break
        rgb = palette[index * 3 : index * 3 + 3]
        out.append(("#{:02x}{:02x}{:02x}".format(*rgb), round(share, 3)))
    return out


def hex_rgb(colour: str) -> tuple[int, int, int]:
    value = colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def colour_names(colours: list[str]) -> list[str]:
    """English and Chinese names of the colours, each once, in order."""
    names: list[str] = []
    for colour in colours:
        for name in nearest_name(hex_rgb(colour)):
            if name not in names:
                names.append(name)
    return names
