"""Export a finished studio run: copy its files out of the artifact store, write a summary."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from nexus.orchestrator import queries
from nexus.platform import Platform
from nexus.studio.spend import run_costs

FILES = {
    "final_mp4_sha256": "final.mp4",
    "srt_sha256": "final.srt",
    "vtt_sha256": "final.vtt",
    "poster_sha256": "poster.jpg",
    "timeline_sha256": "timeline.json",
    "entities_sha256": "entities.json",
    "shots_sha256": "shots.json",
}


async def export_run(platform: Platform, run_id: str, out_dir: Path) -> dict[str, Any]:
    out_dir.mkdir(parents=True, exist_ok=True)
    async with platform.db.read() as conn:
        run = await queries.read_run(conn, run_id)
        jobs = await queries.list_jobs(conn, run_id)
        final_job = next(j for j in jobs if j.node_key == "final")
        output = await queries.read_job_output(conn, final_job) or {}
        plan_job = next((j for j in jobs if j.node_key == "plan"), None)
        plan = (await queries.read_job_output(conn, plan_job) or {}) if plan_job else {}
    for field, name in FILES.items():
        await platform.store.fetch(str(output[field]), out_dir / name)
    costs = await run_costs(platform.db, run.tenant_id, run_id, {j.job_id: j.skill for j in jobs})
    summary = summarise(run, jobs, output, costs)
    summary["planner"] = plan.get("planner", [])  # LLM-assisted planning, chunk by chunk
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False))
    (out_dir / "run.json").write_text(json.dumps({"run_id": run_id}, indent=2))
    return summary


def summarise(
    run: Any, jobs: list[Any], output: dict[str, Any], costs: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Per-stage (skill) time, cache hits and cost; costs come from the cost ledger (every
    provider call of the run, failed ones included; the offline engines cost nothing)."""
    costs = costs or {"cost_usd": 0.0, "by_stage": {}}
    stages: dict[str, dict[str, float]] = {}
    for job in jobs:
        stage = stages.setdefault(
            job.skill,
            {"jobs": 0, "executed": 0, "cache_hits": 0, "seconds": 0.0,
             "cost_usd": costs["by_stage"].get(job.skill, 0.0)},
        )  # fmt: skip
        stage["jobs"] += 1
        if job.cache_hit:
            stage["cache_hits"] += 1
        elif job.started_at and job.finished_at:
            stage["executed"] += 1
            stage["seconds"] = round(
                stage["seconds"] + (job.finished_at - job.started_at).total_seconds(), 3
            )
    wall = (
        (run.finished_at - run.started_at).total_seconds()
        if run.finished_at and run.started_at
        else None
    )
    return {
        "run_id": run.run_id,
        "status": run.status,
        "parent_run_id": run.parent_run_id,
        "wall_seconds": wall,
        "video_seconds": output.get("duration_s"),
        "realtime_factor": round(wall / output["duration_s"], 3)
        if wall and output.get("duration_s")
        else None,
        "shots": output.get("shots"),
        "loudness_lufs": output.get("integrated_lufs"),
        "true_peak_dbtp": output.get("true_peak_dbtp"),
        "cache_hits": sum(1 for j in jobs if j.cache_hit),
        "executed": sum(1 for j in jobs if not j.cache_hit),
        "cost_usd": costs["cost_usd"],
        "costs": costs,
        "stages": stages,
    }
