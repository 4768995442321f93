"""``nexus runs pin-asset|reject-asset`` and ``nexus bible export|import``: choose a library
asset for one entity (a revision re-rendering only its shots) and carry a cast between
projects (ADR 0242, 0243). Embedded mode, like ``nexus revise``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from nexus.cli.common import console, embedded, report_errors, run_async, settings_from_env
from nexus.cli.studio import LOCAL_TENANT, produce_run, resolve_run
from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.gateway.services import assets
from nexus.orchestrator import queries
from nexus.studio.asset_revision import AssetChoice, choice_params, resolve_entity

bible_app = typer.Typer(help="Export and import entity bibles (a series keeps its cast).",
                        no_args_is_help=True)  # fmt: skip
RunArg = Annotated[str, typer.Argument(help="A run id, or the output folder of a run.")]
EntityArg = Annotated[str, typer.Argument(help="Entity id or name (e.g. Tom), or 'music'.")]
AssetArg = Annotated[str, typer.Argument(help="The library's asset id.")]
OutOpt = Annotated[Path | None, typer.Option("-o", "--out", help="Output folder of the revision.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q")]


def _choose(run: str, entity: str, choice: AssetChoice, out: Path | None, quiet: bool) -> None:
    settings = settings_from_env()
    run_id, folder = resolve_run(run)

    async def go() -> int:
        async with embedded(settings) as platform:
            library = platform.registry.services.get("assets")
            if library is None:
                raise NexusError(
                    ErrorCode.ASSET_LIBRARY_UNAVAILABLE, "no asset library is configured"
                )
            if choice.asset_id is not None:
                await assets.require_asset(library, LOCAL_TENANT, choice.asset_id)
            async with platform.db.read() as conn:
                old = await queries.read_run(conn, run_id)
                if old.pipeline != "studio":
                    raise NexusError(
                        ErrorCode.VALIDATION_FAILED, f"run {run_id} is not a studio run"
                    )
                entity_id = resolve_entity(await assets.read_pack(conn, run_id), entity)
            params = choice_params(dict(old.params), entity_id, choice)
            target = out or folder or Path("out") / run_id
            return await produce_run(platform, params, target, parent_run_id=run_id, quiet=quiet)

    raise typer.Exit(run_async(go()))


@report_errors
def pin_asset(run: RunArg, entity: EntityArg, asset: AssetArg, out: OutOpt = None,
              quiet: QuietOpt = False) -> None:  # fmt: skip
    """Use this asset for the entity whatever the matching says; only its shots re-render."""
    _choose(run, entity, AssetChoice(asset_id=asset), out, quiet)


@report_errors
def reject_asset(run: RunArg, entity: EntityArg, asset: AssetArg, out: OutOpt = None,
                 quiet: QuietOpt = False) -> None:  # fmt: skip
    """Never use this asset for the entity; only its shots re-render."""
    _choose(run, entity, AssetChoice(reject=asset), out, quiet)


@bible_app.command("export")
@report_errors
def export(
    ref: Annotated[str, typer.Argument(help="A run id, a run's output folder, or a project id.")],
    out: Annotated[Path, typer.Option("-o", "--out", help="The zip to write.")] = Path("bible.zip"),
) -> None:
    """entities.json + the chosen assets' files + a manifest with their sha256."""
    settings = settings_from_env()
    source, _ = resolve_run(ref)

    async def go() -> None:
        async with embedded(settings, workers=False) as platform:
            data, run_id = await assets.export_bible(platform, LOCAL_TENANT, source)
        tmp = out.with_name(out.name + ".part")
        tmp.write_bytes(data)
        tmp.replace(out)  # never a half-written zip
        console.print(f"bible of run [bold]{run_id}[/] -> {out} ({len(data)} bytes)")

    run_async(go())


@bible_app.command("import")
@report_errors
def import_(
    path: Annotated[Path, typer.Argument(help="A bible zip.", exists=True, dir_okay=False)],
    project: Annotated[str, typer.Option("--project", help="The project to add it to.")],
) -> None:
    """Add the bible's assets to the project's library; print the cast (name -> voice)."""
    settings = settings_from_env()

    async def go() -> None:
        async with embedded(settings, workers=False) as platform:
            result = await assets.import_bible(platform, LOCAL_TENANT, project, path.read_bytes())
        console.print(json.dumps(result.model_dump(mode="json"), indent=2, ensure_ascii=False))
        if result.cast:
            console.print(f"the cast's voices: nexus produce STORY --bible {path}")

    run_async(go())
