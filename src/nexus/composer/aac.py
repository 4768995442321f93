"""AAC of a long mix on several cores: chunks encoded in parallel, spliced frame-exactly.

ffmpeg's native encoder with the fast coder in VBR mode keeps almost no state between frames:
given the same samples around a frame (a few frames of pre-roll before a chunk, post-roll
after it) it writes the same bytes. So each chunk is encoded with that overlap, the overlap
frames are dropped, and the ADTS frames are joined into one stream that decodes like a single
encode (tested against one: same samples but for a handful of frames, same SNR at the joins).
The joined stream is muxed into an .m4a whose edit list hides the encoder priming.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nexus.composer import commands
from nexus.composer.runner import ffmpeg_exe, run_tool
from nexus.composer.specs import EncodeSettings
from nexus.composer.speech import Audio
from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError

FRAME = 1024
"""Samples per AAC-LC frame."""
PRIMING = 1024
"""ffmpeg's AAC encoder delay: the first frame decodes to samples before the input."""
PRE_ROLL = 8
POST_ROLL = 4
"""Frames of overlap a chunk is encoded with (its neighbours' samples), then dropped."""
MIN_CHUNK_S = 15.0
"""Shorter mixes are encoded in one piece: two encoder start-ups would cost more."""


@dataclass(frozen=True)
class Chunk:
    start: int
    """First input sample of this chunk's encode (pre-roll included)."""
    end: int
    """End (exclusive) of its input samples (post-roll included)."""
    keep_from: int
    """Index of its first ADTS frame that goes into the film's stream."""
    keep_to: int | None
    """End (exclusive) of the kept frames; None keeps everything to the end."""


def plan_chunks(samples: int, chunks: int) -> list[Chunk]:
    """Frame-aligned chunks with their overlaps and the frames each contributes.

    Encoder frame q of a chunk whose input starts at sample s decodes samples
    [s + (q - 1) * FRAME, s + q * FRAME) (frame 0 is the priming frame): film frame f of a
    chunk starting at film frame k with p frames of pre-roll is its frame f - k + p + 1.
    """
    frames = -(-samples // FRAME)
    count = max(1, min(chunks, frames // (PRE_ROLL + POST_ROLL + 1)))
    bounds = [round(i * frames / count) for i in range(count + 1)]
    plan: list[Chunk] = []
    for i in range(count):
        first, last = bounds[i], bounds[i + 1]
        pre = min(PRE_ROLL, first)
        plan.append(
            Chunk(
                start=(first - pre) * FRAME,
                end=min(samples, (last + POST_ROLL) * FRAME) if i + 1 < count else samples,
                keep_from=0 if i == 0 else pre + 1,
                keep_to=last - first + pre + 1 if i + 1 < count else None,
            )
        )
    return plan


def split_adts(data: bytes) -> list[bytes]:
    """The frames of an ADTS stream (each with its header), by the headers' frame lengths."""
    frames: list[bytes] = []
    at = 0
    while at < len(data):
        header = data[at : at + 7]
        if len(header) < 7 or header[0] != 0xFF or header[1] & 0xF0 != 0xF0:
            raise NexusError(ErrorCode.MEDIA_TOOL_FAILED, f"no ADTS frame header at byte {at}")
        length = ((header[3] & 0x03) << 11) | (header[4] << 3) | (header[5] >> 5)
        if length < 7 or at + length > len(data):
            raise NexusError(ErrorCode.MEDIA_TOOL_FAILED, f"truncated ADTS frame at byte {at}")
        frames.append(data[at : at + length])
        at += length
    return frames


def _encode_chunk(
    audio: Audio, chunk: Chunk, work: Path, *, gain_db: float, encode: EncodeSettings
) -> list[bytes]:
    raw, adts = work.with_name(f"{work.name}.f32"), work.with_name(f"{work.name}.aac")
    np.ascontiguousarray(audio[chunk.start : chunk.end], dtype="<f4").tofile(raw)
    run_tool(
        commands.build_audio_encode_command(
            raw, adts, gain_db=gain_db, ffmpeg=ffmpeg_exe(), encode=encode, container="adts"
        )
    )
    frames = split_adts(adts.read_bytes())
    raw.unlink()
    adts.unlink()
    return frames[chunk.keep_from : chunk.keep_to]


def encode_aac(
    audio: Audio,
    out: Path,
    *,
    gain_db: float = 0.0,
    encode: EncodeSettings | None = None,
    workers: int = 2,
    rate: int = 48_000,
) -> Path:
    """Stereo float ``audio`` times ``gain_db`` -> AAC in the .m4a ``out``, on ``workers``
    encoder processes at once."""
    encode = encode or EncodeSettings()
    chunks = workers if audio.shape[0] >= MIN_CHUNK_S * rate * workers else 1
    plan = plan_chunks(audio.shape[0], chunks)
    with ThreadPoolExecutor(max_workers=len(plan), thread_name_prefix="aac") as pool:
        parts = list(
            pool.map(
                lambda indexed: _encode_chunk(
                    audio, indexed[1], out.with_name(f"{out.stem}.part{indexed[0]}"),
                    gain_db=gain_db, encode=encode,
                ),
                enumerate(plan),
            )
        )  # fmt: skip
    joined = out.with_name(f"{out.stem}.joined.aac")
    joined.write_bytes(b"".join(frame for part in parts for frame in part))
    run_tool(
        commands.build_adts_mux_command(joined, out, priming_s=PRIMING / rate, ffmpeg=ffmpeg_exe())
    )
    joined.unlink()
    return out
