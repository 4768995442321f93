"""``nexus observe …``: SLA objectives and the alert events the observer raised."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from nexus.cli.common import console, report_errors, run_async, settings_from_env, with_platform
from nexus.contracts.observe import AlertEvent, SlaObjective, SlaReport
from nexus.core.ids import utcnow
from nexus.gateway.services.observe import read_sla_report
from nexus.observer.alerts import list_alerts, record_transitions
from nexus.observer.sla import parse_window
from nexus.platform import Platform

observe_app = typer.Typer(help="SLA objectives and alert events.", no_args_is_help=True)
STATUS_STYLE = {"ok": "green", "breached": "bold red", "no_data": "dim"}
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _value(o: SlaObjective) -> str:
    if o.value is None:
        return "-"
    return f"{o.value:.1f} s" if o.indicator == "duration" else f"{o.value:.1%}"


def _target(o: SlaObjective) -> str:
    if o.indicator == "duration":
        return f"p{(o.quantile or 0) * 100:g} <= {o.target:g} s"
    return f"<= {o.target:.1%}"


def _window(seconds: float) -> str:
    for unit, size in (("d", 86_400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds / size:g}{unit}"
    return f"{seconds:g}s"


def print_report(report: SlaReport) -> None:
    table = Table("pipeline", "objective", "value", "target", "status", "window", "samples")
    for o in report.objectives:
        style = STATUS_STYLE[o.status]
        table.add_row(
            o.pipeline,
            o.objective,
            _value(o),
            _target(o),
            f"[{style}]{o.status}[/]",
            _window(o.window_s),
            f"{o.samples} (min {o.min_samples})",
        )
    console.print(table)
    if not report.objectives:
        console.print("no SLA is configured (observer.slas)")


@observe_app.command("sla")
@report_errors
def sla(
    window: Annotated[
        str | None, typer.Option(help="Override every SLA's window: 90, 30m, 6h, 7d.")
    ] = None,
    record: Annotated[
        bool, typer.Option(help="Also record status changes as alert events (like the monitor).")
    ] = False,
    as_json: AsJson = False,
) -> None:
    """Each SLA objective over every tenant's runs: value, target, status, window, samples."""
    window_s = parse_window(window) if window else None
    settings = settings_from_env()

    async def go(platform: Platform) -> tuple[SlaReport, list[AlertEvent]]:
        report = await read_sla_report(platform, tenant_id=None, window_s=window_s)
        raised: list[AlertEvent] = []
        if record:
            raised = await record_transitions(platform.db, report.objectives, utcnow())
        return report, raised

    report, raised = run_async(with_platform(settings, go))
    if as_json:
        console.print_json(report.model_dump_json())
        return
    print_report(report)
    for event in raised:
        console.print(f"[bold]{event.type}[/] {event.objective}")
    breached = sum(1 for o in report.objectives if o.status == "breached")
    raise typer.Exit(1 if breached else 0)


@observe_app.command("alerts")
@report_errors
def alerts(
    limit: Annotated[int, typer.Option(min=1, max=500)] = 20,
    objective: Annotated[str | None, typer.Option()] = None,
    as_json: AsJson = False,
) -> None:
    """The SLA alert events (breached / recovered), newest first."""
    settings = settings_from_env()

    async def go(platform: Platform) -> list[AlertEvent]:
        async with platform.db.read() as conn:
            return await list_alerts(conn, limit=limit, objective=objective)

    events = run_async(with_platform(settings, go))
    if as_json:
        console.print_json(data=[e.model_dump(mode="json") for e in events])
        return
    table = Table("id", "time", "alert", "objective", "value", "target", "samples")
    for e in events:
        p = e.payload
        table.add_row(
            str(e.alert_id),
            e.occurred_at.isoformat(timespec="seconds"),
            e.type.removeprefix("nexus.observer."),
            e.objective,
            "-" if p.get("value") is None else f"{p['value']:.4g}",
            f"{p.get('target'):.4g}",
            str(p.get("samples")),
        )
    console.print(table)
