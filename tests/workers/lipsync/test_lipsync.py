"""Lip-sync: envelope -> mouth levels, and a real x264 clip with an exact frame count."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from conftest import build_shot
from nexus.contracts.studio import EntityPack
from nexus.core.registry import Registry, SkillContext
from nexus.workers.audio.dsp import ffmpeg_exe
from nexus.workers.audio.wavio import write_wav
from nexus.workers.lipsync import skills
from nexus.workers.lipsync.envelope import PlacedAudio, frame_count, mouth_levels, speech_envelope
from nexus.workers.lipsync.handlers import AudioPlacement, LipsyncInput, animate_mouth
from nexus.workers.lipsync.mouth import mouth_box
from nexus.workers.video.handlers import StoryboardInput, render_storyboard

RATE = 24_000
FPS = 25


def speech_like(seconds: float, *, start: float, stop: float) -> np.ndarray:
    """Silence with a syllabic (4 Hz) modulated voiced burst between start and stop."""
    t = np.arange(round(seconds * RATE)) / RATE
    voiced = np.sin(2 * np.pi * 140 * t) + 0.4 * np.sin(2 * np.pi * 280 * t)
    syllables = 0.55 + 0.45 * np.sin(2 * np.pi * 4 * t)
    gate = (t >= start) & (t < stop)
    return (0.5 * voiced * syllables * gate).astype(np.float32)


def test_envelope_opens_only_under_speech() -> None:
    samples = speech_like(2.0, start=0.5, stop=1.5)
    frames = frame_count(3.0, FPS)
    levels = mouth_levels(speech_envelope([PlacedAudio(samples, RATE, 0.4)], FPS, frames))
    assert levels.shape == (75,)
    # speech sits at 0.9 s .. 1.9 s of the clip (offset 0.4 s)
    assert not levels[:22].any() and not levels[48:].any()
    assert (levels[24:46] > 0).mean() > 0.8 and levels.max() == 3
    assert len(set(levels[24:46].tolist())) >= 2  # it moves, not just open


def test_silence_keeps_the_mouth_closed() -> None:
    silent = np.zeros(RATE, dtype=np.float32)
    assert not mouth_levels(speech_envelope([PlacedAudio(silent, RATE, 0.0)], FPS, 25)).any()


def decode_rgb(clip: Path, size: tuple[int, int]) -> np.ndarray:
    raw = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(clip), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    return np.frombuffer(raw, np.uint8).reshape(-1, size[1], size[0], 3).astype(np.int16)


def probe_frames(clip: Path) -> int:
    ffprobe = shutil.which("ffprobe")
    assert ffprobe, "ffprobe is required (Debian package ffmpeg)"
    out = subprocess.run(
        [ffprobe, "-v", "error", "-count_frames", "-select_streams", "v:0",
         "-show_entries", "stream=nb_read_frames,codec_name,pix_fmt", "-of", "csv=p=0", str(clip)],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    codec, pix_fmt, frames = out.split(",")
    assert (codec, pix_fmt) == ("h264", "yuv420p")
    return int(frames)


@pytest.mark.parametrize("duration_s", [3.0, 2.013])
def test_clip_is_frame_accurate_and_mouth_follows_speech(
    pack_en: EntityPack, make_ctx: Callable[[], SkillContext], tmp_path: Path, duration_s: float
) -> None:
    ctx = make_ctx()
    shot = build_shot(pack_en, speaker_id="ch-mara", place_id="pl-light", text="Now!")
    board = render_storyboard(StoryboardInput(shot=shot, pack=pack_en, width=640, height=360), ctx)
    assert board.mouth is not None
    wav = tmp_path / "speech.wav"
    write_wav(wav, speech_like(1.0, start=0.0, stop=1.0), RATE)
    ctx.artifact_paths = {board.frame_sha256: ctx.kept[0].path, "speech": wav}
    out = animate_mouth(
        LipsyncInput(frame_sha256=board.frame_sha256, mouth=board.mouth, duration_s=duration_s,
                     audio=[AudioPlacement(audio_sha256="speech", offset_s=0.6)]),
        ctx,
    )  # fmt: skip
    clip = next(k.path for k in ctx.kept if k.sha256 == out.clip_sha256)
    expected = round(duration_s * FPS)
    assert out.frames == expected and probe_frames(clip) == expected
    video = decode_rgb(clip, (640, 360))
    x0, y0, x1, y1 = mouth_box(board.mouth, (640, 360))
    region = video[:, y0:y1, x0:x1]
    change = np.abs(region - region[0]).mean(axis=(1, 2, 3))
    # silent before 0.6 s and after 1.6 s: closed mouth, only codec drift (~1.3 at most)
    silent = np.concatenate([change[:14], change[42:]])
    speaking = change[17:38]
    assert silent.max() < 2.0
    assert speaking.mean() > 2 * silent.max() and (speaking > silent.max()).mean() > 0.8
    outside = np.abs(video[:, :y0] - video[0, :y0]).mean()
    assert outside < 1.0  # nothing but the mouth moves
    assert out.open_frames > 15


def test_highlight_is_off_while_the_narrator_reads(
    pack_en: EntityPack, make_ctx: Callable[[], SkillContext], tmp_path: Path
) -> None:
    """A dialogue shot: narrator 0-1 s, Mara 1-2 s, narrator 2-3 s. Only 1-2 s shows her halo,
    big tag and dimmed listener; the rest of the clip is the neutral frame."""
    ctx = make_ctx()
    shot = build_shot(pack_en, speaker_id="ch-mara", place_id="pl-light", text="Now!")
    shot = shot.model_copy(update={"character_ids": ["ch-mara", "ch-tom"]})
    board = render_storyboard(StoryboardInput(shot=shot, pack=pack_en, width=640, height=360), ctx)
    assert board.mouth is not None and board.neutral_frame_sha256 is not None
    paths = {k.sha256: k.path for k in ctx.kept}
    lit_png = np.asarray(Image.open(paths[board.frame_sha256]).convert("RGB"), dtype=np.int16)
    plain_png = np.asarray(
        Image.open(paths[board.neutral_frame_sha256]).convert("RGB"), dtype=np.int16
    )
    assert np.abs(lit_png - plain_png).mean() > 1.0  # the highlight is visible at all
    wav = tmp_path / "speech.wav"
    write_wav(wav, speech_like(1.0, start=0.0, stop=1.0), RATE)
    ctx.artifact_paths = {**paths, "speech": wav}
    out = animate_mouth(
        LipsyncInput(
            frame_sha256=board.frame_sha256, mouth=board.mouth, duration_s=3.0,
            audio=[AudioPlacement(audio_sha256="speech", offset_s=1.0)],
            neutral_frame_sha256=board.neutral_frame_sha256, highlight=[(1.0, 2.0)],
        ),
        ctx,
    )  # fmt: skip
    video = decode_rgb(next(k.path for k in ctx.kept if k.sha256 == out.clip_sha256), (640, 360))
    x0, y0, x1, y1 = mouth_box(board.mouth, (640, 360))
    keep = np.ones(video.shape[1:3], dtype=bool)
    keep[y0:y1, x0:x1] = False  # compare everything but the moving mouth

    def distance(frame: np.ndarray, still: np.ndarray) -> float:
        return float(np.abs(frame[keep] - still[keep]).mean())

    for i in (*range(0, 24), *range(51, 75)):  # narrator: neutral
        assert distance(video[i], plain_png) < distance(video[i], lit_png), i
    for i in range(26, 49):  # Mara talks: highlighted
        assert distance(video[i], lit_png) < distance(video[i], plain_png), i
    assert out.open_frames > 10


def test_still_clip_without_speaker(
    pack_en: EntityPack, make_ctx: Callable[[], SkillContext]
) -> None:
    ctx = make_ctx()
    shot = build_shot(pack_en, speaker_id=None, place_id="pl-kitchen", text="Later.")
    board = render_storyboard(StoryboardInput(shot=shot, pack=pack_en, width=320, height=180), ctx)
    ctx.artifact_paths = {board.frame_sha256: ctx.kept[0].path}
    out = animate_mouth(
        LipsyncInput(frame_sha256=board.frame_sha256, mouth=None, duration_s=1.0), ctx
    )
    assert (out.frames, out.open_frames, out.duration_s) == (25, 0, 1.0)
    assert probe_frames(ctx.kept[-1].path) == 25


def test_skill_is_registered() -> None:
    registry = Registry()
    skills.register(registry)
    assert registry.skill("lipsync.animate").output_model.__name__ == "LipsyncOutput"
