"""``nexus admin member``: change a member's role, suspend, resume or remove them from the
command line, through the same commands as ``PATCH``/``DELETE /api/v1/members/{user_id}``."""

from __future__ import annotations

from typing import Annotated

import typer

from nexus.cli.common import console, report_errors, run_async, settings_from_env, with_platform
from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.gateway.app import build_gateway
from nexus.gateway.preconditions import Precondition
from nexus.gateway.security import ROLES
from nexus.gateway.services import members
from nexus.platform import Platform

Suspend = Annotated[
    bool | None,
    typer.Option("--suspend/--resume", help="Suspend or resume the membership."),
]


@report_errors
def member(
    email: Annotated[str, typer.Argument(help="The member's email.")],
    tenant: Annotated[str, typer.Option(help="Tenant slug.")] = "default",
    role: Annotated[str | None, typer.Option(help=f"New role: {', '.join(ROLES)}.")] = None,
    suspend: Suspend = None,
    remove: Annotated[bool, typer.Option("--remove", help="Remove from the tenant.")] = False,
) -> None:
    """Change a member: their current access tokens stop working on their next request."""
    if role is not None and role not in ROLES:
        raise NexusError(
            ErrorCode.VALIDATION_FAILED, f"unknown role {role!r}", fields={"role": ", ".join(ROLES)}
        )
    if remove and (role is not None or suspend is not None):
        raise NexusError(ErrorCode.VALIDATION_FAILED, "--remove takes no other change")
    settings = settings_from_env()

    async def go(platform: Platform) -> str:
        gw = build_gateway(settings, platform)
        async with platform.db.read() as conn:
            tenant_id, user_id = await members.find_member(conn, tenant, email)
        if remove:
            await members.remove_member(gw, tenant_id, user_id, precondition=Precondition())
            return f"removed {email} from tenant {tenant}"
        _, row = await members.update_member(
            gw, tenant_id, user_id, role=role, suspended=suspend, precondition=Precondition()
        )
        state = "suspended" if row.suspended_at is not None else "active"
        return f"{email} in tenant {tenant}: {row.role}, {state} (version {row.version})"

    console.print(run_async(with_platform(settings, go)))
