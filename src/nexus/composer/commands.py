"""Pure ffmpeg command builders: segment render, lossless concat, final mix, poster.

Every function returns an argv list (no shell) and touches no file; ``runner`` spawns them.
All segments share one encoder configuration so the concat demuxer can stream-copy them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from nexus.composer.ducking import build_duck_expression
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
    MixPlan,
    SegmentSpec,
    Visual,
)

LOUDNESS_TARGET_I = -16.0
LOUDNESS_TARGET_TP = -1.5
"""Half a dB below the -1 dBTP ceiling: AAC encoding adds a little inter-sample peak."""
LOUDNESS_TARGET_LRA = 20.0
"""Only used by loudnorm's dynamic fallback; wide, so it does not flatten the mix."""

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


def _speech_graph(spec: SegmentSpec, first_index: int) -> list[str]:
    samples = spec.audio_samples
    fmt = f"aformat=sample_fmts=s16:sample_rates={SAMPLE_RATE}:channel_layouts=stereo"
    if not spec.speech:
        return [f"anullsrc=r={SAMPLE_RATE}:cl=stereo,atrim=end_sample={samples},{fmt}[aout]"]
    parts: list[str] = []
    labels: list[str] = []
    for i, line in enumerate(spec.speech):
        delay = round(line.offset_s * SAMPLE_RATE)
        parts.append(
            f"[{first_index + i}:a]aresample={SAMPLE_RATE},"
            f"aformat=channel_layouts=stereo,volume={line.gain_db:g}dB,"
            f"adelay=delays={delay}S:all=1[s{i}]"
        )
        labels.append(f"[s{i}]")
    if len(labels) == 1:
        mixed = labels[0]
    else:
        parts.append(f"{''.join(labels)}amix=inputs={len(labels)}:normalize=0:duration=longest[sm]")
        mixed = "[sm]"
    parts.append(f"{mixed}apad=whole_len={samples},atrim=end_sample={samples},{fmt}[aout]")
    return parts


def build_video_encode_args(spec: SegmentSpec, encode: EncodeSettings) -> list[str]:
    """Encoder flags; identical for every segment of a timeline (lossless concat needs it)."""
    gop = max(1, round(encode.gop_s * spec.fps))
    return [
        "-c:v", "libx264", "-preset", encode.preset, "-crf", str(encode.crf),
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
    """One ffmpeg run, one filtergraph: visual + camera + transition + subtitles + speech."""
    encode = encode or EncodeSettings()
    argv = [ffmpeg, *COMMON, *_visual_input_args(seg.visual)]
    prev_index: int | None = None
    if seg.transition_in == "dissolve" and seg.dissolve_from is not None:
        prev_index = 1
        argv += _visual_input_args(seg.dissolve_from, tail_s=0.5)
    first_speech = 1 + (prev_index is not None)
    for line in seg.speech:
        argv += ["-i", str(line.path)]
    graph = _video_graph(seg, ass_path, prev_index) + _speech_graph(seg, first_speech)
    argv += ["-filter_complex", ";".join(graph), "-map", "[vout]", "-map", "[aout]"]
    argv += build_video_encode_args(seg, encode)
    argv += ["-frames:v", str(seg.frames), "-c:a", "pcm_s16le", "-ar", str(SAMPLE_RATE)]
    argv += ["-ac", "2", "-map_metadata", "-1", "-f", "matroska", str(out)]
    return argv


# --- concat ----------------------------------------------------------------------------------


def build_concat_list(segment_paths: Sequence[Path]) -> str:
    """The concat demuxer's list file text (absolute, quoted paths)."""
    lines = ["ffconcat version 1.0"]
    for path in segment_paths:
        quoted = str(path.resolve()).replace("'", "'\\''")
        lines.append(f"file '{quoted}'")
    return "\n".join(lines) + "\n"


def build_concat_command(list_path: Path, out: Path, *, ffmpeg: str = "ffmpeg") -> list[str]:
    """Join segments without re-encoding (every stream is copied)."""
    return [
        ffmpeg, *COMMON, "-f", "concat", "-safe", "0", "-i", str(list_path),
        "-map", "0", "-c", "copy", "-f", "matroska", str(out),
    ]  # fmt: skip


# --- final mix -------------------------------------------------------------------------------


def linear_gain_db(measured: LoudnessMeasure) -> float | None:
    """The one gain that reaches the target, or None if it would push peaks over the ceiling."""
    if measured.integrated_lufs < -69.0:  # silence: nothing to normalise
        return 0.0
    gain = LOUDNESS_TARGET_I - measured.integrated_lufs
    return gain if measured.true_peak_dbtp + gain <= LOUDNESS_TARGET_TP else None


EBUR128_MEASURE = "ebur128=peak=true:framelog=quiet"


def build_gain_filter(gain_db: float) -> str:
    """One linear gain: what loudnorm's linear mode applies, without its 192 kHz resampling."""
    return f"volume={gain_db:.2f}dB"


def build_loudnorm_filter(measured: dict[str, str] | None) -> str:
    """loudnorm measuring (None) or applying its own first-pass JSON (linear where it can)."""
    base = f"loudnorm=I={LOUDNESS_TARGET_I:g}:TP={LOUDNESS_TARGET_TP:g}:LRA={LOUDNESS_TARGET_LRA:g}"
    if measured is None:
        return f"{base}:print_format=json"
    return (
        f"{base}:measured_I={measured['input_i']}:measured_TP={measured['input_tp']}"
        f":measured_LRA={measured['input_lra']}:measured_thresh={measured['input_thresh']}"
        f":offset={measured['target_offset']}:linear=true:print_format=json"
    )


def build_mix_graph(mix: MixPlan, normaliser: str) -> str:
    """Speech (input 0) over ducked music (input 1) through ``normaliser``, exact length.

    ``normaliser`` is a measuring filter (EBUR128_MEASURE, loudnorm measuring) or an applying
    one (build_gain_filter, build_loudnorm_filter with measured values).
    """
    fmt = f"aformat=sample_fmts=fltp:sample_rates={SAMPLE_RATE}:channel_layouts=stereo"
    total_samples = mix.total_samples
    parts = [f"[0:a]{fmt}[speech]"]
    mixed = "[speech]"
    if mix.has_music:
        duck = build_duck_expression(mix.speech_intervals, duck_db=mix.duck_db)
        parts.append(
            f"[1:a]aresample={SAMPLE_RATE},{fmt},atrim=end_sample={total_samples},"
            f"asetnsamples=n=480:p=0,volume={mix.music_gain_db:g}dB,"
            f"volume='{duck}':eval=frame[music]"
        )
        parts.append("[speech][music]amix=inputs=2:normalize=0:duration=first[mix]")
        mixed = "[mix]"
    parts.append(
        f"{mixed}{normaliser},aresample={SAMPLE_RATE},"
        f"apad=whole_len={total_samples},atrim=end_sample={total_samples}[aout]"
    )
    return ";".join(parts)


def _mix_inputs(concat_path: Path, music_wav: Path | None) -> list[str]:
    argv = ["-i", str(concat_path)]
    if music_wav is not None:
        argv += ["-stream_loop", "-1", "-i", str(music_wav)]
    return argv


def build_loudness_measure_command(
    concat_path: Path, music_wav: Path | None, graph: str, *, ffmpeg: str = "ffmpeg"
) -> list[str]:
    """A measuring pass: audio only, to the null muxer; the measurement goes to stderr."""
    return [
        ffmpeg, "-hide_banner", "-nostdin", "-y", "-loglevel", "info",
        *_mix_inputs(concat_path, music_wav), "-filter_complex", graph,
        "-map", "[aout]", "-vn", "-f", "null", "-",
    ]  # fmt: skip


def build_final_mix_command(
    concat_path: Path,
    music_wav: Path | None,
    graph: str,
    out: Path,
    *,
    ffmpeg: str = "ffmpeg",
    encode: EncodeSettings | None = None,
) -> list[str]:
    """Pass two: copy the video, encode the normalised mix as AAC, MP4 with faststart."""
    encode = encode or EncodeSettings()
    return [
        ffmpeg, "-hide_banner", "-nostdin", "-y", "-loglevel", "info",
        *_mix_inputs(concat_path, music_wav), "-filter_complex", graph,
        "-map", "0:v:0", "-map", "[aout]", "-c:v", "copy",
        "-c:a", "aac", "-b:a", encode.final_audio_bitrate, "-ar", str(SAMPLE_RATE), "-ac", "2",
        "-map_metadata", "-1", "-movflags", "+faststart", "-f", "mp4", str(out),
    ]  # fmt: skip


def build_poster_command(
    video: Path, out: Path, *, at_s: float, width: int | None = None, ffmpeg: str = "ffmpeg"
) -> list[str]:
    """One JPEG frame at ``at_s`` (input seeking, so it costs one decode)."""
    argv = [ffmpeg, *COMMON, "-ss", f"{at_s:.3f}", "-i", str(video), "-frames:v", "1"]
    if width is not None:
        argv += ["-vf", f"scale={width}:-2"]
    return [*argv, "-q:v", "2", "-update", "1", str(out)]
