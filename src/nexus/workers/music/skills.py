"""Registers the music skills (``music.bed``) on a registry."""

from __future__ import annotations

from nexus.core.registry import Registry, media_permissions
from nexus.workers.music.handlers import MusicBedInput, MusicBedOutput, compose_music_bed
from nexus.workers.registration import engine_skill


def register(registry: Registry) -> None:
    # "thread": ~1.4 CPU-s of numpy per bed (some of it holding the GIL between small calls),
    # far less than a process-pool child spends importing Nexus before it could start.
    registry.add_skill(
        engine_skill(
            name="music.bed",
            version="1",
            input_model=MusicBedInput,
            output_model=MusicBedOutput,
            handler=compose_music_bed,
            timeout_s=300.0,
            category="music",
            permissions=media_permissions(network=False),
            description="Offline music bed: pad, arpeggio and bass in a mood, from a seed.",
        )
    )
