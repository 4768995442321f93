"""``nexus skills list|show``: the skill catalogue (built-ins and this tenant's user skills)
with categories, permissions, schemas and the versions the registry has recorded."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from nexus.cli.common import console, report_errors, run_async, settings_from_env, with_platform
from nexus.contracts.errors import ErrorCode
from nexus.contracts.governance import SkillCategory, SkillSpec
from nexus.core.errors import NexusError
from nexus.platform import Platform
from nexus.skills.schemas import SkillDetail, summary_of

skills_app = typer.Typer(help="Skills: the versioned capabilities the workers run.")
LOCAL_TENANT = "local"
CATEGORIES: tuple[str, ...] = SkillCategory.__args__  # pyright: ignore[reportAttributeAccessIssue]


def _call(fn: Any) -> Any:
    settings = settings_from_env()

    async def go(platform: Platform) -> Any:
        return await fn(platform)

    return run_async(with_platform(settings, go))


def _category(value: str | None) -> SkillCategory | None:
    if value is not None and value not in CATEGORIES:
        raise NexusError(
            ErrorCode.VALIDATION_FAILED,
            f"unknown category {value!r} (one of {', '.join(CATEGORIES)})",
        )
    return value  # type: ignore[return-value]


def print_specs(specs: list[SkillSpec]) -> None:
    table = Table("skill", "version", "category", "origin", "class", "network", "description")
    for s in specs:
        table.add_row(
            s.name,
            s.version,
            s.category,
            s.origin,
            s.resource_class,
            ", ".join(s.permissions.network_hosts) or "none",
            escape(s.description),
        )
    console.print(table)


@skills_app.command("list")
@report_errors
def list_skills(
    category: Annotated[str | None, typer.Option(help="Only this category.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    tenant: Annotated[str, typer.Option(help="Whose user skills to include.")] = LOCAL_TENANT,
) -> None:
    """Every skill: name, version, category, origin, resource class, network."""
    wanted = _category(category)
    specs: list[SkillSpec] = _call(lambda p: p.skills.list_specs(tenant, category=wanted))
    if as_json:
        typer.echo(json.dumps([summary_of(s).model_dump(mode="json") for s in specs], indent=2))
        return
    print_specs(specs)


def print_detail(detail: SkillDetail) -> None:
    s = detail.spec
    console.print(f"[bold]{s.name}[/] {s.version} {s.category} ({s.origin}) digest={s.digest}")
    console.print(escape(s.description))
    p = s.permissions
    console.print(
        f"permissions: network={p.network_hosts or 'none'} read={p.read_paths or 'none'} "
        f"write={p.write_paths or 'none'} cpu_time_s={p.cpu_time_s:g} "
        f"memory_mb={p.memory_mb} max_output_bytes={p.max_output_bytes}"
    )
    console.print("input schema:", json.dumps(s.input_schema, indent=2), highlight=False)
    console.print("output schema:", json.dumps(s.output_schema, indent=2), highlight=False)
    table = Table("version", "digest", "first seen", title="versions seen")
    for v in detail.versions:
        table.add_row(v.version, v.digest[:16], v.first_seen.isoformat(timespec="seconds"))
    console.print(table)


@skills_app.command("show")
@report_errors
def show_skill(
    name: str,
    version: Annotated[str | None, typer.Option(help="A recorded older version.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    tenant: Annotated[str, typer.Option(help="Whose user skills to look in.")] = LOCAL_TENANT,
) -> None:
    """One skill: schemas, permissions and every version the registry has seen."""
    detail: SkillDetail = _call(lambda p: p.skills.read_skill(tenant, name, version))
    if as_json:
        typer.echo(detail.model_dump_json(indent=2))
        return
    print_detail(detail)
