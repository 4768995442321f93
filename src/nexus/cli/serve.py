"""``nexus serve`` (API + orchestrator + workers in one process) and ``nexus api`` (API only),
each in one or more uvicorn worker processes built by an app factory."""

from __future__ import annotations

import os
from typing import Annotated

import typer
import uvicorn
from fastapi import FastAPI

from nexus.cli.common import console, report_errors
from nexus.contracts.errors import ErrorCode
from nexus.core import telemetry_setup
from nexus.core.errors import NexusError
from nexus.core.logging import configure_logging
from nexus.core.settings import Settings, load_settings
from nexus.gateway.app import Mode, create_app

Host = Annotated[str | None, typer.Option(help="Bind address (default: gateway.host).")]
Port = Annotated[int | None, typer.Option(help="Port (default: gateway.port).")]
Workers = Annotated[
    int | None,
    typer.Option(
        min=1,
        help="Worker processes (default: gateway.workers, else 1 for serve and one per core "
        "for api when the cache is shared).",
    ),
]
WORKER_HEALTHCHECK_S = 120
FACTORIES: dict[Mode, str] = {
    "embedded": "nexus.cli.serve:embedded_app",
    "api": "nexus.cli.serve:api_app",
}


def _settings() -> Settings:
    """Servers log at the configured level (request lines are INFO) in either format."""
    settings = load_settings()
    configure_logging(settings.log_format, settings.log_level)
    return settings


def embedded_app() -> FastAPI:
    """uvicorn factory of ``nexus serve``: runs in every worker process."""
    settings = _settings()
    telemetry_setup.configure(settings, "embedded")
    return create_app(settings, mode="embedded")


def api_app() -> FastAPI:
    """uvicorn factory of ``nexus api``: runs in every worker process."""
    settings = _settings()
    telemetry_setup.configure(settings, "api")
    return create_app(settings, mode="api")


def shared_cache(settings: Settings) -> bool:
    return not settings.cache.url.startswith("memory://")


def worker_count(mode: Mode, settings: Settings, requested: int | None) -> int:
    """Several processes must share the cache: revoked sessions, membership versions, rate
    limits and idempotency locks live there (ADR 0153)."""
    chosen = requested or settings.gateway.workers
    if chosen is None:
        many = mode == "api" and shared_cache(settings)
        return (os.cpu_count() or 1) if many else 1
    if chosen > 1 and not shared_cache(settings):
        raise NexusError(
            ErrorCode.CONFIG_INVALID,
            f"{chosen} workers need a shared cache: set NEXUS_CACHE__URL=redis://... "
            "(revoked sessions, membership changes and rate limits must reach every process)",
        )
    return chosen


def run_server(mode: Mode, host: str | None, port: int | None, workers: int | None = None) -> None:
    settings = _settings()
    count = worker_count(mode, settings, workers)
    bind_host = host or settings.gateway.host
    bind_port = port or settings.gateway.port
    console.print(
        f"nexus {mode} listening on http://{bind_host}:{bind_port} with {count} "
        f"worker{'s' if count > 1 else ''} (docs at /docs)"
    )
    uvicorn.run(
        FACTORIES[mode],
        factory=True,
        host=bind_host,
        port=bind_port,
        workers=count,
        loop="uvloop",
        http="httptools",
        access_log=False,  # the gateway writes its own structured request line
        log_level="warning",
        server_header=False,
        timeout_graceful_shutdown=5,
        # A worker answers the supervisor's pings only once Nexus is imported (~2 s idle, much
        # longer on a loaded machine); uvicorn's 5 s default kills and respawns it forever.
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_S,
    )


@report_errors
def serve(host: Host = None, port: Port = None, workers: Workers = None) -> None:
    """Serve the API with the orchestrator and workers in this process (embedded mode)."""
    run_server("embedded", host, port, workers)


@report_errors
def api(host: Host = None, port: Port = None, workers: Workers = None) -> None:
    """Serve only the API (cluster mode: orchestrator and workers run elsewhere)."""
    run_server("api", host, port, workers)
