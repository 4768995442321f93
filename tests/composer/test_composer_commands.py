"""Pure builder tests: the argv shape of every ffmpeg command, camera moves, the duck envelope."""

from __future__ import annotations

from pathlib import Path

import pytest

from nexus.composer import commands
from nexus.composer.ducking import duck_gain, duck_gains, merge_intervals
from nexus.composer.motion import build_end_state_filter, build_zoompan_filter
from nexus.composer.specs import (
    Cue,
    EncodeSettings,
    LoudnessMeasure,
    SegmentSpec,
    Visual,
    visual_kind_of,
)


def spec(**over: object) -> SegmentSpec:
    base: dict[str, object] = {
        "shot_id": "s1",
        "visual": Visual(path=Path("/v/shot.png"), camera="zoom_in"),
        "frames": 75,
        "width": 320,
        "height": 180,
        "fps": 25,
        "cues": [Cue(start_s=0.5, end_s=2.0, text="Hello")],
    }
    base.update(over)
    return SegmentSpec.model_validate(base)


def graph_of(argv: list[str]) -> str:
    assert argv.count("-filter_complex") == 1, "one filtergraph per segment"
    return argv[argv.index("-filter_complex") + 1]


def test_segment_command_has_its_visual_and_exact_length() -> None:
    argv = commands.build_segment_command(spec(), Path("/o/seg.mkv"), ass_path=Path("/o/s.ass"))
    inputs = [argv[i + 1] for i, a in enumerate(argv) if a == "-i"]
    assert inputs == ["/v/shot.png"]
    assert argv[argv.index("-frames:v") + 1] == "75"
    assert argv[-1] == "/o/seg.mkv"
    graph = graph_of(argv)
    assert "zoompan=" in graph
    assert "trim=end_frame=75" in graph
    assert "ass=filename=/o/s.ass" in graph


def test_every_segment_uses_identical_encoder_flags() -> None:
    enc = EncodeSettings()
    a = commands.build_video_encode_args(spec(), enc)
    b = commands.build_video_encode_args(spec(frames=10, visual=Visual(path=Path("/x.mp4"))), enc)
    assert a == b
    assert a[a.index("-c:v") + 1] == "libx264"
    assert a[a.index("-pix_fmt") + 1] == "yuv420p"
    assert a[a.index("-g") + 1] == "50"
    assert a[a.index("-sc_threshold") + 1] == "0"
    assert a[a.index("-x264-params") + 1] == "subme=1"
    plain = commands.build_video_encode_args(spec(), EncodeSettings(x264_params=""))
    assert "-x264-params" not in plain


def test_segment_is_video_only_matroska() -> None:
    argv = commands.build_segment_command(spec(), Path("/o/seg.mkv"))
    assert "-an" in argv and "-c:a" not in argv
    assert argv[argv.index("-f") + 1] == "matroska"
    assert argv.count("-map") == 1


def test_static_segment_without_captions_has_no_zoompan() -> None:
    s = spec(cues=[], visual=Visual(path=Path("/v/a.png")))
    graph = graph_of(commands.build_segment_command(s, Path("/o/x.mkv")))
    assert "zoompan" not in graph
    assert "ass=" not in graph
    assert "[0:a]" not in graph and "anullsrc" not in graph


def test_fade_and_dissolve_are_inside_the_segment_graph() -> None:
    faded = graph_of(
        commands.build_segment_command(spec(transition_in="fade", fade_out=True), Path("/o.mkv"))
    )
    assert "fade=t=in:st=0:d=0.400" in faded
    assert "fade=t=out:st=2.600:d=0.400" in faded
    prev = Visual(path=Path("/v/prev.mp4"), kind="video", camera="pan_left")
    argv = commands.build_segment_command(
        spec(transition_in="dissolve", dissolve_from=prev), Path("/o.mkv")
    )
    inputs = [argv[i + 1] for i, a in enumerate(argv) if a == "-i"]
    assert inputs[:2] == ["/v/shot.png", "/v/prev.mp4"]
    assert argv[argv.index("-sseof") + 1] == "-0.500"
    graph = graph_of(argv)
    assert "xfade=transition=fade:duration=0.400:offset=0" in graph
    assert "[1:v]reverse" in graph


def test_video_clip_visual_is_held_on_its_last_frame() -> None:
    s = spec(visual=Visual(path=Path("/v/lips.mp4"), kind="video"))
    graph = graph_of(commands.build_segment_command(s, Path("/o.mkv")))
    assert "tpad=stop_mode=clone" in graph
    assert "fps=25" in graph


def test_mux_copies_the_segments_and_the_audio() -> None:
    argv = commands.build_mux_command(Path("/w/list.txt"), Path("/w/a.m4a"), Path("/o/f.mp4"))
    assert argv[argv.index("-c") + 1] == "copy"
    assert argv[argv.index("-f") + 1] == "concat"
    assert [argv[i + 1] for i, a in enumerate(argv) if a == "-map"] == ["0:v:0", "1:a:0"]
    assert argv[argv.index("-movflags") + 1] == "+faststart"
    assert argv[-3:] == ["-f", "mp4", "/o/f.mp4"]
    text = commands.build_concat_list([Path("/a/x.mkv"), Path("/b/it's.mkv")])
    assert text.splitlines() == [
        "ffconcat version 1.0",
        "file '/a/x.mkv'",
        "file '/b/it'\\''s.mkv'",
    ]


def measure(i: float, tp: float) -> LoudnessMeasure:
    return LoudnessMeasure(integrated_lufs=i, threshold_lufs=i - 10, lra_lu=3.0, true_peak_dbtp=tp)


def test_one_gain_when_peaks_allow_it() -> None:
    assert commands.linear_gain_db(measure(-23.0, -9.0)) == 7.0
    assert commands.linear_gain_db(measure(-12.0, -0.5)) == -4.0
    assert commands.linear_gain_db(measure(-70.0, -90.0)) == 0.0  # silence
    assert commands.linear_gain_db(measure(-23.1, -5.0)) is None  # +6.9 dB would clip


def test_audio_is_encoded_from_raw_float_with_its_gain() -> None:
    argv = commands.build_audio_encode_command(Path("/w/mix.f32"), Path("/w/audio.m4a"))
    assert argv[argv.index("-f") + 1] == "f32le"
    assert argv[argv.index("-i") + 1] == "/w/mix.f32"
    assert "-af" not in argv  # no gain, no filter
    assert argv[argv.index("-c:a") + 1] == "aac"
    assert argv[argv.index("-aac_coder") + 1] == "fast"
    assert argv[argv.index("-q:a") + 1] == "2"
    assert argv[argv.index("-aac_pns") + 1] == "0" and argv[argv.index("-aac_is") + 1] == "0"
    assert argv[argv.index("-ar") + 1] == "48000" and argv[argv.index("-ac") + 1] == "2"
    assert argv[-3:] == ["-f", "mp4", "/w/audio.m4a"]
    louder = commands.build_audio_encode_command(Path("/m.f32"), Path("/a.m4a"), gain_db=2.5)
    assert louder[louder.index("-af") + 1] == "volume=2.5000dB"
    slow = commands.build_audio_encode_command(
        Path("/m.f32"), Path("/a.m4a"), encode=EncodeSettings(aac_coder="twoloop")
    )
    assert slow[slow.index("-aac_coder") + 1] == "twoloop"


def test_measure_pass_reads_the_raw_mix_and_writes_nothing() -> None:
    argv = commands.build_pcm_measure_command(Path("/w/mix.f32"), channels=2)
    assert "ebur128=peak=true:framelog=quiet" in argv
    assert argv[argv.index("-i") + 1] == "/w/mix.f32"
    assert argv[-3:] == ["-f", "null", "-"]


def test_poster_command_seeks_and_writes_one_frame() -> None:
    argv = commands.build_poster_command(Path("/o/final.mp4"), Path("/o/poster.jpg"), at_s=2.5)
    assert argv[argv.index("-ss") + 1] == "2.500"
    assert argv.index("-ss") < argv.index("-i")
    assert argv[argv.index("-frames:v") + 1] == "1"


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("/w/seg.ass", "/w/seg.ass"),
        ("/w/a:b.ass", "/w/a\\\\:b.ass"),
        ("/w/[x].ass", "/w/\\[x\\].ass"),
        ("/w/it's.ass", "/w/it\\\\\\'s.ass"),
    ],
)
def test_filter_values_are_escaped_for_both_parse_levels(raw: str, escaped: str) -> None:
    assert commands.escape_filter_value(raw) == escaped


def test_zoompan_is_eased_and_sized() -> None:
    f = build_zoompan_filter("zoom_in", frames=101, width=320, height=180, fps=25)
    assert "min(on/100,1)" in f
    assert "s=320x180" in f and "fps=25" in f and ":d=1:" in f
    pan = build_zoompan_filter("pan_right", frames=50, width=320, height=180, fps=25)
    assert "z='1.12'" in pan
    assert build_end_state_filter("static", width=320, height=180) == "scale=320:180"
    assert build_end_state_filter("zoom_in", width=320, height=180).startswith("crop=286:160:")


def test_visual_kind_by_suffix() -> None:
    assert visual_kind_of(Path("a.PNG")) == "image"
    assert visual_kind_of(Path("a.mp4")) == "video"


def test_duck_envelope_merges_close_lines_and_ramps() -> None:
    assert merge_intervals([(5, 6), (1, 2), (2.3, 3)]) == [(1, 3), (5, 6)]
    intervals = [(1.0, 2.0), (5.0, 6.0)]
    assert duck_gain(0.0, intervals, duck_db=-12) == pytest.approx(1.0)
    assert duck_gain(1.5, intervals, duck_db=-12) == pytest.approx(10 ** (-12 / 20))
    assert duck_gain(3.5, intervals, duck_db=-12) == pytest.approx(1.0)
    mid_ramp = duck_gain(2.25, intervals, duck_db=-12)
    assert 10 ** (-12 / 20) < mid_ramp < 1.0
    gains = duck_gains(7 * 1000, 1000, intervals, duck_db=-12)
    for t in (0.0, 0.8, 0.9, 1.5, 2.25, 2.6, 4.9, 6.3, 6.999):
        assert gains[round(t * 1000)] == pytest.approx(duck_gain(t, intervals, duck_db=-12))
    assert (duck_gains(100, 1000, [], duck_db=-12) == 1.0).all()
