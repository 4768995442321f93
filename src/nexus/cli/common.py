"""Shared CLI plumbing: settings, the embedded platform, error printing, parameter parsing."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncGenerator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.core.logging import configure_logging
from nexus.core.settings import Settings, load_settings
from nexus.platform import Platform

console = Console()
err_console = Console(stderr=True)
P = ParamSpec("P")
T = TypeVar("T")


def settings_from_env() -> Settings:
    settings = load_settings()
    configure_logging(
        settings.log_format, "WARNING" if settings.log_format == "console" else settings.log_level
    )
    return settings


def report_errors(fn: Callable[P, T]) -> Callable[P, T]:
    """Print ``error[code]: explanation`` and exit non-zero instead of a traceback."""

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return fn(*args, **kwargs)
        except NexusError as exc:
            err_console.print(f"[bold red]error\\[{exc.code.value}][/]: {escape(exc.detail)}")
            for field, problem in exc.fields.items():
                err_console.print(f"  {field}: {problem}")
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            err_console.print("interrupted; the run continues where it left off on next start")
            raise typer.Exit(130) from None
        except (typer.Exit, typer.Abort):
            raise
        except Exception as exc:
            err_console.print(
                f"[bold red]error\\[{ErrorCode.INTERNAL.value}][/]: "
                f"{escape(f'{type(exc).__name__}: {exc}')}"
            )
            if "--debug" in sys.argv:
                raise
            raise typer.Exit(1) from None

    return wrapper


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


@asynccontextmanager
async def embedded(settings: Settings, *, workers: bool = True) -> AsyncGenerator[Platform, None]:
    """The platform with (or without) the in-process orchestrator daemon and workers."""
    platform = Platform(settings)
    try:
        if workers:
            await platform.start_embedded()
        else:
            await platform.open()
        yield platform
    finally:
        await platform.close()


def parse_params(pairs: list[str]) -> dict[str, Any]:
    """``k=v`` pairs; values are read as JSON when they parse (numbers, true, null, lists)."""
    params: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise NexusError(
                ErrorCode.VALIDATION_FAILED, f"--param expects key=value, got {pair!r}"
            )
        try:
            params[key] = json.loads(raw)
        except json.JSONDecodeError:
            params[key] = raw
    return params


async def with_platform(
    settings: Settings, fn: Callable[[Platform], Awaitable[T]], *, workers: bool = False
) -> T:
    async with embedded(settings, workers=workers) as platform:
        return await fn(platform)
