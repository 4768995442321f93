"""Registers the audio skills (``audio.tts``) on a registry."""

from __future__ import annotations

from nexus.core.registry import Registry, media_permissions
from nexus.workers.audio.handlers import TtsInput, TtsOutput, synthesize_speech
from nexus.workers.registration import engine_skill


def register(registry: Registry) -> None:
    # "thread": onnxruntime and the ffmpeg/espeak subprocesses release the GIL, and a
    # thread shares the process's once-loaded piper model (~3 s to load).
    registry.add_skill(
        engine_skill(
            name="audio.tts",
            version="2",  # 2: mixed-script text read per run by the voice's family
            input_model=TtsInput,
            output_model=TtsOutput,
            handler=synthesize_speech,
            timeout_s=180.0,
            capability="speech",
            category="audio",
            permissions=media_permissions(assets=True, network=True),
            description=(
                "Offline TTS: piper (English, neural) and espeak-ng (Mandarin) voices; "
                "mixed text is read run by run in one timbre family."
            ),
        )
    )
