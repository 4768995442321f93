"""Demo skill handlers: plain functions, one typed input each; side effects only in a log file."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.core.registry import SkillContext


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NoopIn(Strict):
    i: int = 0


class NoopOut(Strict):
    i: int


class WorkIn(Strict):
    i: int
    sleep_s: float = Field(default=0.1, ge=0)
    log_path: str | None = None
    fail_attempts: int = Field(default=0, ge=0, description="Fail this many attempts first.")
    fatal: bool = False


class WorkOut(Strict):
    i: int
    value: int


class SplitIn(Strict):
    n: int = Field(ge=0, le=100_000)


class SplitOut(Strict):
    n: int


class JoinIn(Strict):
    log_path: str | None = None


class JoinOut(Strict):
    total: int
    count: int


class DigestIn(Strict):
    rounds: int = Field(default=200_000, ge=1)


class DigestOut(Strict):
    digest: str
    report_sha256: str


def _append_log(path: str | None, record: dict[str, Any]) -> None:
    """One line per execution, flushed and fsynced: the crash tests count these."""
    if not path:
        return
    line = json.dumps(record) + "\n"
    with Path(path).open("a", encoding="utf-8") as fh:
        fh.write(line)
        fh.flush()
        os.fsync(fh.fileno())


async def noop(inp: NoopIn, ctx: SkillContext) -> NoopOut:
    return NoopOut(i=inp.i)


async def work(inp: WorkIn, ctx: SkillContext) -> WorkOut:
    _append_log(
        inp.log_path,
        {"event": "start", "node": ctx.node_key, "attempt": ctx.attempt, "pid": os.getpid()},
    )
    steps = 4
    for step in range(steps):
        await asyncio.sleep(inp.sleep_s / steps)
        ctx.progress((step + 1) / steps, f"step {step + 1}/{steps}")
    if inp.fatal:
        raise NexusError(ErrorCode.SKILL_FAILED, f"{ctx.node_key} was told to fail")
    if ctx.attempt <= inp.fail_attempts:
        raise NexusError(ErrorCode.TRANSIENT_FAILURE, f"simulated failure {ctx.attempt}")
    _append_log(inp.log_path, {"event": "done", "node": ctx.node_key, "attempt": ctx.attempt})
    return WorkOut(i=inp.i, value=inp.i * inp.i)


async def undo_work(inp: WorkIn, output: dict[str, Any], ctx: SkillContext) -> dict[str, Any]:
    _append_log(
        inp.log_path, {"event": "compensated", "node": ctx.node_key, "value": output.get("value")}
    )
    return {"undone": True}


async def split(inp: SplitIn, ctx: SkillContext) -> SplitOut:
    return SplitOut(n=inp.n)


async def join(inp: JoinIn, ctx: SkillContext) -> JoinOut:
    values = [int(out["value"]) for out in ctx.upstream.values() if "value" in out]
    _append_log(inp.log_path, {"event": "join", "node": ctx.node_key, "count": len(values)})
    return JoinOut(total=sum(values), count=len(values))


def digest(inp: DigestIn, ctx: SkillContext) -> DigestOut:
    """CPU-bound on purpose (runs in the process pool): chained sha256 with a report file."""
    seed = json.dumps(ctx.upstream, sort_keys=True).encode()
    value = hashlib.sha256(seed).digest()
    for r in range(inp.rounds):
        value = hashlib.sha256(value).digest()
        if r % max(1, inp.rounds // 4) == 0:
            ctx.progress(r / inp.rounds, "hashing")
    report = ctx.workdir / "report.json"
    report.write_text(json.dumps({"digest": value.hex(), "inputs": ctx.upstream}, indent=2))
    sha = ctx.keep(report, media_type="application/json", name="report.json")
    return DigestOut(digest=value.hex(), report_sha256=sha)
