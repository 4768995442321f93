"""Live run display: overall progress, running jobs with their progress, final summary."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.live import Live
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from nexus.cli.common import console
from nexus.orchestrator import queries
from nexus.orchestrator.states import JOB_TERMINAL, RunState
from nexus.platform import Platform

TERMINAL = {s.value for s in JOB_TERMINAL}


async def follow_run(platform: Platform, run_id: str, *, quiet: bool = False) -> Any:
    """Wait for the run, drawing progress unless quiet or not a terminal."""
    if quiet or not console.is_terminal:
        return await platform.wait_for_run(run_id, poll_s=0.05)
    overall = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[counts]}"),
        TimeElapsedColumn(),
        console=console,
    )
    task = overall.add_task(run_id, total=1, counts="")
    with Live(overall, console=console, refresh_per_second=8) as live:

        async def tick(run: Any) -> None:
            async with platform.db.read() as conn:
                jobs = await queries.list_jobs(conn, run_id)
            done = sum(1 for j in jobs if j.status in TERMINAL)
            hits = sum(1 for j in jobs if j.cache_hit)
            overall.update(
                task,
                total=max(1, len(jobs)),
                completed=done,
                counts=f"{done}/{len(jobs)} jobs, {hits} cached",
            )
            running = Table.grid(padding=(0, 2))
            for j in [j for j in jobs if j.status == "running"][:8]:
                running.add_row(f"  {j.node_key}", f"{j.skill}", f"{j.progress:5.0%}")
            live.update(Group(overall, running))

        return await platform.wait_for_run(run_id, poll_s=0.15, on_tick=tick)


async def print_summary(platform: Platform, run_id: str) -> None:
    async with platform.db.read() as conn:
        run = await queries.read_run(conn, run_id)
        counts = await queries.count_jobs_by_status(conn, run_id)
        jobs = await queries.list_jobs(conn, run_id)
    hits = sum(1 for j in jobs if j.cache_hit)
    colour = "green" if run.status == RunState.SUCCEEDED.value else "red"
    console.print(
        f"run [bold]{run_id}[/] [{colour}]{run.status}[/] "
        f"({', '.join(f'{k}: {v}' for k, v in sorted(counts.items()))}; "
        f"{hits} cache hits)"
    )
    if run.error_code:
        console.print(f"  error\\[{run.error_code}]: {escape(run.error_message or '')}")
