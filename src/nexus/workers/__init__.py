"""Offline worker engines (audio, video, lipsync, music) exposed as registry skills."""

from __future__ import annotations

from nexus.core.registry import Registry


def register_workers(registry: Registry) -> None:
    """Add audio.tts, video.storyboard, lipsync.animate and music.bed to ``registry``."""
    # Imported here, not at module top: the audio engines pull in onnx/onnxruntime/piper,
    # which every `nexus.workers.*` import (e.g. the demo worker) would otherwise pay for.
    from nexus.workers.audio import skills as audio_skills  # noqa: PLC0415
    from nexus.workers.lipsync import skills as lipsync_skills  # noqa: PLC0415
    from nexus.workers.music import skills as music_skills  # noqa: PLC0415
    from nexus.workers.video import skills as video_skills  # noqa: PLC0415

    audio_skills.register(registry)
    video_skills.register(registry)
    lipsync_skills.register(registry)
    music_skills.register(registry)
