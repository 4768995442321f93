"""``nexus user-skills upload|list|delete|run``: a tenant's sandboxed skills from the CLI.
Embedded runs belong to the tenant ``local``. The lead may mount ``user_skills_app`` under
``nexus skills`` beside the catalogue's commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from nexus.cli.common import console, report_errors, run_async, settings_from_env, with_platform
from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.gateway.services.accounts import resolve_tenant
from nexus.platform import Platform
from nexus.sandbox.manifest import SOURCE_NAMES, parse_manifest
from nexus.sandbox.node import UserSkillExecutor
from nexus.sandbox.store import parse_ref

user_skills_app = typer.Typer(
    help="Tenants' own skills (Python, JavaScript, native), run sandboxed.",
    no_args_is_help=True,
)
Tenant = Annotated[str, typer.Option("--tenant", help="Tenant slug or id.")]
MANIFEST_NAMES = ("manifest.yaml", "manifest.yml", "manifest.json")


async def _tenant(platform: Platform, tenant: str) -> str:
    async with platform.db.read() as conn:
        return await resolve_tenant(conn, tenant)


def read_upload(path: Path, manifest: Path | None) -> tuple[bytes, bytes]:
    """(manifest text, source) from a skill folder or a source file plus ``--manifest``."""
    if path.is_dir():
        manifest = manifest or next(
            (path / n for n in MANIFEST_NAMES if (path / n).is_file()), None
        )
        if manifest is None:
            raise NexusError(ErrorCode.INVALID_MANIFEST, f"no manifest.yaml/json in {path}")
        parsed = parse_manifest(manifest.read_bytes())
        source = path / SOURCE_NAMES[parsed.language]
    else:
        source = path
    if manifest is None:
        raise NexusError(ErrorCode.INVALID_MANIFEST, "give --manifest with a source file")
    if not source.is_file():
        raise NexusError(ErrorCode.INVALID_MANIFEST, f"no source file {source}")
    return manifest.read_bytes(), source.read_bytes()


@user_skills_app.command("upload")
@report_errors
def upload(
    path: Annotated[Path, typer.Argument(help="A skill folder (manifest + main.*) or a file.")],
    manifest: Annotated[Path | None, typer.Option("--manifest", "-m")] = None,
    tenant: Tenant = "local",
) -> None:
    """Upload a version of a skill (versions are immutable)."""
    text, source = read_upload(path, manifest)
    parsed = parse_manifest(text)

    async def go(platform: Platform) -> Any:
        tenant_id = await _tenant(platform, tenant)
        return await platform.user_skills.upload(tenant_id, parsed, source, created_by="cli")

    done = run_async(with_platform(settings_from_env(), go))
    verb = "uploaded" if done.created else "unchanged"
    console.print(f"{verb} {done.name}@{done.version} ({done.language}) digest {done.digest[:12]}")


@user_skills_app.command("list")
@report_errors
def list_skills(
    tenant: Tenant = "local",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """This tenant's user skills."""

    async def go(platform: Platform) -> Any:
        tenant_id = await _tenant(platform, tenant)
        return await platform.user_skills.list_skills(tenant_id)

    page = run_async(with_platform(settings_from_env(), go))
    if as_json:
        console.print_json(page.model_dump_json())
        return
    table = Table("skill", "language", "category", "digest", "created")
    for s in page.items:
        table.add_row(
            f"{s.name}@{s.version}", s.language, s.manifest.category, s.digest[:12],
            s.created_at.isoformat(timespec="seconds"),
        )  # fmt: skip
    console.print(table)


@user_skills_app.command("delete")
@report_errors
def delete(
    ref: Annotated[str, typer.Argument(help="NAME@VERSION")], tenant: Tenant = "local"
) -> None:
    """Soft-delete a version (its name@version stays taken)."""
    name, version = parse_ref(ref)

    async def go(platform: Platform) -> None:
        tenant_id = await _tenant(platform, tenant)
        await platform.user_skills.delete_skill(tenant_id, name, version)

    run_async(with_platform(settings_from_env(), go))
    console.print(f"deleted {ref}")


@user_skills_app.command("run")
@report_errors
def run(
    ref: Annotated[str, typer.Argument(help="NAME@VERSION")],
    input_json: Annotated[str, typer.Option("--input", help="The input as JSON.")] = "{}",
    tenant: Tenant = "local",
) -> None:
    """Run a skill once in the sandbox on ``--input`` and print its output."""
    try:
        payload = json.loads(input_json)
    except json.JSONDecodeError as exc:
        raise NexusError(ErrorCode.INVALID_INPUT, f"--input is not JSON: {exc}") from exc

    async def go(platform: Platform) -> Any:
        tenant_id = await _tenant(platform, tenant)
        return await UserSkillExecutor(platform.registry).call(tenant_id, ref, "", payload)

    done = run_async(with_platform(settings_from_env(), go))
    console.print_json(json.dumps(done.output, ensure_ascii=False))
