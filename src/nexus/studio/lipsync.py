"""``studio.clip_synced``: the shot's clip with the speaker's lips moved by an HTTP lip-sync
service (the frame as the face, the speaker's lines as one WAV on the shot's clock). The
service's video is conformed to the shot exactly (size, fps, frame count) so the composer
sees what the offline envelope engine would give; without a provider, or when it fails,
the offline engine animates the mouth (``render.lay_out_clip``)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np

from nexus.composer.runner import ffmpeg_exe, run_tool
from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.core.logging import get_logger
from nexus.core.registry import SkillContext
from nexus.studio.media import fallback_reason
from nexus.studio.models import StudioModels, prefer_of
from nexus.studio.render import ClipIn, ClipOut, SpokenLine, lay_out_clip, lay_out_shot
from nexus.workers.audio.dsp import OUTPUT_RATE
from nexus.workers.audio.wavio import read_wav, write_wav


class SyncedClipIn(ClipIn):
    engine: str | None = None


log = get_logger(__name__)


def speaker_track(lines: list[SpokenLine], seconds: float, ctx: SkillContext) -> Path:
    """The speaker's lines placed on the shot's clock, as one mono WAV."""
    track = np.zeros(max(1, round(seconds * OUTPUT_RATE)), dtype=np.float32)
    for line in lines:
        samples, rate = read_wav(ctx.artifact_path(line.audio_sha256))
        if rate != OUTPUT_RATE:
            raise NexusError(  # every TTS skill writes OUTPUT_RATE; anything else is a bug
                ErrorCode.INTERNAL, f"speech at {rate} Hz, expected {OUTPUT_RATE}"
            )
        start = round(line.offset_s * OUTPUT_RATE)
        piece = samples[: max(0, len(track) - start)]
        track[start : start + len(piece)] += piece
    path = ctx.workdir / "speaker.wav"
    write_wav(path, np.clip(track, -1.0, 1.0), OUTPUT_RATE)
    return path


def conform_command(
    src: Path, out: Path, *, width: int, height: int, fps: int, frames: int
) -> list[str]:
    """Exactly ``frames`` frames of ``width``x``height`` at ``fps`` (the last frame held)."""
    vf = (
        f"scale={width}:{height}:force_original_aspect_ratio=increase,crop={width}:{height},"
        f"fps={fps},tpad=stop_mode=clone:stop_duration={frames / fps + 1:.3f}"
    )
    return [
        ffmpeg_exe(), "-v", "error", "-y", "-i", str(src), "-vf", vf, "-frames:v", str(frames),
        "-an", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(out),
    ]  # fmt: skip


class LipsyncSkills:
    def __init__(self, models: StudioModels) -> None:
        self.models = models

    async def clip(self, inp: SyncedClipIn, ctx: SkillContext) -> ClipOut:
        """The output is a plain ClipOut (segment and final read it); the cost ledger says
        who served it."""
        offline = ClipIn.model_validate(inp.model_dump(exclude={"engine"}))
        frame = ctx.upstream[inp.frame_key]
        tts = [ctx.upstream[k] for k in inp.tts_keys]
        layout = lay_out_shot(inp.shot, tts, width=inp.width, height=inp.height, fps=inp.fps)
        mouth = frame.get("mouth") or {}
        lines = [
            s for s in layout.spoken if s.speaker_id and s.speaker_id == mouth.get("character_id")
        ]
        if not lines:  # nobody on screen speaks: the still frame, nothing to sync
            return await asyncio.to_thread(lay_out_clip, offline, ctx)
        try:
            client = self.models.require()
            seconds = layout.frames / inp.fps
            audio = await asyncio.to_thread(speaker_track, lines, seconds, ctx)
            face = ctx.artifact_path(str(frame["frame_sha256"])).read_bytes()
            ctx.progress(0.2, "lip-syncing the speaker")
            result = await client.lipsync(
                await self.models.scope_for(ctx), audio.read_bytes(), face,
                resume_key=f"{ctx.job_id}:lipsync", prefer=prefer_of(inp.engine),
            )  # fmt: skip
            raw = ctx.workdir / "lipsync.provider.mp4"
            raw.write_bytes(result.data)
            out = ctx.workdir / f"lipsync-{inp.shot.shot_id}-{layout.frames}f{inp.fps}.mp4"
            cmd = conform_command(raw, out, width=inp.width, height=inp.height, fps=inp.fps,
                                  frames=layout.frames)  # fmt: skip
            await asyncio.to_thread(run_tool, cmd)
        except NexusError as exc:
            reason = fallback_reason(self.models, exc, ctx.project_id)
            log.info("lipsync.offline", shot_id=inp.shot.shot_id, reason=reason)
            return await asyncio.to_thread(lay_out_clip, offline, ctx)
        return ClipOut(
            shot=inp.shot, frame_sha256=str(frame["frame_sha256"]),
            visual_sha256=ctx.keep(out, media_type="video/mp4", name=out.name),
            visual_kind="video", frames=layout.frames, duration_s=layout.frames / inp.fps,
            clip=layout.clip, audio=layout.audio, subtitles=layout.subtitles,
            speech=layout.spoken,
        )  # fmt: skip
