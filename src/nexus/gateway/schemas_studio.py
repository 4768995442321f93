"""API schemas of the studio front end's extra endpoints: first-run setup, story preview and
the entities of a run (the rest of the API's schemas live in ``schemas.py``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from nexus.contracts import studio
from nexus.gateway import schemas
from nexus.gateway.schemas import Email, Input, Output


# ------------------------------------------------------------------ first-run setup
class SetupState(Output):
    needs_admin: bool = Field(description="True only while no user exists at all.")


class SetupCreate(Input):
    email: Email
    password: str = Field(min_length=12, max_length=1024)
    display_name: str = Field(default="", max_length=200)
    tenant: str = Field(
        default="studio", min_length=1, max_length=63, pattern=r"^[a-z0-9][a-z0-9-]{0,62}$"
    )


# ------------------------------------------------------------------ story preview
class StoryPreviewRequest(Input):
    text: str = Field(
        min_length=1,
        max_length=1_000_000,
        pattern=schemas.STORY_TEXT_PATTERN,
        description="UTF-8 text; the byte limit is gateway.max_story_bytes (413 beyond).",
    )
    language: Literal["auto", "zh", "en"] = "auto"


class ScenePreview(Output):
    index: int
    title: str | None
    sentences: int
    shots: int


class StoryPreview(Output):
    """What a run of this text would plan: the same rules as the pipeline's ``plan`` node."""

    title: str
    detected_language: studio.Language
    language: Literal["zh", "en"] = Field(description="The language the voices will speak.")
    scenes: list[ScenePreview]
    characters: list[studio.Entity]
    places: list[studio.Entity]
    props: list[studio.Entity]
    narrator_voice: str
    shots: list[studio.ShotPlan]
    duration_s: float = Field(description="Sum of the shots' target durations.")
    problem_code: str | None = Field(
        default=None,
        description="Why a run of this text would be refused (e.g. input_too_short); the "
        "preview then has no shots.",
    )
    problem: str | None = None


# ------------------------------------------------------------------ entities of a run
class RunEntities(Output):
    run_id: str
    ready: bool = Field(description="False until the run's plan has been computed.")
    pack: studio.EntityPack | None


# ------------------------------------------------------------------ graph and media of a run
class JobEdge(Output):
    job_id: str = Field(description="The job that waits.")
    upstream_job_id: str
    data: bool = Field(description="True when the upstream output feeds this job's input.")


class RunGraph(Output):
    run_id: str
    nodes: list[schemas.Job]
    edges: list[JobEdge]


class Media(Output):
    job_id: str
    node_key: str
    sha256: str
    size_bytes: int
    media_type: str
    name: str
    url: str = Field(description="A short-lived signed URL (no credentials needed).")
    expires_at: schemas.Time


class MediaPage(Output):
    run_id: str
    items: list[Media]
