"""``studio.subtitle_transform``: a tenant's user skill applied to one shot's subtitle cues,
between the clip layout and the burn-in (segment) and the SRT/VTT export (final). The skill
gets ``{"cues": [{start_s, end_s, text}], "shot_id", "language"}`` and answers
``{"cues": [...]}``; the answer must still be valid cues (``invalid_output`` otherwise)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from nexus.contracts.errors import ErrorCode
from nexus.contracts.governance import SkillPermissions
from nexus.contracts.studio import Subtitle
from nexus.core.errors import NexusError
from nexus.core.registry import WORKDIR, Registry, RetryPolicy, Skill, SkillContext
from nexus.sandbox.node import UserSkillExecutor, register_sandbox

SKILL_NAME = "studio.subtitle_transform"
SUFFIX = ".subs."


class SubtitleTransformIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source_key: str = Field(description="The clip, or the previous transform of this shot.")
    skill: str
    digest: str = ""
    language: str = ""


class SubtitleTransformOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    shot_id: str
    skill: str
    digest: str
    subtitles: list[Subtitle]


def _cues_in(upstream: dict[str, Any]) -> tuple[str, list[Subtitle]]:
    if "shot" in upstream:  # a ClipOut
        subs = [Subtitle.model_validate(s) for s in upstream["subtitles"]]
        return str(upstream["shot"]["shot_id"]), subs
    out = SubtitleTransformOut.model_validate(upstream)
    return out.shot_id, out.subtitles


def _cues_out(output: Any, template: list[Subtitle], ref: str) -> list[Subtitle]:
    cues = output.get("cues") if isinstance(output, dict) else None
    if not isinstance(cues, list):
        raise NexusError(ErrorCode.INVALID_OUTPUT, f"{ref} answered no 'cues' list")
    extra = {"shot_id": template[0].shot_id} if template else {}
    try:
        subs = [Subtitle.model_validate({**extra, **c}) for c in cues]  # pyright: ignore[reportUnknownVariableType]
    except (ValidationError, TypeError) as exc:
        raise NexusError(
            ErrorCode.INVALID_OUTPUT, f"{ref} answered invalid cues: {exc}"[:500]
        ) from exc
    if any(s.end_s <= s.start_s for s in subs):
        raise NexusError(
            ErrorCode.INVALID_OUTPUT, f"{ref} answered a cue that ends before it starts"
        )
    return subs


def make_transform(executor: UserSkillExecutor) -> Any:
    async def transform_subtitles(
        inp: SubtitleTransformIn, ctx: SkillContext
    ) -> SubtitleTransformOut:
        shot_id, cues = _cues_in(ctx.upstream[inp.source_key])
        payload = {
            "cues": [{"start_s": c.start_s, "end_s": c.end_s, "text": c.text} for c in cues],
            "shot_id": shot_id,
            "language": inp.language,
        }
        ran = await executor.call(ctx.tenant_id, inp.skill, inp.digest, payload)
        return SubtitleTransformOut(
            shot_id=shot_id, skill=inp.skill, digest=ran.digest,
            subtitles=_cues_out(ran.output, cues, inp.skill),
        )  # fmt: skip

    return transform_subtitles


def register_user_subtitles(registry: Registry) -> None:
    executor = register_sandbox(registry)
    registry.add_skill(
        Skill(
            SKILL_NAME, "1", SubtitleTransformIn, SubtitleTransformOut, make_transform(executor),
            executor="async", timeout_s=120, retry=RetryPolicy(max_attempts=2, base_s=0.5),
            category="text",
            # The host side reads upstream cues; the guest runs in the sandbox with its manifest's.
            permissions=SkillPermissions(read_paths=[WORKDIR], write_paths=[WORKDIR],
                                         cpu_time_s=120, memory_mb=1024),
            description="A tenant's subtitle-transform skill, sandboxed.",
            user_skill_param="skill",
        )
    )  # fmt: skip


def final_subtitles(upstream: dict[str, dict[str, Any]], shot_id: str) -> list[Subtitle] | None:
    """The last transform's cues of ``shot_id``, if the run has transforms."""
    prefix = f"{shot_id}{SUFFIX}"
    keys = [k for k in upstream if k.startswith(prefix) and k[len(prefix) :].isdigit()]
    if not keys:
        return None
    last = max(keys, key=lambda k: int(k[len(prefix) :]))
    return SubtitleTransformOut.model_validate(upstream[last]).subtitles
