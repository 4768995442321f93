"""First-run setup for the studio: is an admin needed, and create it (signed in at once).

Only while no user exists at all; afterwards both answer as a configured server would
(``needs_admin: false``; creating answers ``conflict``). ``gateway.first_run_setup=false``
turns it off (then the CLI's ``nexus admin create-user`` is the only way in).
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.gateway import schemas, schemas_studio
from nexus.gateway.deps import GatewayDep, audit
from nexus.gateway.services import accounts, setup

router = APIRouter(prefix="/setup", tags=["auth"])


@router.get("", response_model=schemas_studio.SetupState)
async def read_setup(gw: GatewayDep) -> schemas_studio.SetupState:
    """Whether the server still needs its first admin (the studio then shows the setup form)."""
    if not gw.settings.gateway.first_run_setup:
        return schemas_studio.SetupState(needs_admin=False)
    async with gw.platform.db.read() as conn:
        return schemas_studio.SetupState(needs_admin=await setup.needs_admin(conn))


@router.post("", response_model=schemas.TokenPair, status_code=201)
async def create_admin(
    body: schemas_studio.SetupCreate, request: Request, gw: GatewayDep
) -> schemas.TokenPair:
    """Create the first admin and its tenant, and sign it in. Refused once any user exists."""
    if not gw.settings.gateway.first_run_setup:
        raise NexusError(ErrorCode.FORBIDDEN, "first-run setup is turned off on this server")
    user_id, tenant_id = await setup.create_first_admin(
        gw.platform.db,
        gw.passwords,
        email=body.email,
        password=body.password,
        display_name=body.display_name,
        tenant_slug=body.tenant,
    )
    await audit(
        request,
        "setup.admin_created",
        tenant_id=tenant_id,
        target_type="user",
        target_id=user_id,
        detail={"user_id": user_id},
    )
    session = await accounts.login(gw, body.email, body.password, body.tenant)
    return schemas.TokenPair(
        access_token=session.access_token,
        refresh_token=session.refresh_token,
        expires_in=session.expires_in,
        tenant_id=session.tenant_id,
        role="admin",
    )
