"""Camera moves as ffmpeg filter text: eased zoompan expressions on a supersampled frame.

zoompan crops at whole pixels; running it on a source twice the output size halves that
rounding in output pixels, which is what keeps slow pans and zooms free of visible jitter.
"""

from __future__ import annotations

from dataclasses import dataclass

from nexus.contracts.studio import CameraMove


@dataclass(frozen=True)
class Move:
    """Start and end of a move: zoom factor and where the crop window sits (0..1 of the slack)."""

    zoom: tuple[float, float]
    anchor_x: tuple[float, float]
    anchor_y: tuple[float, float]


MOVES: dict[CameraMove, Move] = {
    "static": Move((1.0, 1.0), (0.5, 0.5), (0.5, 0.5)),
    "zoom_in": Move((1.0, 1.12), (0.5, 0.5), (0.5, 0.5)),
    "zoom_out": Move((1.12, 1.0), (0.5, 0.5), (0.5, 0.5)),
    "push_in": Move((1.0, 1.25), (0.5, 0.5), (0.5, 0.4)),
    "pan_left": Move((1.12, 1.12), (1.0, 0.0), (0.5, 0.5)),
    "pan_right": Move((1.12, 1.12), (0.0, 1.0), (0.5, 0.5)),
}

SUPERSAMPLE = 2
"""Source scale for moving stills, relative to the output size."""


def _lerp(pair: tuple[float, float], ease: str) -> str:
    start, end = pair
    if start == end:
        return f"{start:g}"
    return f"({start:g}+({end - start:g})*{ease})"


def build_zoompan_filter(
    camera: CameraMove, *, frames: int, width: int, height: int, fps: int
) -> str:
    """A zoompan filter moving over ``frames`` output frames with smoothstep easing."""
    move = MOVES[camera]
    span = max(frames - 1, 1)
    progress = f"min(on/{span},1)"
    ease = f"({progress}*{progress}*(3-2*{progress}))"
    zoom = _lerp(move.zoom, ease)
    anchor_x = _lerp(move.anchor_x, ease)
    anchor_y = _lerp(move.anchor_y, ease)
    return (
        f"zoompan=z='{zoom}'"
        f":x='(iw-iw/zoom)*{anchor_x}'"
        f":y='(ih-ih/zoom)*{anchor_y}'"
        f":d=1:s={width}x{height}:fps={fps}"
    )


def build_end_state_filter(camera: CameraMove, *, width: int, height: int) -> str:
    """Crop and scale a cover-fitted ``width``x``height`` frame to where ``camera`` ends."""
    move = MOVES[camera]
    zoom = move.zoom[1]
    if zoom == 1.0:
        return f"scale={width}:{height}"
    crop_w = _even(width / zoom)
    crop_h = _even(height / zoom)
    x = round((width - crop_w) * move.anchor_x[1])
    y = round((height - crop_h) * move.anchor_y[1])
    return f"crop={crop_w}:{crop_h}:{x}:{y},scale={width}:{height}"


def build_cover_filter(width: int, height: int) -> str:
    """Scale to cover ``width``x``height`` keeping the aspect ratio, then centre-crop."""
    return (
        f"scale={width}:{height}:force_original_aspect_ratio=increase:flags=bicubic,"
        f"crop={width}:{height},setsar=1"
    )


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)
