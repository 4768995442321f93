"""Registers the video skills (``video.storyboard``) on a registry."""

from __future__ import annotations

from nexus.core.registry import Registry, RetryPolicy, Skill
from nexus.workers.video.handlers import StoryboardInput, StoryboardOutput, render_storyboard


def register(registry: Registry) -> None:
    # "process": Pillow drawing holds the GIL for much of a frame.
    registry.add_skill(
        Skill(
            name="video.storyboard",
            version="1",
            input_model=StoryboardInput,
            output_model=StoryboardOutput,
            handler=render_storyboard,
            resource_class="cpu",
            executor="process",
            retry=RetryPolicy(max_attempts=2),
            timeout_s=120.0,
            description="Storyboard frame: place backdrop, character portraits, speaker emphasis.",
        )
    )
