"""``nexus produce`` (story -> video) and ``nexus revise`` (edit one shot, re-run only it)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, cast

import typer
from rich.table import Table

from nexus.cli.common import console, embedded, report_errors, run_async, settings_from_env
from nexus.cli.display import follow_run, print_summary
from nexus.cli.estimate import print_estimate
from nexus.cli.export import export_run
from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.orchestrator import queries
from nexus.planner import ingest_story
from nexus.planner.degrade import DegradeStep
from nexus.planner.length import require_min_length
from nexus.platform import Platform
from nexus.studio.bible import bible_cast
from nexus.studio.budget import prepare_studio_run
from nexus.workers.video.text import find_font_file, needs_cjk

LOCAL_TENANT, LOCAL_PROJECT = "local", "default"  # what embedded runs are created under


def read_story(path: Path, max_bytes: int) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise NexusError(ErrorCode.INPUT_UNREADABLE, f"cannot read {path}: {exc.strerror}") from exc
    # Refuse empty, binary, oversized or too short input up front, and Chinese text on a
    # machine with no font to draw it (subtitles and name tags would fail or show tofu).
    story = ingest_story(raw, max_bytes=max_bytes)
    require_min_length(story)
    text = raw.decode("utf-8-sig")
    if needs_cjk(text):
        find_font_file(text)
    return text


async def produce_run(
    platform: Platform,
    params: dict[str, Any],
    out: Path,
    *,
    parent_run_id: str | None = None,
    quiet: bool = False,
) -> int:
    budget = params.get("budget_usd")

    async def limit_run(run_id: str) -> None:
        if budget is not None:
            await platform.budgets.limit_run(LOCAL_TENANT, run_id, float(budget))

    run_id, _ = await platform.create_run(
        "studio", params, parent_run_id=parent_run_id, before_publish=limit_run
    )
    console.print(f"run [bold]{run_id}[/] -> {out}")
    run = await follow_run(platform, run_id, quiet=quiet)
    await print_summary(platform, run_id)
    if run.status != "succeeded":
        return 1
    summary = await export_run(platform, run_id, out)
    table = Table("stage", "jobs", "executed", "cached", "seconds", "cost (USD)")
    for skill, s in sorted(summary["stages"].items()):
        table.add_row(
            skill, str(s["jobs"]), str(s["executed"]), str(s["cache_hits"]),
            f"{s['seconds']:.1f}", f"{s.get('cost_usd', 0.0):.4f}",
        )  # fmt: skip
    console.print(table)
    console.print(
        f"{summary['video_seconds']:.1f} s of video in {summary['wall_seconds']:.1f} s"
        f" (realtime factor {summary['realtime_factor']}); cost ${summary['cost_usd']:.4f};"
        f" wrote {out}/final.mp4"
    )
    return 0


def _parse_engines(pins: list[str]) -> dict[str, str]:
    engines: dict[str, str] = {}
    for pin in pins:
        stage, sep, engine = pin.partition("=")
        if not sep or not engine:
            raise NexusError(
                ErrorCode.VALIDATION_FAILED, f"--engine wants STAGE=PROVIDER[/MODEL], not {pin!r}"
            )
        engines[stage.strip()] = engine.strip()
    return engines


@report_errors
def produce(
    story: Annotated[Path, typer.Argument(help="A .md or .txt story (UTF-8).")],
    out: Annotated[Path | None, typer.Option("-o", "--out", help="Output folder.")] = None,
    lang: Annotated[str, typer.Option("--lang", help="auto, zh or en")] = "auto",
    resolution: Annotated[
        str, typer.Option(help="1280x720, 1920x1080, 1080x1920, or 640x360 for a quick draft")
    ] = "1280x720",
    narrator: Annotated[str | None, typer.Option(help="Narrator voice id.")] = None,
    estimate: Annotated[
        bool, typer.Option("--estimate", help="Print the cost per stage and provider; run nothing.")
    ] = False,
    budget: Annotated[
        float | None, typer.Option("--budget", help="This run's budget in USD.", min=0)
    ] = None,
    degrade: Annotated[
        str | None,
        typer.Option(
            help="Over budget, give up in this order (comma-separated): cheaper_provider,"
            "fewer_shots,lower_resolution,offline; or 'refuse'."
        ),
    ] = None,
    engine: Annotated[
        list[str] | None,
        typer.Option(help="Pin a stage's engine: STAGE=PROVIDER[/MODEL] or STAGE=offline."),
    ] = None,
    bible: Annotated[
        Path | None,
        typer.Option(help="An entity bible zip: its characters keep their voices (ADR 0243)."),
    ] = None,
    subtitle_transform: Annotated[
        list[str] | None,
        typer.Option(help="A user skill NAME@VERSION applied to the subtitles (repeatable)."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
) -> None:
    """Turn a story into a narrated, subtitled video: offline, or with the configured models."""
    settings = settings_from_env()
    params: dict[str, Any] = {
        "story": read_story(story, settings.gateway.max_story_bytes),
        "language": lang,
        "resolution": resolution,
        "narrator": narrator,
        "budget_usd": budget,
        "engines": _parse_engines(engine or []),
    }
    if bible is not None:
        params["cast"] = bible_cast(bible.read_bytes())
    if subtitle_transform:
        params["subtitle_transforms"] = subtitle_transform
    if degrade is not None:
        params["degrade"] = [cast(DegradeStep, d.strip()) for d in degrade.split(",") if d.strip()]
    target = out or Path("out") / story.stem

    async def go() -> int:
        async with embedded(settings, workers=not estimate) as platform:
            left = await platform.budgets.money_left(LOCAL_TENANT, LOCAL_PROJECT)
            prepared = prepare_studio_run(
                params, platform.studio_models, remaining_usd=left, project_id=LOCAL_PROJECT
            )
            if estimate or prepared.changes or prepared.estimate.total_usd > 0:
                print_estimate(prepared)
            if estimate:
                return 0
            return await produce_run(platform, prepared.params, target, quiet=quiet)

    raise typer.Exit(run_async(go()))


def resolve_run(ref: str) -> tuple[str, Path | None]:
    path = Path(ref)
    if (path / "run.json").is_file():
        return str(json.loads((path / "run.json").read_text())["run_id"]), path
    return ref, None


@report_errors
def revise(
    run: Annotated[str, typer.Argument(help="A run id, or the output folder of a run.")],
    shot: Annotated[int, typer.Option("--shot", help="Shot number, 1-based as in shots.json.")],
    text: Annotated[str | None, typer.Option(help="New text for the shot.")] = None,
    voice: Annotated[str | None, typer.Option(help="New voice id for its speaker.")] = None,
    duration: Annotated[float | None, typer.Option(help="New target duration (s).")] = None,
    variant: Annotated[bool, typer.Option("--variant", help="Another visual/voice take.")] = False,
    out: Annotated[Path | None, typer.Option("-o", "--out")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
) -> None:
    """Edit one shot and regenerate only that shot's nodes and the composition."""
    if not any([text, voice, duration, variant]):
        raise NexusError(
            ErrorCode.VALIDATION_FAILED,
            "say what to change: --text, --voice, --duration or --variant",
        )
    settings = settings_from_env()
    run_id, folder = resolve_run(run)
    edit = {
        k: v
        for k, v in {
            "text": text,
            "voice": voice,
            "duration_s": duration,
            "variant": "next" if variant else None,
        }.items()
        if v is not None
    }

    async def go() -> int:
        async with embedded(settings) as platform:
            async with platform.db.read() as conn:
                old = await queries.read_run(conn, run_id)
            if old.pipeline != "studio":
                raise NexusError(ErrorCode.VALIDATION_FAILED, f"run {run_id} is not a studio run")
            params = dict(old.params)
            edits = {str(k): v for k, v in (params.get("edits") or {}).items()}
            index = str(shot - 1)
            edits[index] = {**edits.get(index, {}), **edit}
            params["edits"] = edits
            target = out or folder or Path("out") / run_id
            return await produce_run(platform, params, target, parent_run_id=run_id, quiet=quiet)

    raise typer.Exit(run_async(go()))
