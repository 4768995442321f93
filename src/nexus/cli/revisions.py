"""``nexus revise-entity`` and ``nexus edit-cue``: entity and subtitle revisions of a studio
run, as the API's (ADRs 0271, 0272): print what re-runs, then (unless ``--dry-run``) run it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from pydantic import BaseModel, ValidationError

from nexus.cli.common import console, embedded, report_errors, run_async, settings_from_env
from nexus.cli.studio import produce_run, resolve_run
from nexus.contracts.errors import ErrorCode
from nexus.contracts.studio import CueEdit, EntityEdit
from nexus.core.errors import NexusError
from nexus.gateway.services import entity_edits, subtitles
from nexus.orchestrator import queries

M = TypeVar("M", bound=BaseModel)
Out = Annotated[Path | None, typer.Option("-o", "--out", help="Where the files go.")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Only list what would re-run.")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q")]


def _valid(model: type[M], **values: Any) -> M:
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        fields = {".".join(map(str, e["loc"])): e["msg"] for e in exc.errors()}
        raise NexusError(ErrorCode.VALIDATION_FAILED, "invalid edit", fields=fields) from exc


def _show(rerun: list[str]) -> None:
    console.print(f"re-runs {len(rerun)} nodes: " + " ".join(rerun))


def _revise(run: str, plan: Any, out: Path | None, dry_run: bool, quiet: bool) -> None:
    settings = settings_from_env()
    run_id, folder = resolve_run(run)

    async def go() -> int:
        async with embedded(settings) as platform:
            async with platform.db.read() as conn:
                old = await queries.read_run(conn, run_id)
                params, rerun = await plan(conn, old)
            _show(rerun)
            if dry_run:
                return 0
            if not rerun:
                raise NexusError(ErrorCode.VALIDATION_FAILED, "the edit changes nothing")
            target = out or folder or Path("out") / run_id
            return await produce_run(platform, params, target, parent_run_id=run_id, quiet=quiet)

    raise typer.Exit(run_async(go()))


@report_errors
def revise_entity(
    run: Annotated[str, typer.Argument(help="A run id, or the output folder of a run.")],
    entity: Annotated[str, typer.Option("--entity", help="The entity id (entities.json).")],
    name: Annotated[str | None, typer.Option(help="A new name.")] = None,
    alias: Annotated[
        list[str] | None, typer.Option("--alias", help="Replace the aliases (repeat).")
    ] = None,
    voice: Annotated[str | None, typer.Option(help="A new voice id (characters).")] = None,
    merge_into: Annotated[str | None, typer.Option(help="Merge into this entity id.")] = None,
    out: Out = None,
    dry_run: DryRun = False,
    quiet: Quiet = False,
) -> None:
    """Rename an entity, replace its aliases, change its voice or merge it into another;
    only what depends on it runs again."""
    edit = _valid(EntityEdit, name=name, aliases=alias, voice=voice, merge_into=merge_into)

    async def plan(conn: Any, old: Any) -> tuple[dict[str, Any], list[str]]:
        return await entity_edits.plan_revision(conn, old, entity, edit)

    _revise(run, plan, out, dry_run, quiet)


@report_errors
def edit_cue(
    run: Annotated[str, typer.Argument(help="A run id, or the output folder of a run.")],
    cue: Annotated[str, typer.Option("--cue", help="The cue id, <shot_id>.<n>.")],
    text: Annotated[str, typer.Option(help="The cue's new text.")],
    start: Annotated[float | None, typer.Option(help="New start (s, within the shot).")] = None,
    end: Annotated[float | None, typer.Option(help="New end (s, within the shot).")] = None,
    out: Out = None,
    dry_run: DryRun = False,
    quiet: Quiet = False,
) -> None:
    """Edit one subtitle cue: only that shot's segment and the final film run again."""
    edit = _valid(CueEdit, text=text, start_s=start, end_s=end)

    async def plan(conn: Any, old: Any) -> tuple[dict[str, Any], list[str]]:
        return await subtitles.plan_revision(conn, old, cue, edit)

    _revise(run, plan, out, dry_run, quiet)
