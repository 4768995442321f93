"""Cluster-mode processes: ``nexus orchestrator`` and ``nexus worker --pool NAME``.

Both run until SIGTERM/SIGINT and shut down gracefully; any number of each may run on any
machine, sharing one database, broker, cache and object store (selected by settings URLs).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable, Generator
from typing import Annotated, Any

import typer

from nexus.cli.common import console, err_console, report_errors, run_async, settings_from_env
from nexus.contracts.errors import ErrorCode
from nexus.core import telemetry_setup
from nexus.core.errors import NexusError
from nexus.observer import exposition
from nexus.observer.catalogue import Process
from nexus.platform import Platform


@contextlib.contextmanager
def _observed(platform: Platform, process: Process) -> Generator[None]:
    """Tracing (if enabled) and the metrics port (``metrics_port``, 0: none) of a process;
    the spans still buffered are flushed on the way out."""
    settings = platform.settings
    telemetry_setup.configure(settings, process)
    stop: Callable[[], None] | None = None
    extra: list[Any] = []
    if process == "orchestrator":
        platform.gauges.bind_loop(asyncio.get_running_loop())
        extra.append(platform.gauges)
    if settings.metrics_port:
        try:
            pools = {s.queue_pool for s in platform.registry.skills.values()}
            pools |= set(exposition.MODEL_POOLS)
            stop = exposition.serve(process, settings.metrics_port, *extra, pools=sorted(pools))
        except OSError as exc:  # another process of this host has the port: run without
            err_console.print(f"metrics port {settings.metrics_port} unavailable: {exc}")
    try:
        yield
    finally:
        if stop is not None:
            stop()
        telemetry_setup.shutdown()


async def _until_stopped() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


@report_errors
def orchestrator() -> None:
    """Recover runs, reclaim expired leases and relay the outbox (run 1..N replicas)."""
    settings = settings_from_env()

    async def go() -> None:
        platform = Platform(settings)
        with _observed(platform, "orchestrator"):
            try:
                await platform.open()
                await platform.start_orchestrator()
                console.print("orchestrator running; Ctrl-C or SIGTERM stops it")
                await _until_stopped()
            finally:
                await platform.close()

    run_async(go())


@report_errors
def worker(
    pool: Annotated[list[str], typer.Option("--pool", help="Pool(s) to consume, e.g. cpu, gpu.")],
    skills: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated skills this worker must be able to run (checked at start)."
        ),
    ] = None,
    concurrency: Annotated[int | None, typer.Option(help="Parallel jobs.")] = None,
) -> None:
    """Consume jobs of the given pool(s) and run their skills."""
    settings = settings_from_env()
    if concurrency is not None:
        settings.orchestrator.concurrency = concurrency

    async def go() -> None:
        platform = Platform(settings)
        wanted = [s for s in (skills or "").split(",") if s]
        unknown = [s for s in wanted if s not in platform.registry.skills]
        if unknown:
            raise NexusError(ErrorCode.SKILL_NOT_FOUND, f"unknown skills: {', '.join(unknown)}")
        with _observed(platform, "worker"):
            try:
                await platform.open()
                await platform.start_workers(pools=pool)
                console.print(f"worker consuming {', '.join(pool)}")
                await _until_stopped()
            finally:
                await platform.close()

    run_async(go())
