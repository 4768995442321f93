"""The studio's own operations as agent tools (skills of category "agent", ADR 0304).

Read the plan, edit a shot (text, voice, a character's voice, duration), regenerate a shot,
give a character a deeper or higher voice, search assets, estimate the cost, start a
production, remember a fact. Edits are THE operations of the API (``studio_ops``,
``studio_revisions``: the gateway's shot and entity routes call the same functions): a
revision run of the session's production whose cache keys re-run only what the edit
changes. Side effects are idempotent per tool call: a revision or production run is
created with the idempotency key ``tool:<tool call id>``. The tools reach the platform
through ``registry.services`` (``agent_host``, ``assets``, ``studio_models``, ``agents``).
"""

from __future__ import annotations

from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from nexus.agents import store, studio_ops, studio_revisions
from nexus.agents.runtime import AgentRuntime
from nexus.agents.tool_calls import ToolContext
from nexus.contracts.errors import ErrorCode
from nexus.contracts.governance import SkillPermissions
from nexus.contracts.studio import EntityEdit, EntityPack, ShotEdit, ShotPlan
from nexus.core.db import Database
from nexus.core.errors import NexusError
from nexus.core.registry import Registry, RetryPolicy, Skill, SkillContext
from nexus.orchestrator import queries
from nexus.workers.audio.voices import list_voices, read_voice

WAIT_S = 840.0


class Host(Protocol):
    db: Database

    async def create_run(
        self, pipeline: str, params: dict[str, Any], **kw: Any
    ) -> tuple[str, bool]: ...

    async def regenerate(
        self, run_id: str, node_key: str, *, variant: int | None = None
    ) -> list[str]: ...

    async def wait_for_run(self, run_id: str, *, timeout_s: float | None = None) -> Any: ...


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NoArgs(Strict):
    pass


class ShotArgs(Strict):
    shot: int = Field(description="The shot's number from 1 (-1: the last).")


class EditShotArgs(ShotArgs):
    text: str | None = Field(default=None, min_length=1, max_length=2000, description="New line.")
    voice: str | None = Field(default=None, description="A voice id, e.g. en-male-1.")
    voice_of: str | None = Field(default=None, description="Speak in this character's voice.")
    duration_s: float | None = Field(default=None, gt=0, le=120)
    duration_factor: float | None = Field(default=None, gt=0.2, lt=5, description="0.75: shorter.")


class RecastArgs(Strict):
    character: str = Field(min_length=1, max_length=100)
    direction: Literal["deeper", "higher"] | None = None
    voice: str | None = Field(default=None, description="A voice id instead of a direction.")


class SearchArgs(Strict):
    query: str = Field(min_length=1, max_length=500)
    limit: int = Field(default=5, ge=1, le=20)


class ProduceArgs(Strict):
    story: str = Field(min_length=1, max_length=200_000)
    language: Literal["auto", "zh", "en"] = "auto"
    resolution: str | None = None


class RememberArgs(Strict):
    fact: str = Field(min_length=1, max_length=1000)
    scope: Literal["session", "project"] = "project"


class ToolResult(BaseModel):
    """Every studio tool's output: a sentence for the model and the details."""

    summary: str
    details: dict[str, Any] = Field(default_factory=dict)


def _result(summary: str, **details: Any) -> ToolResult:
    return ToolResult(summary=summary, details=details)


def _tool_ctx(ctx: SkillContext) -> ToolContext:
    if not isinstance(ctx, ToolContext) or ctx.session is None or ctx.principal is None:
        raise NexusError(ErrorCode.VALIDATION_FAILED, "an agent tool runs in an agent session")
    return ctx


class StudioTools:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    @property
    def host(self) -> Host:
        return self.registry.services["agent_host"]

    def runtime(self) -> AgentRuntime:
        return self.registry.services["agents"]

    async def _current(self, ctx: ToolContext) -> tuple[str, list[ShotPlan], Any]:
        assert ctx.session is not None
        async with self.host.db.read() as conn:
            row = await store.session_row(conn, ctx.tenant_id, ctx.session.session_id)
            if not row.run_id:
                raise NexusError(
                    ErrorCode.VALIDATION_FAILED,
                    "this session has no production yet: start one first",
                    fields={"run_id": "missing"},
                )
            run = await studio_ops.read_studio_run(conn, ctx.tenant_id, row.run_id)
            ready, shots = await studio_ops.read_shots(conn, row.run_id, run_params=run.params)
        if not ready:
            raise NexusError(
                ErrorCode.REVISION_NOT_READY, "the production has not planned its shots"
            )
        return str(row.run_id), sorted(shots, key=lambda s: s.index), run

    @staticmethod
    def _pick(shots: list[ShotPlan], number: int) -> ShotPlan:
        if number == -1 and shots:
            return shots[-1]
        if number < 1 or number > len(shots):
            raise NexusError(
                ErrorCode.VALIDATION_FAILED,
                f"there is no shot {number}: the production has {len(shots)} shots",
                fields={"shot": "out of range"},
            )
        return shots[number - 1]

    async def _pack(self, run: Any) -> EntityPack:
        async with self.host.db.read() as conn:
            pack = await studio_ops.read_entities(conn, run.run_id)
        if pack is None:
            raise NexusError(ErrorCode.REVISION_NOT_READY, "the production has no cast yet")
        return studio_revisions.edited_pack(pack, run.params)

    @staticmethod
    def _character(pack: EntityPack, name: str) -> Any:
        wanted = name.strip().casefold()
        for ch in pack.characters:
            if wanted in {n.casefold() for n in [ch.name, *ch.aliases]}:
                return ch
        known = ", ".join(c.name for c in pack.characters) or "none"
        raise NexusError(ErrorCode.NOT_FOUND, f"no character named {name!r} (the cast: {known})")

    async def _revise(self, ctx: ToolContext, run: Any, params: dict[str, Any]) -> dict[str, Any]:
        """Start (once per tool call) and wait for a revision run; it becomes the session's."""
        assert ctx.session is not None and ctx.principal is not None
        self.registry.pipeline(run.pipeline).params_model.model_validate(params)
        new_run_id, _ = await self.host.create_run(
            run.pipeline,
            params,
            tenant_id=ctx.tenant_id,
            project_id=run.project_id,
            created_by=ctx.principal.user_id,
            trace_id=ctx.trace_id,
            idempotency_key=f"tool:{ctx.tool_call_id}",
            parent_run_id=run.run_id,
        )
        async with self.host.db.transaction() as conn:
            await store.update_session(conn, ctx.session.session_id, run_id=new_run_id)
        done = await self.host.wait_for_run(new_run_id, timeout_s=WAIT_S)
        if done.status != "succeeded":
            raise NexusError(
                ErrorCode.UPSTREAM_FAILED,
                f"the revision run {new_run_id} {done.status}: {done.error_message or ''}".strip(),
            )
        return {"run_id": new_run_id, "parent_run_id": run.run_id, "status": done.status}

    # -- the tools ------------------------------------------------------------------------
    async def read_plan(self, inp: NoArgs, ctx: SkillContext) -> ToolResult:
        tctx = _tool_ctx(ctx)
        run_id, shots, _ = await self._current(tctx)
        items: list[dict[str, Any]] = [
            {
                "shot": n,
                "shot_id": s.shot_id,
                "text": s.text,
                "voices": sorted({ln.voice for ln in s.lines if ln.voice}),
                "duration_s": s.duration_target_s,
            }
            for n, s in enumerate(shots, start=1)
        ]
        lines = "; ".join(f"{i['shot']}: {i['text'][:60]} ({i['duration_s']:.1f}s)" for i in items)
        return _result(f"{len(items)} shots in run {run_id}: {lines}", run_id=run_id, shots=items)

    async def edit_shot(self, inp: EditShotArgs, ctx: SkillContext) -> ToolResult:
        tctx = _tool_ctx(ctx)
        run_id, shots, run = await self._current(tctx)
        shot = self._pick(shots, inp.shot)
        voice = inp.voice
        if inp.voice_of:
            character = self._character(await self._pack(run), inp.voice_of)
            voice = character.voices.get(shot.language) or character.voice
        duration = inp.duration_s
        if duration is None and inp.duration_factor is not None:
            duration = round(min(120.0, max(1.0, shot.duration_target_s * inp.duration_factor)), 2)
        if voice is not None:
            read_voice(voice)  # unknown voice ids: validation_failed naming the known ones
        edit = ShotEdit(text=inp.text, voice=voice, duration_s=duration)
        if not edit.model_dump(exclude_none=True):
            raise NexusError(
                ErrorCode.VALIDATION_FAILED, "an edit changes the text, the voice or the duration"
            )
        async with self.host.db.read() as conn:
            run, shot, params = await studio_ops.plan_shot_revision(
                conn, tctx.tenant_id, run_id, shot.shot_id, edit
            )
            output = await studio_revisions.plan_output(conn, run_id)
        rerun = studio_revisions.predict_rerun(output, run.params, params)
        done = await self._revise(tctx, run, params)
        what = ", ".join(f"{k} {v!r}" for k, v in edit.model_dump(exclude_none=True).items())
        return _result(
            f"shot {inp.shot} ({shot.shot_id}) now has {what}; revision run "
            f"{done['run_id']} re-rendered {len(rerun)} nodes",
            shot_id=shot.shot_id,
            edit=edit.model_dump(exclude_none=True),
            rerun=rerun,
            **done,
        )

    async def regenerate_shot(self, inp: ShotArgs, ctx: SkillContext) -> ToolResult:
        tctx = _tool_ctx(ctx)
        run_id, shots, _ = await self._current(tctx)
        shot = self._pick(shots, inp.shot)
        async with self.host.db.read() as conn:
            _, shot, node_key = await studio_ops.shot_regeneration(
                conn, tctx.tenant_id, run_id, shot.shot_id
            )
        variant = await self._variant_for(tctx, run_id, node_key)
        affected = await self.host.regenerate(run_id, node_key, variant=variant)
        done = await self.host.wait_for_run(run_id, timeout_s=WAIT_S)
        return _result(
            f"shot {inp.shot} ({shot.shot_id}) regenerated as variant {variant}; "
            f"{len(affected)} jobs re-ran, run {run_id} {done.status}",
            run_id=run_id,
            shot_id=shot.shot_id,
            node_key=node_key,
            affected_job_ids=affected,
            status=done.status,
        )

    async def _variant_for(self, ctx: ToolContext, run_id: str, node_key: str) -> int:
        """The node's next variant, chosen once per tool call and kept on the call's row: a
        retried call regenerates the same variant instead of yet another one."""
        async with self.host.db.transaction() as conn:
            row = await store.tool_call_row(conn, ctx.tool_call_id)
            pending = (row.output or {}).get("_pending")
            if pending is None:
                job = await queries.read_job_by_key(conn, run_id, node_key)
                pending = {"variant": int(job.variant) + 1}
                await store.set_tool_call(conn, ctx.tool_call_id, output={"_pending": pending})
        return int(pending["variant"])

    async def recast_voice(self, inp: RecastArgs, ctx: SkillContext) -> ToolResult:
        tctx = _tool_ctx(ctx)
        _, _, run = await self._current(tctx)
        character = self._character(await self._pack(run), inp.character)
        voice = inp.voice or _neighbour_voice(character.voice, inp.direction or "deeper")
        read_voice(voice)
        async with self.host.db.read() as conn:
            params, rerun = await studio_revisions.plan_entity_revision(
                conn, run, character.entity_id, EntityEdit(voice=voice)
            )
        done = await self._revise(tctx, run, params)
        return _result(
            f"{character.name} now speaks with {voice} (was {character.voice}); "
            f"revision run {done['run_id']} re-rendered {len(rerun)} nodes",
            character=character.name,
            voice=voice,
            rerun=rerun,
            **done,
        )

    async def search_assets(self, inp: SearchArgs, ctx: SkillContext) -> ToolResult:
        tctx = _tool_ctx(ctx)
        found = await self.registry.services["assets"].search(
            tctx.tenant_id, tctx.project_id, inp.query, limit=inp.limit
        )
        items = [
            {"asset_id": a.asset_id, "kind": a.kind, "title": a.title, "score": round(a.score, 4)}
            for a in found
        ]
        names = ", ".join(i["title"] or i["asset_id"] for i in items) or "nothing"
        return _result(f"{len(items)} assets for {inp.query!r}: {names}", assets=items)

    async def estimate_cost(self, inp: NoArgs, ctx: SkillContext) -> ToolResult:
        from nexus.studio.budget import prepare_studio_run  # noqa: PLC0415 - heavy planner

        tctx = _tool_ctx(ctx)
        _, _, run = await self._current(tctx)
        prepared = prepare_studio_run(
            dict(run.params), self.registry.services["studio_models"], project_id=run.project_id
        )
        est = prepared.estimate
        return _result(
            f"re-rendering everything: {est.shots} shots at {est.resolution}, "
            f"about ${est.total_usd:.4f}",
            total_usd=est.total_usd,
            shots=est.shots,
            stages=[s.model_dump(mode="json") for s in est.stages],
        )

    async def start_production(self, inp: ProduceArgs, ctx: SkillContext) -> ToolResult:
        tctx = _tool_ctx(ctx)
        assert tctx.session is not None and tctx.principal is not None
        extra: dict[str, Any] = {"language": inp.language}
        if inp.resolution:
            extra["resolution"] = inp.resolution
        params = studio_ops.BINDING.story_params(inp.story, {}, extra)
        self.registry.pipeline(studio_ops.BINDING.pipeline).params_model.model_validate(params)
        run_id, _ = await self.host.create_run(
            studio_ops.BINDING.pipeline,
            params,
            tenant_id=tctx.tenant_id,
            project_id=tctx.project_id,
            created_by=tctx.principal.user_id,
            trace_id=tctx.trace_id,
            idempotency_key=f"tool:{tctx.tool_call_id}",
        )
        async with self.host.db.transaction() as conn:
            await store.update_session(conn, tctx.session.session_id, run_id=run_id)
        return _result(f"production run {run_id} started", run_id=run_id)

    async def remember(self, inp: RememberArgs, ctx: SkillContext) -> ToolResult:
        tctx = _tool_ctx(ctx)
        assert tctx.session is not None
        kept = await self.runtime().memory.remember(
            tctx.session,
            inp.fact,
            scope=inp.scope,
            tool_call_id=tctx.tool_call_id,
            call_scope=tctx.call_scope(),
        )
        return _result(f"remembered: {inp.fact}", **kept)


def _neighbour_voice(current: str | None, direction: str) -> str:
    """The catalogue voice of the same language and gender one step lower (or higher)."""
    if current is None:
        raise NexusError(ErrorCode.VALIDATION_FAILED, "that character has no voice to change")
    info = read_voice(current)
    same = sorted(
        (
            v
            for v in list_voices(info.language)
            if v.role == "character" and v.gender == info.gender
        ),
        key=lambda v: v.pitch,
    )
    lower = [v for v in same if v.pitch < info.pitch]
    higher = [v for v in same if v.pitch > info.pitch]
    pick = (
        (lower[-1] if lower else None) if direction == "deeper" else (higher[0] if higher else None)
    )
    if pick is None:
        raise NexusError(
            ErrorCode.VALIDATION_FAILED,
            f"{current} is already the {'deepest' if direction == 'deeper' else 'highest'} "
            f"{info.gender} voice",
        )
    return pick.voice_id


TOOLS: tuple[tuple[str, str, type[BaseModel]], ...] = (
    ("read_plan", "Read the production's plan: its shots with text, voices and duration.", NoArgs),
    ("edit_shot", "Edit one shot's text, voice (or a character's voice) or duration; re-renders "
     "only what the edit changes.", EditShotArgs),
    ("regenerate_shot", "Render another variant of one shot.", ShotArgs),
    ("recast_voice", "Give a character a deeper or higher voice (or a voice id).", RecastArgs),
    ("search_assets", "Search the project's asset library (images, sounds, music).", SearchArgs),
    ("estimate_cost", "Estimate what rendering the production again would cost.", NoArgs),
    ("start_production", "Start a new production from a story (spends money: approved first).",
     ProduceArgs),
    ("remember", "Remember a fact the user stated (a character's nature, a preference).",
     RememberArgs),
)  # fmt: skip


def register(registry: Registry) -> None:
    tools = StudioTools(registry)
    for name, description, model in TOOLS:
        registry.add_skill(
            Skill(
                f"agent.{name}",
                "1",
                model,
                ToolResult,
                getattr(tools, name),
                resource_class="io",
                pool="agent",
                retry=RetryPolicy(max_attempts=2, base_s=0.1, max_s=1.0),
                timeout_s=WAIT_S + 30,
                category="agent",
                description=description,
                permissions=SkillPermissions(cpu_time_s=WAIT_S + 30),
            )
        )
