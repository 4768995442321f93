"""Mouth shapes drawn over the storyboard frame at the anchor; one pre-rendered frame per shape."""

from __future__ import annotations

from PIL import Image, ImageDraw

from nexus.workers.video.palette import hex_to_rgb, mix, shade
from nexus.workers.video.shot import MouthAnchor

_SS = 4  # supersampling of the mouth patch, for smooth edges
# (width, height) of the open mouth per level, as fractions of the anchor width.
_SHAPES = {1: (0.56, 0.2), 2: (0.7, 0.38), 3: (0.8, 0.56)}


def mouth_box(anchor: MouthAnchor, size: tuple[int, int]) -> tuple[int, int, int, int]:
    """The region a mouth shape may touch, clamped to the frame."""
    w = anchor.width
    return (
        max(0, anchor.x - w),
        max(0, anchor.y - w // 2),
        min(size[0], anchor.x + w + 1),
        min(size[1], anchor.y + w + 1),
    )


def draw_mouth(frame: Image.Image, anchor: MouthAnchor, level: int) -> Image.Image:
    """A copy of ``frame`` with mouth shape ``level`` (0 = the frame's own closed mouth)."""
    out = frame.copy()
    if level <= 0:
        return out
    box = mouth_box(anchor, frame.size)
    patch = frame.crop(box).resize(((box[2] - box[0]) * _SS, (box[3] - box[1]) * _SS))
    draw = ImageDraw.Draw(patch)
    fw, fh = _SHAPES[min(level, max(_SHAPES))]
    w, h = anchor.width * fw * _SS, anchor.width * fh * _SS
    cx = (anchor.x - box[0]) * _SS
    cy = (anchor.y - box[1]) * _SS + h * 0.2
    lip = hex_to_rgb(anchor.lip_color)
    inner = shade(mix(lip, (60, 10, 20), 0.6), 0.55)
    rim = max(2, round(anchor.width * _SS / 14))
    oval = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
    draw.ellipse(oval, fill=inner, outline=lip, width=rim)
    if level >= 2:  # upper teeth
        draw.chord(
            (oval[0] + rim, oval[1] + rim, oval[2] - rim, oval[1] + h * 0.55), 180, 360,
            fill=(238, 234, 226),
        )  # fmt: skip
    if level >= 3:  # tongue
        draw.chord(
            (cx - w * 0.3, cy, cx + w * 0.3, oval[3] - rim),
            180,
            360,
            fill=mix(lip, (230, 110, 120), 0.5),
        )
    small = patch.resize((box[2] - box[0], box[3] - box[1]), Image.Resampling.LANCZOS)
    out.paste(small, box[:2])
    return out
