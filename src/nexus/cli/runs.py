"""``nexus run`` and ``nexus runs …``: start, inspect, cancel, retry and regenerate runs."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Column, Table

from nexus.cli.common import (
    console,
    embedded,
    parse_params,
    report_errors,
    run_async,
    settings_from_env,
)
from nexus.cli.display import follow_run, print_summary
from nexus.cli.run_trace import trace_run
from nexus.orchestrator import queries
from nexus.platform import Platform

runs_app = typer.Typer(help="Inspect and steer runs.", no_args_is_help=True)
runs_app.command("trace")(trace_run)


@report_errors
def run_pipeline(
    pipeline: Annotated[str, typer.Argument(help="Pipeline name, e.g. demo.")],
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="key=value (JSON values)")
    ] = None,
    key: Annotated[
        str | None,
        typer.Option("--key", help="Idempotency key: running again with it resumes the same run."),
    ] = None,
    detach: Annotated[bool, typer.Option(help="Create the run and return.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
) -> None:
    """Run a pipeline in this process (embedded mode) with a live progress display."""
    settings = settings_from_env()

    async def go() -> int:
        async with embedded(settings, workers=not detach) as platform:
            run_id, created = await platform.create_run(
                pipeline, parse_params(param or []), idempotency_key=key
            )
            console.print(f"{'created' if created else 'resuming'} run [bold]{run_id}[/]")
            if detach:
                return 0
            run = await follow_run(platform, run_id, quiet=quiet)
            await print_summary(platform, run_id)
            return 0 if run.status == "succeeded" else 1

    raise typer.Exit(run_async(go()))


def _platform_call(fn: Any, *, workers: bool = False) -> Any:
    settings = settings_from_env()

    async def go() -> Any:
        async with embedded(settings, workers=workers) as platform:
            return await fn(platform)

    return run_async(go())


@runs_app.command("list")
@report_errors
def list_runs(
    status: Annotated[str | None, typer.Option()] = None, limit: Annotated[int, typer.Option()] = 20
) -> None:
    """The newest runs."""

    async def go(platform: Platform) -> None:
        async with platform.db.read() as conn:
            rows = await queries.list_runs(conn, status=status, limit=limit)
        table = Table("pipeline", "status", "created", "error")
        table.columns.insert(0, Column("run", no_wrap=True))
        for r in rows:
            table.add_row(
                r.run_id,
                r.pipeline,
                r.status,
                r.created_at.isoformat(timespec="seconds"),
                r.error_code or "",
            )
        console.print(table)

    _platform_call(go)


@runs_app.command("show")
@report_errors
def show_run(run_id: str) -> None:
    """A run and its jobs."""

    async def go(platform: Platform) -> None:
        async with platform.db.read() as conn:
            run = await queries.read_run(conn, run_id)
            jobs = await queries.list_jobs(conn, run_id)
            events = await queries.list_events(conn, run_id, limit=100_000)
        console.print(
            f"[bold]{run.run_id}[/] {run.pipeline} [bold]{run.status}[/] "
            f"params={json.dumps(run.params)}"
        )
        pins = run.skill_pins or {}
        if pins:
            console.print("skills: " + ", ".join(f"{k}@{v}" for k, v in sorted(pins.items())))
        table = Table("node", "skill", "status", "attempt", "cached", "error")
        for j in jobs:
            table.add_row(
                j.node_key,
                j.skill,
                j.status,
                str(j.attempt),
                "yes" if j.cache_hit else "",
                j.error_code or "",
            )
        console.print(table)
        print_failovers(events)

    _platform_call(go)


def print_failovers(events: list[Any]) -> None:
    """The run's provider failovers (``nexus.dispatch.failed_over``), if any."""
    hops = [e for e in events if e.type == "nexus.dispatch.failed_over"]
    if not hops:
        return
    table = Table("node", "capability", "from", "to", "why", title="failovers")
    for e in hops:
        p = e.payload
        table.add_row(
            p.get("node_key", ""),
            p.get("capability", ""),
            f"{p.get('from_provider')}/{p.get('from_model')}",
            f"{p.get('to_provider')}/{p.get('to_model')}",
            p.get("code", ""),
        )
    console.print(table)


@runs_app.command("events")
@report_errors
def show_events(run_id: str, after: Annotated[int, typer.Option()] = 0) -> None:
    """The run's event log, oldest first."""

    async def go(platform: Platform) -> None:
        async with platform.db.read() as conn:
            await queries.read_run(conn, run_id)
            events = await queries.list_events(conn, run_id, after_id=after, limit=100_000)
        for e in events:
            node = e.payload.get("node_key", "")
            console.print(
                f"{e.event_id:>6} {e.occurred_at.isoformat(timespec='milliseconds')} "
                f"{e.type:<26} {node}",
                highlight=False,
            )

    _platform_call(go)


@runs_app.command("cancel")
@report_errors
def cancel_run(run_id: str) -> None:
    """Cancel a run; compensation runs for what already succeeded."""
    _platform_call(lambda p: p.cancel_run(run_id), workers=True)
    console.print(f"cancelled {run_id}")


@runs_app.command("retry")
@report_errors
def retry_run(run_id: str, quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False) -> None:
    """Re-open a failed or cancelled run and run what did not succeed."""

    async def go(platform: Platform) -> int:
        await platform.retry_run(run_id)
        run = await follow_run(platform, run_id, quiet=quiet)
        await print_summary(platform, run_id)
        return 0 if run.status == "succeeded" else 1

    raise typer.Exit(_platform_call(go, workers=True))


@runs_app.command("regenerate")
@report_errors
def regenerate(
    run_id: str,
    node: str,
    variant: Annotated[int | None, typer.Option(help="Variant seed.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
) -> None:
    """Re-run one node (new variant) and exactly its descendants."""

    async def go(platform: Platform) -> int:
        affected = await platform.regenerate(run_id, node, variant=variant)
        console.print(f"regenerating {node} and {len(affected) - 1} descendant(s)")
        run = await follow_run(platform, run_id, quiet=quiet)
        await print_summary(platform, run_id)
        return 0 if run.status == "succeeded" else 1

    raise typer.Exit(_platform_call(go, workers=True))
