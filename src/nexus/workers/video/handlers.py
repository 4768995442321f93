"""The ``video.storyboard`` handler: one shot plan -> a kept PNG frame and the mouth anchor."""

from __future__ import annotations

from PIL import Image
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
    neutral_frame_sha256: str | None = Field(
        default=None,
        description="The same frame with nobody highlighted, shown while the narrator reads; "
        "None when nobody on screen speaks.",
    )
    mouth: MouthAnchor | None
    width: int
    height: int


def render_storyboard(inp: StoryboardInput, ctx: SkillContext) -> StoryboardOutput:
    """Render the shot's frame as PNG; ``mouth`` is None when nobody on screen speaks.

    With a speaker on screen a second, neutral frame (same layout, nobody highlighted) is
    kept for the moments the narrator reads.
    """
    if inp.shot.place_id and not any(p.entity_id == inp.shot.place_id for p in inp.pack.places):
        raise invalid(f"place {inp.shot.place_id!r} is not in the entity pack", place_id="unknown")
    variant = inp.shot.variant if inp.variant is None else inp.variant
    size = (inp.width, inp.height)
    frame, mouth = render_shot(inp.shot, inp.pack, size, variant=variant)
    name = f"frame-{inp.shot.shot_id}-v{variant}-{inp.width}x{inp.height}"
    sha = _keep_png(frame, ctx, f"{name}.png")
    neutral: str | None = None
    if mouth is not None:
        plain, _ = render_shot(inp.shot, inp.pack, size, variant=variant, highlight=False)
        neutral = _keep_png(plain, ctx, f"{name}-neutral.png")
    return StoryboardOutput(
        frame_sha256=sha, neutral_frame_sha256=neutral, mouth=mouth,
        width=inp.width, height=inp.height,
    )  # fmt: skip


def _keep_png(img: Image.Image, ctx: SkillContext, name: str) -> str:
    path = ctx.workdir / name
    img.save(path, format="PNG", compress_level=4)
    return ctx.keep(path, media_type="image/png", name=name)
