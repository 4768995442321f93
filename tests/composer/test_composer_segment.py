"""Real ffmpeg, one segment at a time: exact length, video only, captions, transitions."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from nexus.composer.compose import render_segment
from nexus.composer.probe import count_video_frames, probe_streams, read_frame
from nexus.composer.runner import ffmpeg_exe, run_tool
from nexus.composer.specs import Cue, EncodeSettings, SegmentSpec, Visual

MakePng = Callable[..., Path]

ENC = EncodeSettings()


def test_segment_is_frame_exact_and_video_only(tmp_path: Path, make_png: MakePng) -> None:
    spec = SegmentSpec(
        shot_id="s1",
        visual=Visual(path=make_png("a.png"), camera="pan_right"),
        frames=37,  # 1.48 s: not a whole second on purpose
        width=320, height=180, fps=25,
    )  # fmt: skip
    seg = render_segment(spec, cache_dir=tmp_path / "cache", encode=ENC)
    assert seg.rerendered
    assert count_video_frames(seg.path) == 37
    assert [(s.codec_type, s.codec_name) for s in probe_streams(seg.path)] == [("video", "h264")]


def test_cached_segment_is_reused_and_a_changed_input_is_not(
    tmp_path: Path, make_png: MakePng
) -> None:
    spec = SegmentSpec(
        shot_id="s1", visual=Visual(path=make_png("a.png")), frames=5, width=320, height=180, fps=25
    )
    first = render_segment(spec, cache_dir=tmp_path / "c", encode=ENC)
    again = render_segment(spec, cache_dir=tmp_path / "c", encode=ENC)
    assert not again.rerendered and again.path == first.path
    other = spec.model_copy(update={"visual": Visual(path=make_png("b.png", color=(1, 2, 3)))})
    changed = render_segment(other, cache_dir=tmp_path / "c", encode=ENC)
    assert changed.rerendered and changed.path != first.path


def test_burned_caption_changes_only_the_caption_area(
    tmp_path: Path, make_flat_png: MakePng
) -> None:
    # a path with a colon, a quote and brackets proves the ass filter argument is escaped
    cache = tmp_path / "odd:dir's [x]"
    spec = SegmentSpec(
        shot_id="s1",
        visual=Visual(path=make_flat_png("grey.png")),
        frames=30, width=320, height=180, fps=25,
        cues=[Cue(start_s=0.4, end_s=0.8, text="他说：你好 Hello")],
    )  # fmt: skip
    seg = render_segment(spec, cache_dir=cache, encode=ENC)
    on = read_frame(seg.path, frame_index=15, width=320, height=180).astype(int)
    off = read_frame(seg.path, frame_index=25, width=320, height=180).astype(int)
    diff = np.abs(on - off).max(axis=2)
    caption_band = diff[int(180 * 0.7) :, :]
    above = diff[: int(180 * 0.6), :]
    assert (caption_band > 40).sum() > 200, "caption glyphs are drawn in the bottom band"
    assert above.max() <= 6, "nothing changes outside the caption area"


def test_fade_and_dissolve_render(
    tmp_path: Path, make_png: MakePng, make_flat_png: MakePng
) -> None:
    white = make_flat_png("white.png", grey=250)
    black_start = SegmentSpec(
        shot_id="s1", visual=Visual(path=white), frames=25, width=320, height=180, fps=25,
        transition_in="fade", fade_out=True,
    )  # fmt: skip
    seg = render_segment(black_start, cache_dir=tmp_path / "c", encode=ENC)
    assert read_frame(seg.path, frame_index=0, width=320, height=180).mean() < 30
    assert read_frame(seg.path, frame_index=12, width=320, height=180).mean() > 200
    assert read_frame(seg.path, frame_index=24, width=320, height=180).mean() < 60

    dark = make_flat_png("dark.png", grey=20)
    dissolve = SegmentSpec(
        shot_id="s2", visual=Visual(path=white, camera="zoom_in"), frames=25,
        width=320, height=180, fps=25, transition_in="dissolve",
        dissolve_from=Visual(path=dark, camera="pan_left"),
    )  # fmt: skip
    seg2 = render_segment(dissolve, cache_dir=tmp_path / "c", encode=ENC)
    first = read_frame(seg2.path, frame_index=0, width=320, height=180).mean()
    middle = read_frame(seg2.path, frame_index=5, width=320, height=180).mean()
    last = read_frame(seg2.path, frame_index=24, width=320, height=180).mean()
    assert first < 40 and 60 < middle < 220 and last > 230
    assert count_video_frames(seg2.path) == 25


def test_video_clip_visual_is_conformed_and_held(tmp_path: Path, make_png: MakePng) -> None:
    clip = tmp_path / "lips.mp4"
    run_tool([
        ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-f", "lavfi",
        "-i", "testsrc2=size=200x200:rate=30:duration=1", "-pix_fmt", "yuv420p", str(clip),
    ])  # fmt: skip
    spec = SegmentSpec(
        shot_id="s1", visual=Visual(path=clip, kind="video", camera="zoom_in"), frames=40,
        width=320, height=180, fps=25,
    )  # fmt: skip
    seg = render_segment(spec, cache_dir=tmp_path / "c", encode=ENC)
    assert count_video_frames(seg.path) == 40
    video = next(s for s in probe_streams(seg.path) if s.codec_type == "video")
    assert (video.width, video.height) == (320, 180)
