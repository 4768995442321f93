"""The studio's library skills (ADR 0240, 0241):

- ``studio.match_assets``: after the plan, asks the library for every character, place and
  the music mood, applies pins, rejections and the confidence rule; passes the plan on.
- ``studio.asset``: one chosen asset's file kept as an artifact of its own node, so a shot's
  frame depends on exactly the assets it shows (its cache key holds their sha256).
- ``studio.frame_assets``: the storyboard frame with library portraits as cards and a library
  backdrop; ``studio.music_asset``: a library track as the music bed.
The library is ``registry.services["assets"]`` (an ``AssetLibrary``), looked up per job.
"""

from __future__ import annotations

import asyncio
import hashlib
import mimetypes
import shutil
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from nexus.asset_knowledge.library import AssetLibrary
from nexus.contracts.base import StrictModel
from nexus.contracts.errors import ErrorCode
from nexus.contracts.governance import SkillCategory
from nexus.contracts.studio import AssetCandidate, AssetKind
from nexus.core.errors import NexusError
from nexus.core.registry import (
    Executor,
    Registry,
    RetryPolicy,
    Skill,
    SkillContext,
    media_permissions,
)
from nexus.studio import asset_art
from nexus.studio.matching import EntityMatch, MatchQuery, MatchRule, decide, queries_for
from nexus.studio.plan import PlanOut
from nexus.workers.music.handlers import MusicBedOutput
from nexus.workers.video.handlers import StoryboardInput, StoryboardOutput
from nexus.workers.video.shot import render_shot


class MatchIn(StrictModel):
    pins: dict[str, str] = Field(default_factory=dict, description="Entity id -> asset id.")
    rejects: dict[str, list[str]] = Field(default_factory=dict)
    rule: MatchRule = Field(default_factory=MatchRule)
    mood: str = "calm"
    library: str = Field(
        default="", description="The library's fingerprint for the project (ADR 0244)."
    )


class MatchOut(StrictModel):
    plan: dict[str, Any]
    matches: list[EntityMatch]


class AssetIn(StrictModel):
    asset_id: str
    kind: AssetKind
    sha256: str = Field(default="", description="The content matched: a changed file is refused.")


class AssetOut(StrictModel):
    asset_id: str
    kind: AssetKind
    sha256: str
    media_type: str


class AssetFrameIn(StoryboardInput):
    portraits: dict[str, str] = Field(default_factory=dict, description="Character id -> node.")
    backdrop_key: str | None = None
    asset_sha256s: list[str] = Field(default_factory=list)


class MusicAssetIn(StrictModel):
    duration_s: float = Field(gt=0, le=1800)
    asset_key: str
    sha256: str


def bare_sha(value: str) -> str:
    return value.removeprefix("sha256:").lower()


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class AssetSkills:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def library(self) -> AssetLibrary:
        lib = self.registry.services.get("assets")
        if lib is None:
            raise NexusError(ErrorCode.ASSET_LIBRARY_UNAVAILABLE, "no asset library is configured")
        return lib

    async def match(self, inp: MatchIn, ctx: SkillContext) -> MatchOut:
        plan = PlanOut.model_validate(ctx.upstream["plan"])
        lib = self.library()
        queries = queries_for(plan.pack, inp.mood)
        matches: list[EntityMatch] = []
        for i, q in enumerate(queries):
            ctx.progress(i / max(1, len(queries)), f"looking for {q.name} in the library")
            found = await self._search(lib, ctx, q, inp.rule.candidates)
            pin = inp.pins.get(q.entity_id)
            pinned = await self._pinned(lib, ctx, q, pin, found) if pin else None
            rejected = inp.rejects.get(q.entity_id, [])
            matches.append(decide(q, found, inp.rule, pinned=pinned, rejected=rejected))
        return MatchOut(plan=plan.model_dump(mode="json"), matches=matches)

    async def _search(
        self, lib: AssetLibrary, ctx: SkillContext, q: MatchQuery, limit: int
    ) -> list[AssetCandidate]:
        t, p = ctx.tenant_id, ctx.project_id
        kinds: list[AssetKind] = [q.kind]
        for name in q.names[:1]:  # the entity filter first: assets added for this entity
            found = await lib.search(t, p, q.query, kinds=kinds, entity=name, limit=limit)
            if found:
                return found
        return await lib.search(t, p, q.query, kinds=kinds, limit=limit)

    async def _pinned(
        self,
        lib: AssetLibrary,
        ctx: SkillContext,
        q: MatchQuery,
        asset_id: str,
        found: list[AssetCandidate],
    ) -> AssetCandidate:
        for c in found:
            if c.asset_id == asset_id:
                return c
        path = await self._path(lib, ctx, asset_id)
        sha = await asyncio.to_thread(file_sha256, path)
        media = mimetypes.guess_type(path.name)[0] or ""
        return AssetCandidate(asset_id=asset_id, kind=q.kind, uri=f"sha256:{sha}", score=0.0,
                              title=path.name, sha256=sha, media_type=media)  # fmt: skip

    async def _path(self, lib: AssetLibrary, ctx: SkillContext, asset_id: str) -> Path:
        try:
            return await lib.local_path(ctx.tenant_id, asset_id)
        except NexusError as exc:
            if exc.code in (ErrorCode.NOT_FOUND, ErrorCode.ASSET_NOT_FOUND):
                raise NexusError(
                    ErrorCode.ASSET_NOT_FOUND, f"asset {asset_id!r} is not in the library"
                ) from exc
            raise

    async def fetch(self, inp: AssetIn, ctx: SkillContext) -> AssetOut:
        path = await self._path(self.library(), ctx, inp.asset_id)
        copy = ctx.workdir / f"asset-{inp.asset_id}{path.suffix}"
        await asyncio.to_thread(shutil.copyfile, path, copy)
        sha = await asyncio.to_thread(file_sha256, copy)
        if inp.sha256 and bare_sha(inp.sha256) != sha:
            raise NexusError(
                ErrorCode.ASSET_UNUSABLE,
                f"asset {inp.asset_id!r} changed since it was matched (sha256 {sha[:12]})",
            )
        if inp.kind in ("portrait", "background"):
            await asyncio.to_thread(asset_art.open_picture, copy)  # refuse a non-picture here
        media = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        kept = ctx.keep(copy, media_type=media, name=copy.name)
        return AssetOut(asset_id=inp.asset_id, kind=inp.kind, sha256=kept, media_type=media)


def render_asset_frame(inp: AssetFrameIn, ctx: SkillContext) -> StoryboardOutput:
    """The storyboard frame with the shot's library portraits and backdrop."""

    def picture(key: str) -> Any:
        return asset_art.open_picture(ctx.artifact_path(str(ctx.upstream[key]["sha256"])))

    pictures = {entity_id: picture(key) for entity_id, key in inp.portraits.items()}
    size = (inp.width, inp.height)
    backdrop = asset_art.cover(picture(inp.backdrop_key), size) if inp.backdrop_key else None
    variant = inp.shot.variant if inp.variant is None else inp.variant
    frame, mouth = render_shot(
        inp.shot, inp.pack, size, variant=variant, backdrop=backdrop, pictures=pictures
    )
    name = f"frame-{inp.shot.shot_id}-v{variant}-assets-{inp.width}x{inp.height}"
    sha = _keep_png(frame, ctx, f"{name}.png")
    neutral: str | None = None
    if mouth is not None:
        plain, _ = render_shot(inp.shot, inp.pack, size, variant=variant, highlight=False,
                               backdrop=backdrop, pictures=pictures)  # fmt: skip
        neutral = _keep_png(plain, ctx, f"{name}-neutral.png")
    return StoryboardOutput(frame_sha256=sha, neutral_frame_sha256=neutral, mouth=mouth,
                            width=inp.width, height=inp.height)  # fmt: skip


def _keep_png(img: Any, ctx: SkillContext, name: str) -> str:
    path = ctx.workdir / name
    img.save(path, format="PNG", compress_level=4)
    return ctx.keep(path, media_type="image/png", name=name)


def render_asset_music(inp: MusicAssetIn, ctx: SkillContext) -> MusicBedOutput:
    source = ctx.artifact_path(str(ctx.upstream[inp.asset_key]["sha256"]))
    ctx.progress(0.1, f"fitting the library's music to {inp.duration_s:.1f} s")
    samples = asset_art.music_bed(source, inp.duration_s)
    path = ctx.workdir / f"music-asset-{inp.sha256[:12]}-{samples.shape[0]}.wav"
    seconds = asset_art.write_bed(path, samples)
    sha = ctx.keep(path, media_type="audio/wav", name=path.name)
    return MusicBedOutput(
        audio_sha256=sha, duration_s=seconds, sample_rate=asset_art.RATE, channels=2
    )


Row = tuple[str, str, type[BaseModel], type[BaseModel], Any, Executor, SkillCategory]


def register_asset_skills(registry: Registry) -> None:
    lib = AssetSkills(registry)
    retry = RetryPolicy(max_attempts=3, base_s=0.5, max_s=10)
    skills: list[Row] = [
        ("studio.match_assets", "2", MatchIn, MatchOut, lib.match, "async", "data"),
        ("studio.asset", "1", AssetIn, AssetOut, lib.fetch, "async", "data"),
        (
            "studio.frame_assets",
            "1",
            AssetFrameIn,
            StoryboardOutput,
            render_asset_frame,
            "thread",
            "image",
        ),
        (
            "studio.music_asset",
            "1",
            MusicAssetIn,
            MusicBedOutput,
            render_asset_music,
            "thread",
            "music",
        ),
    ]
    for name, version, input_model, output_model, handler, executor, category in skills:
        registry.add_skill(
            Skill(name, version, input_model, output_model, handler, executor=executor,
                  timeout_s=300, retry=retry, category=category,
                  permissions=media_permissions(assets=True))
        )  # fmt: skip
