"""``nexus runs explain RUN``: a run's incident summary on one screen."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from nexus.cli.common import console, report_errors, run_async, settings_from_env, with_platform
from nexus.contracts.observe import JobIncident, RunExplanation
from nexus.gateway.services.observe import explain_run
from nexus.platform import Platform

STATUS_STYLE = {"succeeded": "green", "failed": "bold red", "cancelled": "yellow"}


def _secs(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} s"


def _attempts(incident: JobIncident) -> Table:
    table = Table("#", "outcome", "took", "code", "message", "worker", box=None, pad_edge=False)
    for a in incident.attempts:
        table.add_row(
            str(a.attempt),
            a.outcome,
            _secs(a.duration_s),
            a.error_code or "",
            (a.message or "")[:60],
            a.owner or "",
        )
    return table


def _incident(i: JobIncident) -> Panel:
    parts: list[Text | Table] = [
        Text.assemble(
            (i.error_code or "no code", "bold"), f": {i.error_message or '(no message)'}"
        ),
        Text(f"attempts {len(i.attempts)} of at most {i.max_attempts}", style="dim"),
        _attempts(i),
    ]
    if i.upstream_causes:
        causes = ", ".join(f"{c.node_key} {c.status} ({c.error_code})" for c in i.upstream_causes)
        parts.append(Text(f"upstream causes: {causes}"))
    else:
        parts.append(Text("root cause: every upstream job succeeded", style="dim"))
    if i.blocked:
        parts.append(Text(f"blocked downstream: {', '.join(i.blocked)}"))
    if i.failed_span is not None:
        s = i.failed_span
        parts.append(
            Text(
                f"failed span: {s.name} [{s.status}] {s.duration_ms or 0:.1f} ms "
                f"span_id={s.span_id} {s.error or ''}".rstrip()
            )
        )
    if i.log_lines:
        parts.append(Text("\n".join(i.log_lines[-10:]), style="dim"))
    title = f"{i.node_key} ({i.skill}) {i.status}" + (" - root cause" if i.root_cause else "")
    return Panel(Group(*parts), title=title, title_align="left", border_style="red")


def print_explanation(x: RunExplanation) -> None:
    style = STATUS_STYLE.get(x.status, "bold")
    counts = ", ".join(f"{k}: {v}" for k, v in x.jobs_by_status.items())
    console.print(
        f"[bold]{x.run_id}[/] {escape(x.pipeline)} [{style}]{x.status}[/] in "
        f"{_secs(x.duration_s)} ({counts}) trace {x.trace_id}",
        highlight=False,
    )
    console.print(Text(x.headline, style="bold"))
    if x.error_code:
        console.print(Text(f"run error[{x.error_code}]: {x.error_message or ''}"))
    for incident in x.incidents:
        console.print(_incident(incident))
    table = Table("stage", "skill", "status", "took", "attempts", "cached", title="slowest stages")
    for t in x.slowest[: 3 if x.incidents else 5]:
        cached = "yes" if t.cache_hit else ""
        table.add_row(t.node_key, t.skill, t.status, _secs(t.duration_s), str(t.attempts), cached)
    console.print(table)
    console.print(f"evidence: {', '.join(x.sources)}", style="dim")


@report_errors
def explain(
    run_id: Annotated[str, typer.Argument(help="The run to explain.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Why a run failed: failing job, error code, attempts, upstream causes, logs, span."""
    settings = settings_from_env()

    async def go(platform: Platform) -> RunExplanation:
        return await explain_run(platform, run_id, tenant_id=None)

    x = run_async(with_platform(settings, go))
    if as_json:
        console.print_json(x.model_dump_json())
        return
    print_explanation(x)
