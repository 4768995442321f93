"""A process for the crash test: ``python -m tests.agents.crash_session DATA_DIR start``
posts a message whose tool (``agent.slow_note``) blocks until the test kills the process;
``... resume`` restarts the platform on the same data and waits for the agent run to end,
printing it as JSON. The tool appends a line to ``executions.log`` each time it starts."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from pydantic import BaseModel

from nexus.contracts.agents import SessionCreate
from nexus.contracts.governance import Principal
from nexus.core.registry import Registry, Skill, SkillContext
from nexus.core.settings import load_settings
from nexus.platform import Platform, build_registry

ME = Principal(user_id="usr_crash", tenant_id="t1", roles=["editor"])


class NoteIn(BaseModel):
    note: str


class NoteOut(BaseModel):
    summary: str


def registry(data_dir: Path) -> Registry:
    reg = build_registry()

    async def slow_note(inp: NoteIn, ctx: SkillContext) -> NoteOut:
        with (data_dir / "executions.log").open("a") as log:
            log.write(f"{ctx.job_id} {ctx.attempt}\n")
        if not (data_dir / "killed").exists():
            await asyncio.sleep(120)  # the test kills the process meanwhile
        return NoteOut(summary=f"noted {inp.note}")

    reg.add_skill(
        Skill("agent.slow_note", "1", NoteIn, NoteOut, slow_note, pool="agent", category="agent")
    )
    return reg


async def main(data_dir: Path, phase: str) -> None:
    settings = load_settings(**json.loads((data_dir / "settings.json").read_text()))
    platform = Platform(settings, registry=registry(data_dir))
    await platform.start_embedded()
    try:
        if phase == "start":
            session = await platform.agents.create_session(ME, SessionCreate())
            run = await platform.agents.post_message(ME, session.session_id, "note it slowly")
            (data_dir / "ids.json").write_text(json.dumps({"agent_run_id": run.agent_run_id}))
            await asyncio.sleep(600)
            return
        ids = json.loads((data_dir / "ids.json").read_text())
        events = [e async for e in platform.agents.stream(ME, ids["agent_run_id"])]
        calls = await platform.agents.tool_calls(ME, ids["agent_run_id"])
        print(
            json.dumps(
                {
                    "final": events[-1].data["agent_run"],
                    "calls": [c.model_dump(mode="json") for c in calls],
                    "kinds": [e.kind for e in events],
                }
            )
        )
    finally:
        await platform.close()


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), sys.argv[2]))
