"""``nexus serve`` (API + orchestrator + workers in one process) and ``nexus api`` (API only)."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from nexus.cli.common import console, report_errors, settings_from_env
from nexus.gateway.app import Mode, create_app

Host = Annotated[str | None, typer.Option(help="Bind address (default: gateway.host).")]
Port = Annotated[int | None, typer.Option(help="Port (default: gateway.port).")]


def run_server(mode: Mode, host: str | None, port: int | None) -> None:
    settings = settings_from_env()
    app = create_app(settings, mode=mode)
    bind_host = host or settings.gateway.host
    bind_port = port or settings.gateway.port
    console.print(f"nexus {mode} listening on http://{bind_host}:{bind_port} (docs at /docs)")
    uvicorn.run(
        app,
        host=bind_host,
        port=bind_port,
        loop="uvloop",
        http="httptools",
        access_log=False,
        log_level="warning",
        server_header=False,
        timeout_graceful_shutdown=5,
    )


@report_errors
def serve(host: Host = None, port: Port = None) -> None:
    """Serve the API with the orchestrator and workers in this process (embedded mode)."""
    run_server("embedded", host, port)


@report_errors
def api(host: Host = None, port: Port = None) -> None:
    """Serve only the API (cluster mode: orchestrator and workers run elsewhere)."""
    run_server("api", host, port)
