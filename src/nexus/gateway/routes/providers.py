"""Model providers: list (any member), add / disable / enable / test (admins of the operator
tenant only: providers serve every tenant).
Credentials are never accepted inline nor returned: only where they are read from."""

from __future__ import annotations

from fastapi import APIRouter, Request

from nexus.core.settings import ProviderSettings
from nexus.gateway.deps import AnyPrincipal, GatewayDep, Operator, audit
from nexus.gateway.state import Gateway
from nexus.model_router import schemas
from nexus.model_router.service import ProviderService

router = APIRouter(prefix="/providers", tags=["providers"])


def _service(gw: Gateway) -> ProviderService:
    return ProviderService(gw.platform.db, gw.platform.models, gw.settings.providers)


@router.get("", response_model=schemas.ProviderPage)
async def list_providers(principal: AnyPrincipal, gw: GatewayDep) -> schemas.ProviderPage:
    """Every provider with its models, prices, circuit state and credential source."""
    return await _service(gw).list_providers()


@router.post("", response_model=schemas.Provider, status_code=201)
async def add_provider(
    body: ProviderSettings, request: Request, principal: Operator, gw: GatewayDep
) -> schemas.Provider:
    """Add a provider; name its key with ``api_key_env`` or ``api_key_file`` (an inline
    ``api_key`` is refused with ``validation_failed``)."""
    view = await _service(gw).add_provider(body.model_dump(mode="python"))
    await audit(
        request,
        "provider.add",
        principal=principal,
        target_type="provider",
        target_id=view.name,
        detail={"kind": view.kind, "base_url": view.base_url},
    )
    return view


@router.post("/{name}/disable", response_model=schemas.Provider)
async def disable_provider(
    name: str, request: Request, principal: Operator, gw: GatewayDep
) -> schemas.Provider:
    """Stop routing to a provider; failover skips it."""
    view = await _service(gw).set_enabled(name, False)
    await audit(
        request, "provider.disable", principal=principal, target_type="provider", target_id=name
    )
    return view


@router.post("/{name}/enable", response_model=schemas.Provider)
async def enable_provider(
    name: str, request: Request, principal: Operator, gw: GatewayDep
) -> schemas.Provider:
    view = await _service(gw).set_enabled(name, True)
    await audit(
        request, "provider.enable", principal=principal, target_type="provider", target_id=name
    )
    return view


@router.post("/{name}/test", response_model=schemas.ProviderProbe)
async def test_provider(name: str, principal: Operator, gw: GatewayDep) -> schemas.ProviderProbe:
    """One cheap, unbilled request to the provider."""
    return await _service(gw).test_provider(name)
