"""``nexus policies show|set FILE|history|eval FILE``: the tenant's policy from the command
line, through the same functions as ``/api/v1/policies`` (validated before it takes effect).
``--tenant`` takes a slug or an id; ``--as`` names the admin writing it (audited)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.table import Table

from nexus.cli.common import console, report_errors, run_async, settings_from_env, with_platform
from nexus.contracts.errors import ErrorCode
from nexus.contracts.governance import PolicyInput
from nexus.core.errors import NexusError
from nexus.gateway.services.accounts import resolve_tenant
from nexus.governance import policies
from nexus.observer.audit import AuditRecord, insert_audit
from nexus.platform import Platform

policies_app = typer.Typer(
    help="The tenant's policy: show, set, history, eval.", no_args_is_help=True
)
Tenant = Annotated[str, typer.Option("--tenant", help="Tenant slug or id.")]


def _load(path: Path) -> Any:
    if not path.is_file():
        raise NexusError(ErrorCode.VALIDATION_FAILED, f"no such file: {path}")
    return yaml.safe_load(path.read_text()) if path.suffix in (".yaml", ".yml", ".json") else None


@policies_app.command("show")
@report_errors
def show(tenant: Tenant = "local") -> None:
    """Print the policy in force (version 0: the built-in default)."""

    async def go(p: Platform) -> str:
        async with p.db.read() as conn:
            record = await policies.current_policy(conn, await resolve_tenant(conn, tenant))
        if record is None:
            return f"# version 0 (built-in default)\n{p.policies.default.source}"
        return f"# version {record.version} ({record.syntax}, {record.package})\n{record.source}"

    console.print(run_async(with_platform(settings_from_env(), go)), markup=False, highlight=False)


@policies_app.command("set")
@report_errors
def set_policy(
    file: Annotated[Path, typer.Argument(help="A .rego module.")],
    tests: Annotated[
        Path | None, typer.Option("--tests", help="YAML list of {name, input, expect}.")
    ] = None,
    comment: Annotated[str, typer.Option(help="Why this version.")] = "",
    tenant: Tenant = "local",
) -> None:
    """Validate FILE (it must compile and pass --tests) and make it the next version."""
    if not file.is_file():
        raise NexusError(ErrorCode.VALIDATION_FAILED, f"no such file: {file}")
    cases: list[dict[str, Any]] = list(_load(tests) or []) if tests is not None else []

    async def go(p: Platform) -> str:
        async with p.db.transaction() as conn:
            tenant_id = await resolve_tenant(conn, tenant)
            record, _ = await policies.put_policy(
                conn, tenant_id, file.read_text(), tests=cases, comment=comment
            )
            await insert_audit(
                conn,
                AuditRecord(
                    action="policy.set",
                    actor_type="system",
                    actor_id="cli",
                    tenant_id=tenant_id,
                    target_type="policy",
                    target_id=f"{tenant_id}:{record.version}",
                    detail={"version": record.version, "tests": len(cases), "via": "cli"},
                ),
            )
        return f"policy version {record.version} ({record.syntax}) in force for {tenant}"

    console.print(run_async(with_platform(settings_from_env(), go)))


@policies_app.command("history")
@report_errors
def history(tenant: Tenant = "local") -> None:
    """Every version written, newest first."""

    async def go(p: Platform) -> list[policies.PolicyRecord]:
        async with p.db.read() as conn:
            return await policies.policy_history(conn, await resolve_tenant(conn, tenant))

    table = Table("version", "package", "syntax", "tests", "by", "at", "comment")
    for r in run_async(with_platform(settings_from_env(), go)):
        table.add_row(
            str(r.version),
            r.package,
            r.syntax,
            str(len(r.tests)),
            r.created_by or "-",
            r.created_at.isoformat(timespec="seconds"),
            r.comment,
        )
    console.print(table)


@policies_app.command("eval")
@report_errors
def evaluate(
    file: Annotated[Path, typer.Argument(help="A PolicyInput as JSON or YAML.")],
    tenant: Tenant = "local",
) -> None:
    """What the tenant's policy answers the input in FILE (nothing is changed)."""
    question = PolicyInput.model_validate(_load(file))

    async def go(p: Platform) -> str:
        async with p.db.read() as conn:
            tenant_id = await resolve_tenant(conn, tenant)
        asked = question.model_copy(
            update={"principal": question.principal.model_copy(update={"tenant_id": tenant_id})}
        )
        return p.policies.evaluate(asked).model_dump_json(indent=2)

    console.print_json(run_async(with_platform(settings_from_env(), go)))
