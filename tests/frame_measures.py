"""Measures of rendered frames shared by the video and studio suites: luminance, rain streaks."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageFilter

from nexus.workers.video.weather import RAIN_ANGLE_DEG


def luma(img: Image.Image) -> npt.NDArray[np.float32]:
    return np.asarray(img.convert("L"), dtype=np.float32)


def _correlation(h: npt.NDArray[np.float32], dx: int, dy: int) -> float:
    a = h[8:-8, 8:-8]
    b = np.roll(np.roll(h, dy, axis=0), dx, axis=1)[8:-8, 8:-8]
    a, b = a - a.mean(), b - b.mean()
    return float((a * b).sum() / math.sqrt(float((a * a).sum() * (b * b).sum()) + 1e-9))


def streakiness(img: Image.Image) -> float:
    """How much the sky's fine bright detail runs along the rain's slant, not across it.

    High-pass the upper half (the sky, above faces and subtitles), then correlate it with
    itself shifted 4 px along the streak direction minus shifted 4 px across it: slanted lines
    score near 1; stars, clouds and horizontal edges near 0.
    """
    gray = img.convert("L")
    hp = np.clip(luma(gray) - luma(gray.filter(ImageFilter.GaussianBlur(2))), 0, None)
    sky = hp[: hp.shape[0] // 2]
    slope = math.tan(math.radians(RAIN_ANGLE_DEG))
    along = (round(4 * slope), 4)
    across = (4, -round(4 * slope))
    return _correlation(sky, *along) - _correlation(sky, *across)
