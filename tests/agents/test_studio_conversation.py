"""The done-when, offline: a produced story, then a scripted conversation (the offline command
engine) that edits two shots (the second in Tom's voice, the first shorter); each revision
run re-runs exactly the nodes its edit changes (the tool's prediction, compared with the
job rows' cache hits), and only nodes of the edited shot and the composition."""

from __future__ import annotations

from typing import Any

import pytest
from tests.agents.conftest import ALICE, new_session, say

from nexus.agents import studio_ops
from nexus.orchestrator import queries
from nexus.platform import Platform

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]
STORY = (
    "# The Keeper\n\nMara climbed the lighthouse stairs. The lamp was cold and the sea was "
    'grey.\n\n"Is anyone there?" Mara called.\n\n"Only me," said Tom. He held a brass key.\n\n'
    "Mara smiled. Together they lit the lamp, and the ships saw it.\n"
)
# The asset-matching node re-runs in every run (ADR 0240), as in the gateway's revision tests.
ALWAYS_RUN = {"assets"}
COMPOSITION = {"final", "subtitles", "timeline", "mix", "poster"}


async def executed(platform: Platform, run_id: str) -> list[str]:
    async with platform.db.read() as conn:
        jobs = await queries.list_jobs(conn, run_id)
    return sorted(
        j.node_key
        for j in jobs
        if j.status == "succeeded" and not j.cache_hit and j.node_key not in ALWAYS_RUN
    )


def of_shot_or_composition(keys: list[str], shot_id: str, all_shots: list[str]) -> bool:
    others = [s for s in all_shots if s != shot_id]
    return all(not any(k.startswith(f"{o}.") for o in others) for k in keys)


async def test_a_conversation_edits_two_shots_and_reruns_only_them(platform: Platform) -> None:
    run_id, _ = await platform.create_run(
        "studio",
        {"story": STORY, "resolution": "640x360"},
        tenant_id="t1",
        project_id="default",
        created_by=ALICE.user_id,
    )
    produced = await platform.wait_for_run(run_id, timeout_s=600)
    assert produced.status == "succeeded"
    async with platform.db.read() as conn:
        _, shots = await studio_ops.read_shots(conn, run_id, run_params=produced.params)
        pack = await studio_ops.read_entities(conn, run_id)
    assert pack is not None and len(shots) >= 2
    tom = next(c for c in pack.characters if c.name == "Tom")
    ids = [s.shot_id for s in sorted(shots, key=lambda s: s.index)]
    session = await new_session(platform, run_id=run_id)

    first = await say(
        platform,
        ALICE,
        session.session_id,
        "make the second shot say 'The storm is coming' in Tom's voice and regenerate it",
    )
    assert first.final()["status"] == "succeeded", first.final()
    [edit] = await platform.agents.tool_calls(ALICE, first.final()["agent_run_id"])
    details: dict[str, Any] = (edit.output or {})["details"]
    assert edit.tool_name == "agent__edit_shot" and details["shot_id"] == ids[1]
    assert details["edit"] == {"text": "The storm is coming", "voice": tom.voice}
    revision = details["run_id"]
    ran = await executed(platform, revision)
    assert ran == sorted(k for k in details["rerun"] if k not in ALWAYS_RUN)
    assert ran and of_shot_or_composition(ran, ids[1], ids)
    assert any(k.startswith(f"{ids[1]}.") for k in ran)
    assert "The storm is coming" in first.answer()

    second = await say(platform, ALICE, session.session_id, "把第1个镜头缩短")
    assert second.final()["status"] == "succeeded", second.final()
    [shorter] = await platform.agents.tool_calls(ALICE, second.final()["agent_run_id"])
    d2: dict[str, Any] = (shorter.output or {})["details"]
    assert d2["shot_id"] == ids[0] and d2["parent_run_id"] == revision  # builds on the first
    ran2 = await executed(platform, d2["run_id"])
    assert ran2 == sorted(k for k in d2["rerun"] if k not in ALWAYS_RUN)
    assert ran2 and of_shot_or_composition(ran2, ids[0], ids)
    assert second.answer().startswith("完成：")
    async with platform.db.read() as conn:
        final = await queries.read_run(conn, d2["run_id"])
        _, now = await studio_ops.read_shots(conn, d2["run_id"], run_params=final.params)
    by_id = {s.shot_id: s for s in now}
    assert by_id[ids[1]].text == "The storm is coming"  # the first edit is kept
    assert by_id[ids[0]].duration_target_s < {s.shot_id: s for s in shots}[ids[0]].duration_target_s
    assert (await platform.agents.get_session(ALICE, session.session_id)).run_id == d2["run_id"]


async def test_the_other_studio_tools(platform: Platform) -> None:
    run_id, _ = await platform.create_run(
        "studio",
        {"story": STORY, "resolution": "640x360"},
        tenant_id="t1",
        project_id="default",
        created_by=ALICE.user_id,
    )
    produced = await platform.wait_for_run(run_id, timeout_s=600)
    assert produced.status == "succeeded"
    session = await new_session(platform, run_id=run_id)

    plan = await say(platform, ALICE, session.session_id, "show me the plan")
    [read] = await platform.agents.tool_calls(ALICE, plan.final()["agent_run_id"])
    shots = (read.output or {})["details"]["shots"]
    assert [s["shot"] for s in shots] == list(range(1, len(shots) + 1))
    assert plan.answer().startswith(f"Done: {len(shots)} shots in run {run_id}")

    cost = await say(platform, ALICE, session.session_id, "how much will it cost")
    [estimate] = await platform.agents.tool_calls(ALICE, cost.final()["agent_run_id"])
    assert estimate.status == "succeeded" and (estimate.output or {})["details"]["shots"] == len(
        shots
    )

    regen = await say(platform, ALICE, session.session_id, "regenerate shot 2")
    [again] = await platform.agents.tool_calls(ALICE, regen.final()["agent_run_id"])
    details = (again.output or {})["details"]
    assert again.status == "succeeded", again.error_message
    assert details["node_key"] == f"{shots[1]['shot_id']}.frame" and details["affected_job_ids"]
    async with platform.db.read() as conn:
        frame = await queries.read_job_by_key(conn, run_id, details["node_key"])
    assert frame.variant == 1 and frame.status == "succeeded"

    deeper = await say(platform, ALICE, session.session_id, "use a deeper voice for Tom")
    [recast] = await platform.agents.tool_calls(ALICE, deeper.final()["agent_run_id"])
    rd = (recast.output or {})["details"]
    assert recast.status == "succeeded", recast.error_message
    assert rd["character"] == "Tom" and rd["voice"] != "" and rd["parent_run_id"] == run_id
    ran = await executed(platform, rd["run_id"])
    assert ran == sorted(k for k in rd["rerun"] if k not in ALWAYS_RUN)

    nope = await say(platform, ALICE, session.session_id, "make shot 99 shorter")
    [bad] = await platform.agents.tool_calls(ALICE, nope.final()["agent_run_id"])
    assert (bad.status, bad.error_code) == ("failed", "validation_failed")
    assert "there is no shot 99" in nope.answer()
