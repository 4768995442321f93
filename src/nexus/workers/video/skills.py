"""Registers the video skills (``video.storyboard``) on a registry."""

from __future__ import annotations

from nexus.core.registry import Registry, media_permissions
from nexus.workers.registration import engine_skill
from nexus.workers.video.handlers import StoryboardInput, StoryboardOutput, render_storyboard


def register(registry: Registry) -> None:
    # "thread": Pillow and numpy release the GIL for the heavy work (blur, resize, paste), and
    # a process pool would start an interpreter importing everything again (seconds per child).
    registry.add_skill(
        engine_skill(
            name="video.storyboard",
            version="2",  # 2: a neutral frame for the narrator's moments (ADR 0115)
            input_model=StoryboardInput,
            output_model=StoryboardOutput,
            handler=render_storyboard,
            timeout_s=120.0,
            capability="image",
            category="image",
            permissions=media_permissions(assets=True, network=True),
            description="Storyboard frame: place backdrop, character portraits, speaker emphasis.",
        )
    )
