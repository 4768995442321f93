"""Printing a studio run's estimate: cost per stage and provider, what degradation changed."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from nexus.cli.common import console
from nexus.planner.costing import Workload
from nexus.studio.budget import PreparedRun


def describe_work(work: Workload) -> str:
    parts = []
    if work.input_tokens or work.output_tokens:
        parts.append(f"{work.input_tokens:,} in / {work.output_tokens:,} out tokens")
    if work.images:
        parts.append(f"{work.images} images")
    if work.audio_s:
        parts.append(f"{work.audio_s:.1f} s of speech")
    if work.video_s:
        parts.append(f"{work.video_s:.1f} s of video")
    calls = f"{work.calls} calls" if work.calls else "nothing"
    return ", ".join([calls, *parts])


def print_estimate(prepared: PreparedRun) -> None:
    estimate = prepared.estimate
    table = Table("stage", "engine", "work", "cost (USD)", title="estimate")
    for s in estimate.stages:
        engine = "offline" if s.provider == "offline" else f"{s.provider}/{s.model}"
        table.add_row(s.stage, engine, describe_work(s.workload), f"{s.cost_usd:.4f}")
    table.add_row("total", "", f"{estimate.shots} shots at {estimate.resolution}",
                  f"{estimate.total_usd:.4f}", style="bold")  # fmt: skip
    console.print(table)
    if prepared.budget_usd is not None:
        console.print(f"budget left: ${prepared.budget_usd:.4f}")
    for change in prepared.changes:
        console.print(f"  degraded: {escape(change)}")
