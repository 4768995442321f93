"""Operations endpoints: liveness, readiness (database, storage, broker) and Prometheus."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text

from nexus.gateway import schemas
from nexus.gateway.deps import GatewayDep
from nexus.gateway.state import Gateway
from nexus.observer import exposition

router = APIRouter(tags=["operations"])
CHECK_TIMEOUT_S = 2.0
PROBE_SHA = "0" * 64


async def _check_database(gw: Gateway) -> None:
    async with gw.platform.db.read() as conn:
        await conn.execute(text("SELECT 1"))


async def _check_storage(gw: Gateway) -> None:
    await gw.platform.store.exists(PROBE_SHA)


async def _check_broker(gw: Gateway) -> None:
    # The Broker protocol has no health call yet; adapters that offer ``ping`` are asked.
    ping: Any = getattr(gw.platform.broker, "ping", None)
    if ping is not None:
        await ping()


async def _run_check(name: str, check: Any, gw: Gateway) -> tuple[str, str]:
    try:
        await asyncio.wait_for(check(gw), timeout=CHECK_TIMEOUT_S)
    except Exception as exc:  # noqa: BLE001 - readiness reports any failure as unavailable
        return name, f"unavailable: {type(exc).__name__}"
    return name, "ok"


@router.get("/healthz", response_model=schemas.Health)
async def healthz() -> schemas.Health:
    """Liveness: the process answers."""
    return schemas.Health(status="ok")


@router.get(
    "/readyz", response_model=schemas.Readiness, responses={503: {"model": schemas.Readiness}}
)
async def readyz(gw: GatewayDep) -> JSONResponse:
    """Readiness: the database, the artifact store and the broker are reachable."""
    checks = dict(
        await asyncio.gather(
            _run_check("database", _check_database, gw),
            _run_check("storage", _check_storage, gw),
            _run_check("broker", _check_broker, gw),
        )
    )
    ok = all(v == "ok" for v in checks.values())
    body = schemas.Readiness(status="ok" if ok else "unavailable", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ok else 503)


@router.get("/metrics", response_class=Response, responses={200: {"content": {"text/plain": {}}}})
async def metrics(request: Request, gw: GatewayDep) -> Response:
    """Prometheus exposition of the API process: its catalogue metrics (requests, state
    gauges read from the database at most every few seconds, commands' counters)."""
    gauges = gw.platform.gauges
    await gauges.refresh()
    body = exposition.render("api", request.app.state.metrics.registry, gauges)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
