"""``nexus admin``: bootstrap users (the first admin) and export the OpenAPI document."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from fastapi import FastAPI

from nexus.cli import members
from nexus.cli.common import console, report_errors, run_async, settings_from_env, with_platform
from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.core.settings import load_settings
from nexus.gateway.app import create_app
from nexus.gateway.openapi import export_openapi
from nexus.gateway.security import ROLES, Passwords
from nexus.gateway.services import accounts
from nexus.platform import Platform

admin_app = typer.Typer(help="Administration: users and the API document.", no_args_is_help=True)
admin_app.command("member")(members.member)
DEFAULT_OPENAPI = Path("docs/openapi.json")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    if not password:
        raise NexusError(ErrorCode.VALIDATION_FAILED, "the password is empty")
    return password


@admin_app.command("create-user")
@report_errors
def create_user(
    email: Annotated[str, typer.Option(help="The user's email (their login).")],
    tenant: Annotated[str, typer.Option(help="Tenant slug; created if missing.")] = "default",
    role: Annotated[str, typer.Option(help=f"One of {', '.join(ROLES)}.")] = "viewer",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin.")
    ] = False,
    display_name: Annotated[str, typer.Option()] = "",
) -> None:
    """Create a user in a tenant (e.g. the first admin). There are no default passwords."""
    settings = settings_from_env()
    password = _read_password(password_stdin)

    async def go(platform: Platform) -> tuple[str, str]:
        return await accounts.create_user(
            platform.db,
            Passwords(),
            email=email,
            password=password,
            role=role,
            tenant_slug=tenant,
            display_name=display_name,
        )

    user_id, tenant_id = run_async(with_platform(settings, go))
    console.print(f"created {role} {email} ({user_id}) in tenant {tenant} ({tenant_id})")


def document_app() -> FastAPI:
    """An app built only to render its document: never started, no data written."""
    data_dir = Path(tempfile.mkdtemp(prefix="nexus-openapi-"))
    settings = load_settings(env="test", data_dir=data_dir, gateway={"jwt_secret": "x" * 32})
    return create_app(settings, mode="api")


@admin_app.command("export-openapi")
@report_errors
def export_openapi_document(
    out: Annotated[Path, typer.Option(help="Where to write the document.")] = DEFAULT_OPENAPI,
    check: Annotated[
        bool, typer.Option("--check", help="Fail if the file is stale; write nothing.")
    ] = False,
) -> None:
    """Write the OpenAPI document of the gateway (``docs/openapi.json``)."""
    app = document_app()
    if check:
        current = out.read_text() if out.exists() else ""
        tmp = out.with_suffix(".check.json")
        export_openapi(app, tmp)
        fresh = tmp.read_text()
        tmp.unlink()
        if fresh != current:
            raise NexusError(ErrorCode.CONFLICT, f"{out} is stale: run nexus admin export-openapi")
        console.print(f"{out} is current")
        return
    changed = export_openapi(app, out)
    console.print(f"wrote {out}" if changed else f"{out} is current")
