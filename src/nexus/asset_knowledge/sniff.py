"""What a file is, from its first bytes (never its extension or the client's Content-Type),
and which asset kinds each family of content may be added as."""

from __future__ import annotations

from typing import Literal

from nexus.contracts.errors import ErrorCode
from nexus.contracts.studio import AssetKind
from nexus.core.errors import NexusError

Family = Literal["image", "audio", "text"]
FAMILY_KINDS: dict[Family, tuple[AssetKind, ...]] = {
    "image": ("portrait", "background", "style"),
    "audio": ("music", "sfx"),
    "text": ("reference-text",),
}
SNIFF_BYTES = 4096
# Formats whose first bytes are plain ASCII: never taken for text.
NOT_TEXT = (b"%PDF", b"GIF8", b"PK\x03\x04", b"{\\rtf", b"\x1f\x8b", b"%!PS")


def sniff(head: bytes) -> tuple[str, Family]:
    """(media type, family) of content starting with ``head``; refuses anything else."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", "image"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", "image"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", "image"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav", "audio"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "audio/mpeg", "audio"
    if head.startswith(b"OggS"):
        return "audio/ogg", "audio"
    if head.startswith(b"fLaC"):
        return "audio/flac", "audio"
    if head and not head.startswith(NOT_TEXT) and _is_utf8_text(head):
        return "text/plain; charset=utf-8", "text"
    raise NexusError(
        ErrorCode.UNSUPPORTED_MEDIA_TYPE,
        "the content is not PNG, JPEG, WebP, WAV, MP3, OGG, FLAC or UTF-8 text",
    )


def _is_utf8_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the sniff window is still text.
        return exc.start >= len(head) - 3 and len(head) >= SNIFF_BYTES - 3
    return True


def choose_kind(
    family: Family, kind: AssetKind | None, *, entity: str | None, duration_s: float | None
) -> AssetKind:
    """The asset kind: the one asked for if the content fits it, else a default per family
    (an image for an entity is a portrait; a sound of 20 s or more is music)."""
    allowed = FAMILY_KINDS[family]
    if kind is None:
        if family == "image":
            return "portrait" if entity else "background"
        if family == "audio":
            return "music" if (duration_s or 0.0) >= 20.0 else "sfx"
        return allowed[0]
    if kind not in allowed:
        raise NexusError(
            ErrorCode.ASSET_TYPE_REFUSED,
            f"a {family} file cannot be added as {kind!r} (it fits {', '.join(allowed)})",
            fields={"kind": kind},
        )
    return kind
