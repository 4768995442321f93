"""The ``music.bed`` handler: duration + mood + seed -> a kept stereo WAV music bed."""

from __future__ import annotations

from pydantic import Field

from nexus.contracts.base import StrictModel
from nexus.core.registry import SkillContext
from nexus.workers.audio.wavio import write_wav
from nexus.workers.music.synth import RATE, Mood, synthesize_bed


class MusicBedInput(StrictModel):
    duration_s: float = Field(gt=0, le=1800)
    mood: Mood = "calm"
    seed: int = Field(default=0, ge=0)


class MusicBedOutput(StrictModel):
    audio_sha256: str
    duration_s: float = Field(description="Exact: frames / sample_rate.")
    sample_rate: int
    channels: int


def compose_music_bed(inp: MusicBedInput, ctx: SkillContext) -> MusicBedOutput:
    """Synthesise the bed (fades in and out, peak -6 dBFS); the composer ducks it under speech."""
    ctx.progress(0.1, f"synthesising {inp.duration_s:.1f} s of {inp.mood} music")
    samples = synthesize_bed(inp.duration_s, inp.mood, inp.seed)
    path = ctx.workdir / f"music-{inp.mood}-{inp.seed}-{len(samples)}.wav"
    write_wav(path, samples, RATE)
    sha = ctx.keep(path, media_type="audio/wav", name=path.name)
    return MusicBedOutput(
        audio_sha256=sha, duration_s=len(samples) / RATE, sample_rate=RATE, channels=2
    )
