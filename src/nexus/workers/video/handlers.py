"""The ``video.storyboard`` handler: one shot plan -> a kept PNG frame and the mouth anchor."""

from __future__ import annotations

from pydantic import Field, model_validator

from nexus.contracts.base import StrictModel
from nexus.contracts.studio import EntityPack, ShotPlan
from nexus.core.errors import invalid
from nexus.core.registry import SkillContext
from nexus.workers.video.shot import MouthAnchor, render_shot


class StoryboardInput(StrictModel):
    shot: ShotPlan
    pack: EntityPack = Field(description="Entities the shot refers to (the story's pack).")
    width: int = Field(ge=64, le=3840)
    height: int = Field(ge=64, le=3840)
    variant: int | None = Field(default=None, ge=0, description="None uses shot.variant.")

    @model_validator(mode="after")
    def _even_size(self) -> StoryboardInput:
        # H.264 with yuv420p needs even dimensions; refuse early rather than in the encoder.
        if self.width % 2 or self.height % 2:
            raise ValueError("width and height must be even")
        return self


class StoryboardOutput(StrictModel):
    frame_sha256: str
    mouth: MouthAnchor | None
    width: int
    height: int


def render_storyboard(inp: StoryboardInput, ctx: SkillContext) -> StoryboardOutput:
    """Render the shot's frame as PNG; ``mouth`` is None when nobody on screen speaks."""
    if inp.shot.place_id and not any(p.entity_id == inp.shot.place_id for p in inp.pack.places):
        raise invalid(f"place {inp.shot.place_id!r} is not in the entity pack", place_id="unknown")
    variant = inp.shot.variant if inp.variant is None else inp.variant
    frame, mouth = render_shot(inp.shot, inp.pack, (inp.width, inp.height), variant=variant)
    path = ctx.workdir / f"frame-{inp.shot.shot_id}-v{variant}-{inp.width}x{inp.height}.png"
    frame.save(path, format="PNG", compress_level=4)
    sha = ctx.keep(path, media_type="image/png", name=path.name)
    return StoryboardOutput(frame_sha256=sha, mouth=mouth, width=inp.width, height=inp.height)
