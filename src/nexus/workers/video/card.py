"""A user's portrait picture as a storyboard character card (issue 12, ADR 0241).

The picture is cropped to its upper centre (a fixed centre crop biased up, where a portrait's
face usually is: no face detection), set into a rounded card of the bust's size (width =
0.75 x height) and framed in the character's look (accent border, the drawn parts' darker
outline), so it is lit, placed and tagged like a drawn bust.
"""

from __future__ import annotations

from PIL import Image, ImageDraw, ImageOps

from nexus.contracts.studio import Look
from nexus.workers.video.palette import hex_to_rgb, shade

FACE_CENTRE = (0.5, 0.38)  # where the crop keeps its centre: the upper middle of the picture
BORDER = 0.035  # of the card's width
RADIUS = 0.08


def card_size(height: int) -> tuple[int, int]:
    return round(height * 0.75), height


def portrait_card(picture: Image.Image, look: Look, height: int) -> Image.Image:
    """The picture framed as an RGBA card ``card_size(height)``; identical for identical input."""
    width, _ = card_size(height)
    accent = hex_to_rgb(look.palette[3]) if len(look.palette) > 3 else (200, 200, 200)
    border = max(2, round(width * BORDER))
    radius = round(width * RADIUS)
    inner = (width - 2 * border, height - 2 * border)
    photo = ImageOps.fit(
        picture.convert("RGB"), inner, Image.Resampling.LANCZOS, centering=FACE_CENTRE
    )
    card = Image.new("RGBA", (width, height), (*accent, 0))
    mask = Image.new("L", (width, height), 0)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, width - 1, height - 1), radius, fill=255)
    face = Image.new("RGBA", (width, height), (*accent, 255))
    inner_mask = Image.new("L", inner, 0)
    ImageDraw.Draw(inner_mask).rounded_rectangle(
        (0, 0, inner[0] - 1, inner[1] - 1), max(1, radius - border), fill=255
    )
    face.paste(photo, (border, border), inner_mask)
    draw = ImageDraw.Draw(face)
    draw.rounded_rectangle(
        (0, 0, width - 1, height - 1),
        radius,
        outline=shade(accent, 0.72),
        width=max(1, border // 3),
    )
    card.paste(face, (0, 0), mask)
    return card
