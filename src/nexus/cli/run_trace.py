"""``nexus runs trace RUN``: the run's spans as a tree with durations (file exporter)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.tree import Tree

from nexus.cli.common import console, embedded, report_errors, run_async, settings_from_env
from nexus.core.telemetry_setup import trace_file
from nexus.observer.traces import SpanNode, run_spans, span_tree
from nexus.orchestrator import queries

SHOWN_ATTRIBUTES = (
    "nexus.skill",
    "nexus.attempt",
    "gen_ai.request.model",
    "gen_ai.usage.input_tokens",
    "gen_ai.usage.output_tokens",
    "nexus.cost_usd",
    "process.command_line",
    "http.route",
    "error.type",
)


def _label(node: SpanNode) -> str:
    s = node.span
    attrs = s.get("attributes") or {}
    shown = " ".join(f"{k.split('.')[-1]}={attrs[k]}" for k in SHOWN_ATTRIBUTES if k in attrs)
    status = " [red]error[/]" if s.get("status") == "error" else ""
    return (
        f"[bold]{s['name']}[/] {node.duration_ms:.1f} ms [dim]{s.get('service', '')}[/]"
        f"{status} {shown}".rstrip()
    )


def _add(tree: Tree, node: SpanNode) -> None:
    branch = tree.add(_label(node))
    for child in sorted(node.children, key=lambda n: int(n.span.get("start_ns") or 0)):
        _add(branch, child)


@report_errors
def trace_run(
    run_id: str,
    as_json: Annotated[bool, typer.Option("--json", help="The spans as JSON lines.")] = False,
) -> None:
    """The run's trace: every span (API, orchestrator, workers, providers, ffmpeg) as a tree."""
    settings = settings_from_env()

    async def go() -> str:
        async with embedded(settings, workers=False) as platform, platform.db.read() as conn:
            return (await queries.read_run(conn, run_id)).trace_id

    trace_id = run_async(go())
    spans = run_spans(trace_file(settings), trace_id)
    if as_json:
        for span in spans:
            console.print_json(json.dumps(span))
        return
    tree = Tree(f"run {run_id} trace {trace_id} ({len(spans)} spans)")
    for root in span_tree(spans):
        _add(tree, root)
    console.print(tree)
