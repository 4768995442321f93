"""What ingest measures: an image's dimensions, dominant colours and thumbnail (Pillow); a
sound's duration and integrated loudness (ffmpeg's ebur128); a text's chunks."""

from __future__ import annotations

import io
import re
import subprocess
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import imageio_ffmpeg
from PIL import Image

from nexus.asset_knowledge.colours import colour_names, dominant_colours
from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError

with warnings.catch_warnings():
    # pysbd 0.3.4 holds invalid escape sequences: compiling it without a cached .pyc warns
    # (the test suite turns warnings into errors), as in planner.sentences.
    warnings.simplefilter("ignore", SyntaxWarning)
    warnings.simplefilter("ignore", DeprecationWarning)
    import pysbd

THUMBNAIL_PX = 256
FFMPEG_TIMEOUT_S = 120


@dataclass
class Facts:
    width: int | None = None
    height: int | None = None
    colours: list[str] = field(default_factory=list[str])
    colour_names: list[str] = field(default_factory=list[str])
    thumbnail: bytes | None = None
    duration_s: float | None = None
    loudness_lufs: float | None = None


def image_facts(path: Path, *, max_pixels: int) -> Facts:
    """Dimensions, dominant colours and a WebP thumbnail; a broken or too large image is
    refused before it is decoded in full."""
    try:
        with Image.open(path) as probe:
            width, height = probe.size
            if width * height > max_pixels:
                raise NexusError(
                    ErrorCode.ASSET_TOO_LARGE,
                    f"{width}x{height} is more than {max_pixels} pixels",
                )
            probe.verify()
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                image.load()
                colours = [hex_ for hex_, _ in dominant_colours(image)]
                thumb = image.convert("RGB")
                thumb.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX))
                out = io.BytesIO()
                thumb.save(out, format="WEBP", quality=80)
    except NexusError:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombWarning) as exc:
        raise NexusError(ErrorCode.INPUT_UNREADABLE, f"the image cannot be read: {exc}") from exc
    return Facts(
        width=width,
        height=height,
        colours=colours,
        colour_names=colour_names(colours),
        thumbnail=out.getvalue(),
    )


_DURATION = re.compile(r"Duration:\s+(\d+):(\d+):(\d+(?:\.\d+)?)")
_INTEGRATED = re.compile(r"I:\s+(-?[\d.]+|-inf) LUFS")


def audio_facts(path: Path) -> Facts:
    """Duration and integrated loudness in one ffmpeg run (it decodes the whole file)."""
    argv = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path)]
    argv += ["-af", "ebur128=framelog=quiet", "-f", "null", "-"]
    try:
        run = subprocess.run(argv, capture_output=True, text=True, timeout=FFMPEG_TIMEOUT_S)
    except subprocess.TimeoutExpired as exc:
        raise NexusError(ErrorCode.MEDIA_TOOL_FAILED, "ffmpeg took too long") from exc
    duration = _DURATION.search(run.stderr)
    if run.returncode != 0 or duration is None:
        tail = run.stderr.strip().splitlines()[-1:] or ["no output"]
        raise NexusError(ErrorCode.INPUT_UNREADABLE, f"the sound cannot be decoded: {tail[0]}")
    h, m, s = duration.groups()
    summary = run.stderr.rsplit("Summary:", 1)[-1]
    loud = _INTEGRATED.search(summary)
    lufs = None if loud is None or loud.group(1) == "-inf" else float(loud.group(1))
    return Facts(duration_s=round(int(h) * 3600 + int(m) * 60 + float(s), 3), loudness_lufs=lufs)


_SEGMENTERS: dict[str, pysbd.Segmenter] = {}


def _sentences(text: str) -> list[str]:
    language = "zh" if re.search(r"[\u3400-\u9fff]", text) else "en"
    seg = _SEGMENTERS.get(language)
    if seg is None:
        seg = _SEGMENTERS[language] = pysbd.Segmenter(language=language, clean=False)
    return [s.strip() for s in seg.segment(text) if s.strip()]


def chunk_text(text: str, *, chunk_chars: int) -> list[str]:
    """Paragraphs packed into chunks of about ``chunk_chars``; a long paragraph is split at
    sentence ends (a sentence longer than a chunk is cut)."""
    chunks: list[str] = []
    current = ""
    for paragraph in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        paragraph = paragraph.strip()
        if not paragraph:
            continue
        pieces = [paragraph] if len(paragraph) <= chunk_chars else _sentences(paragraph)
        for piece in pieces:
            while len(piece) > chunk_chars:
                chunks.append(piece[:chunk_chars])
                piece = piece[chunk_chars:]
            if current and len(current) + len(piece) + 1 > chunk_chars:
                chunks.append(current)
                current = ""
            current = f"{current}\n{piece}" if current else piece
    if current:
        chunks.append(current)
    return chunks
