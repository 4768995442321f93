"""Pure ffmpeg command builders: segment render, loudness measurement, AAC, final mux, poster.

Every function returns an argv list (no shell) and touches no file; ``runner`` spawns them.
All segments share one encoder configuration so the concat demuxer can stream-copy them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from nexus.composer.motion import (
    SUPERSAMPLE,
    build_cover_filter,
    build_end_state_filter,
    build_zoompan_filter,
)
from nexus.composer.specs import (
    SAMPLE_RATE,
    EncodeSettings,
    LoudnessMeasure,
    SegmentSpec,
    Visual,
)

LOUDNESS_TARGET_I = -16.0
LOUDNESS_TARGET_TP = -1.5
"""Half a dB below the -1 dBTP ceiling: AAC encoding adds a little inter-sample peak."""

COMMON = ("-hide_banner", "-nostdin", "-y", "-loglevel", "error")


def escape_filter_value(value: str) -> str:
    """Escape a filter option value (e.g. a path) for both levels of filtergraph parsing."""
    level1 = "".join("\\" + c if c in "\\':" else c for c in value)
    return "".join("\\" + c if c in "\\'[],;" else c for c in level1)


# --- segment ---------------------------------------------------------------------------------


def _visual_input_args(visual: Visual, *, tail_s: float | None = None) -> list[str]:
    if visual.kind == "video" and tail_s is not None:
        return ["-sseof", f"-{tail_s:.3f}", "-i", str(visual.path)]
    return ["-i", str(visual.path)]


def _image_chain(spec: SegmentSpec) -> str:
    """A still shown for ``frames`` frames, with its camera move (decoded once, looped)."""
    w, h, fps = spec.width, spec.height, spec.fps
    camera = spec.visual.camera
    head = f"loop=loop=-1:size=1,settb=expr=1/{fps},setpts=N,fps={fps}"
    if camera == "static":
        return f"{build_cover_filter(w, h)},format=yuv420p,{head}"
    big = build_cover_filter(w * SUPERSAMPLE, h * SUPERSAMPLE)
    zoom = build_zoompan_filter(camera, frames=spec.frames, width=w, height=h, fps=fps)
    return f"{big},format=yuv420p,{head},{zoom}"


def _video_chain(spec: SegmentSpec) -> str:
    """A clip conformed to the output rate and size, held on its last frame if short."""
    w, h, fps = spec.width, spec.height, spec.fps
    base = (
        f"fps={fps},{build_cover_filter(w, h)},format=yuv420p,"
        f"tpad=stop_mode=clone:stop={spec.frames},settb=expr=1/{fps},setpts=N"
    )
    if spec.visual.camera == "static":
        return base
    zoom = build_zoompan_filter(spec.visual.camera, frames=spec.frames, width=w, height=h, fps=fps)
    return f"{base},{zoom}"


def _dissolve_source_chain(prev: Visual, spec: SegmentSpec, frames: int) -> str:
    """The previous shot frozen where its camera ended, long enough for the cross-fade."""
    w, h, fps = spec.width, spec.height, spec.fps
    pick = "reverse,trim=end_frame=1," if prev.kind == "video" else ""
    end_state = build_end_state_filter(prev.camera, width=w, height=h)
    return (
        f"{pick}{build_cover_filter(w, h)},{end_state},"
        f"format=yuv420p,loop=loop=-1:size=1,settb=expr=1/{fps},setpts=N,fps={fps},"
        f"trim=end_frame={frames}"
    )


def _transition_filters(spec: SegmentSpec) -> list[str]:
    dur = min(spec.transition_s, spec.duration_s / 2)
    filters: list[str] = []
    if spec.transition_in == "fade" or (
        spec.transition_in == "dissolve" and spec.dissolve_from is None
    ):
        filters.append(f"fade=t=in:st=0:d={dur:.3f}")
    if spec.fade_out:
        filters.append(f"fade=t=out:st={spec.duration_s - dur:.3f}:d={dur:.3f}")
    return filters


def _video_graph(spec: SegmentSpec, ass_path: Path | None, prev_index: int | None) -> list[str]:
    chain = _image_chain(spec) if spec.visual.kind == "image" else _video_chain(spec)
    parts = [f"[0:v]{chain}[base]"]
    current = "base"
    if prev_index is not None and spec.dissolve_from is not None:
        dur = min(spec.transition_s, spec.duration_s / 2)
        hold = round(dur * spec.fps) + 1
        parts.append(
            f"[{prev_index}:v]{_dissolve_source_chain(spec.dissolve_from, spec, hold)}[prev]"
        )
        parts.append(f"[prev][base]xfade=transition=fade:duration={dur:.3f}:offset=0[mixed]")
        current = "mixed"
    post = _transition_filters(spec)
    if ass_path is not None:
        post.append(f"ass=filename={escape_filter_value(str(ass_path))}")
    post.append(f"trim=end_frame={spec.frames}")
    parts.append(f"[{current}]{','.join(post)}[vout]")
    return parts


def build_video_encode_args(spec: SegmentSpec, encode: EncodeSettings) -> list[str]:
    """Encoder flags; identical for every segment of a timeline (lossless concat needs it)."""
    gop = max(1, round(encode.gop_s * spec.fps))
    return [
        "-c:v", "libx264", "-preset", encode.preset, "-crf", str(encode.crf),
        *(["-x264-params", encode.x264_params] if encode.x264_params else []),
        "-pix_fmt", "yuv420p", "-profile:v", "high",
        "-g", str(gop), "-keyint_min", str(gop), "-sc_threshold", "0",
        "-threads", str(encode.threads), "-r", str(spec.fps),
    ]  # fmt: skip


def build_segment_command(
    seg: SegmentSpec,
    out: Path,
    *,
    ass_path: Path | None = None,
    ffmpeg: str = "ffmpeg",
    encode: EncodeSettings | None = None,
) -> list[str]:
    """One ffmpeg run, one filtergraph: visual + camera + transition + burned-in captions.

    Video only: the film's audio is mixed once for the whole timeline (``mix.py``), so a
    segment depends on nothing but its pictures and captions.
    """
    encode = encode or EncodeSettings()
    argv = [ffmpeg, *COMMON, *_visual_input_args(seg.visual)]
    prev_index: int | None = None
    if seg.transition_in == "dissolve" and seg.dissolve_from is not None:
        prev_index = 1
        argv += _visual_input_args(seg.dissolve_from, tail_s=0.5)
    graph = _video_graph(seg, ass_path, prev_index)
    argv += ["-filter_complex", ";".join(graph), "-map", "[vout]"]
    argv += build_video_encode_args(seg, encode)
    argv += ["-frames:v", str(seg.frames), "-an", "-map_metadata", "-1", "-f", "matroska", str(out)]
    return argv


# --- concat ----------------------------------------------------------------------------------


def build_concat_list(segment_paths: Sequence[Path]) -> str:
    """The concat demuxer's list file text (absolute, quoted paths)."""
    lines = ["ffconcat version 1.0"]
    for path in segment_paths:
        quoted = str(path.resolve()).replace("'", "'\\''")
        lines.append(f"file '{quoted}'")
    return "\n".join(lines) + "\n"


def build_mux_command(
    list_path: Path, audio: Path, out: Path, *, ffmpeg: str = "ffmpeg"
) -> list[str]:
    """Concatenated segments (video) + the encoded film audio into an MP4, all stream copy."""
    return [
        ffmpeg, *COMMON, "-f", "concat", "-safe", "0", "-i", str(list_path), "-i", str(audio),
        "-map", "0:v:0", "-map", "1:a:0", "-c", "copy",
        "-map_metadata", "-1", "-movflags", "+faststart", "-f", "mp4", str(out),
    ]  # fmt: skip


# --- audio -----------------------------------------------------------------------------------


def linear_gain_db(measured: LoudnessMeasure) -> float | None:
    """The one gain that reaches the target, or None if it would push peaks over the ceiling."""
    if measured.integrated_lufs < -69.0:  # silence: nothing to normalise
        return 0.0
    gain = LOUDNESS_TARGET_I - measured.integrated_lufs
    return gain if measured.true_peak_dbtp + gain <= LOUDNESS_TARGET_TP else None


def _raw_pcm_input(raw: Path, channels: int) -> list[str]:
    return ["-f", "f32le", "-ar", str(SAMPLE_RATE), "-ac", str(channels), "-i", str(raw)]


def build_pcm_measure_command(raw: Path, *, channels: int = 2, ffmpeg: str = "ffmpeg") -> list[str]:
    """EBU R128 of a raw float file (``ebur128``, true peak on); the summary goes to stderr."""
    return [
        ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "info", *_raw_pcm_input(raw, channels),
        "-af", "ebur128=peak=true:framelog=quiet", "-f", "null", "-",
    ]  # fmt: skip


def build_audio_encode_command(
    raw: Path,
    out: Path,
    *,
    gain_db: float = 0.0,
    channels: int = 2,
    ffmpeg: str = "ffmpeg",
    encode: EncodeSettings | None = None,
    container: Literal["mp4", "adts"] = "mp4",
) -> list[str]:
    """A raw float file, times ``gain_db``, -> AAC-LC: an .m4a (whose edit list hides the
    encoder priming) or a raw ADTS stream (frames to splice, see ``aac.py``).

    VBR with the fast coder, without perceptual noise substitution and intensity stereo (the
    lossy low-bitrate tools): half the CPU of the default two-loop 192 kb/s CBR and a closer
    waveform (44 vs 34 dB SNR on a film mix), see ADR 0070.
    """
    encode = encode or EncodeSettings()
    gain = ["-af", f"volume={gain_db:.4f}dB"] if gain_db else []
    return [
        ffmpeg, *COMMON, *_raw_pcm_input(raw, channels), *gain,
        "-c:a", "aac", "-aac_coder", encode.aac_coder, "-aac_pns", "0", "-aac_is", "0",
        "-q:a", f"{encode.aac_quality:g}", "-ar", str(SAMPLE_RATE), "-ac", str(channels),
        "-map_metadata", "-1", "-f", container, str(out),
    ]  # fmt: skip


def build_adts_mux_command(
    adts: Path, out: Path, *, priming_s: float, ffmpeg: str = "ffmpeg"
) -> list[str]:
    """An ADTS stream into an .m4a by stream copy. ADTS cannot say that its first frame is the
    encoder's priming; starting the stream ``priming_s`` early makes the MP4 muxer write the
    edit list that hides it, as a direct .m4a encode would."""
    return [
        ffmpeg, *COMMON, "-itsoffset", f"{-priming_s:.9f}", "-i", str(adts),
        "-map", "0:a:0", "-c", "copy", "-map_metadata", "-1", "-f", "mp4", str(out),
    ]  # fmt: skip


def build_poster_command(
    video: Path, out: Path, *, at_s: float, width: int | None = None, ffmpeg: str = "ffmpeg"
) -> list[str]:
    """One JPEG frame at ``at_s`` (input seeking, so it costs one decode)."""
    argv = [ffmpeg, *COMMON, "-ss", f"{at_s:.3f}", "-i", str(video), "-frames:v", "1"]
    if width is not None:
        argv += ["-vf", f"scale={width}:-2"]
    return [*argv, "-q:v", "2", "-update", "1", str(out)]
