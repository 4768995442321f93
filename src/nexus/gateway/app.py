"""The FastAPI app factory: ``create_app(settings, mode=...)``.

``embedded`` (``nexus serve``) runs the API with the orchestrator daemon and workers in this
process; ``api`` (``nexus api``, cluster mode) runs only the API over the shared backends.
The gateway validates, authenticates and rate-limits, then calls Platform commands.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Any, Literal

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from nexus.core import telemetry, telemetry_setup
from nexus.core.settings import Settings
from nexus.gateway import guards, openapi
from nexus.gateway.errors import install_error_handlers
from nexus.gateway.middleware import GatewayMiddleware, Metrics
from nexus.gateway.routes import (
    approvals,
    artifacts,
    assets,
    audit,
    auth,
    budgets,
    entities,
    entity_edits,
    events,
    graph,
    jobs,
    keys,
    members,
    observe,
    ops,
    policies,
    preview,
    projects,
    providers,
    routing,
    run_assets,
    runs,
    sessions,
    setup,
    shots,
    skills,
    stories,
    subtitles,
    traces,
    user_skills,
    waveform,
)
from nexus.gateway.security import Passwords, TokenIssuer, resolve_jwt_secret
from nexus.gateway.state import Gateway
from nexus.gateway.web import install_studio
from nexus.platform import Platform

Mode = Literal["embedded", "api"]
API_PREFIX = "/api/v1"
# Matched in order, one by one: the hottest routes (runs) go first.
RESOURCE_ROUTERS = (
    runs,
    user_skills,
    events,
    jobs,
    artifacts,
    shots,
    graph,
    entities,
    projects,
    preview,
    stories,
    auth,
    setup,
    keys,
    members,
    audit,
    budgets,
    providers,
    routing,
    run_assets,
    observe,
    skills,
    policies,
    approvals,
    assets,
    traces,
    entity_edits,
    subtitles,
    waveform,
    sessions,
)


def build_gateway(settings: Settings, platform: Platform) -> Gateway:
    issuer = TokenIssuer(
        resolve_jwt_secret(settings), access_ttl_s=settings.gateway.access_token_ttl_s
    )
    return Gateway(settings=settings, platform=platform, issuer=issuer, passwords=Passwords())


def create_app(
    settings: Settings, *, mode: Mode = "embedded", platform: Platform | None = None
) -> FastAPI:
    """An app that opens (and on shutdown closes) its Platform; pass ``platform`` to share
    one the caller manages (then the caller opens and closes it)."""
    owned = platform is None
    plat = platform or Platform(settings)
    gateway = build_gateway(settings, plat)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncGenerator[None]:
        if owned:
            await (plat.start_embedded() if mode == "embedded" else plat.open())
        try:
            yield
        finally:
            if owned:
                await plat.close()
            telemetry_setup.flush()

    app = FastAPI(
        title="Nexus API",
        version="1",
        description="Story to narrated, subtitled video: projects, stories, runs, live events.",
        lifespan=lifespan,
    )
    app.state.gateway = gateway
    app.state.metrics = Metrics()
    install_error_handlers(app)
    guards.install(app)  # before the routers: every route, present or future, is guarded
    for module in RESOURCE_ROUTERS:
        app.include_router(module.router, prefix=API_PREFIX)
    app.include_router(ops.router)
    install_studio(app, settings)  # last: its catch-all never shadows an API route
    _install_middleware(app, settings)
    openapi.install(app)
    _install_tracing(app)
    return app


def _install_tracing(app: FastAPI) -> None:
    """The request span of OpenTelemetry's ASGI instrumentation (outermost, so the gateway
    middleware's trace id is the span's): W3C ``traceparent`` in, server span per request."""
    provider = telemetry_setup.provider()
    if not telemetry.ENABLED or provider is None:
        return
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor  # noqa: PLC0415

    FastAPIInstrumentor.instrument_app(
        app, tracer_provider=provider, excluded_urls="/healthz,/readyz,/metrics"
    )


def _install_middleware(app: FastAPI, settings: Settings) -> None:
    origins = settings.gateway.cors_origins
    if origins:  # closed by default: no CORS headers at all unless origins are configured
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=[
                "Authorization",
                "Content-Type",
                "Idempotency-Key",
                "Last-Event-ID",
                "X-API-Key",
                "traceparent",
            ],
            expose_headers=["Idempotent-Replayed", "Retry-After", "X-Trace-Id"],
            max_age=600,
        )
    kwargs: dict[str, Any] = {
        "metrics": app.state.metrics,
        "max_body_bytes": settings.gateway.max_body_bytes,
        "upload_max_bytes": _upload_max_bytes(settings),
    }
    app.add_middleware(GatewayMiddleware, **kwargs)


def _upload_max_bytes(settings: Settings) -> int:
    """An asset upload: the largest file the library accepts, plus multipart framing."""
    a = settings.assets
    return max(a.max_image_bytes, a.max_audio_bytes, a.max_text_bytes) + 64 * 1024
