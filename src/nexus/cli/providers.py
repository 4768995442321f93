"""``nexus providers list|add|test|disable|enable``: the model-provider registry.

``add`` takes a provider definition (YAML or JSON file, the same shape as an entry of the
settings' ``providers:`` list) or flags for a small one; credentials are named (env var or
secrets file), never passed. Nothing here prints a key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.markup import escape
from rich.table import Table

from nexus.cli.common import console, report_errors, run_async, settings_from_env, with_platform
from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.model_router import schemas
from nexus.model_router.service import ProviderService
from nexus.platform import Platform

providers_app = typer.Typer(help="Model providers: list, add, test, disable, enable.")


def _call(fn: Any) -> Any:
    settings = settings_from_env()

    async def go(platform: Platform) -> Any:
        return await fn(ProviderService(platform.db, platform.models, settings.providers))

    return run_async(with_platform(settings, go))


def _prices(p: dict[str, float]) -> str:
    return ", ".join(f"{k}={v:g}" for k, v in p.items()) or "free"


def print_providers(page: schemas.ProviderPage) -> None:
    table = Table("provider", "kind", "enabled", "circuit", "source", "credential", "models")
    for p in page.items:
        models = "\n".join(
            escape(f"{m.name} [{','.join(m.capabilities)}] pool={m.pool} ({_prices(m.prices)})")
            for m in p.models
        )
        table.add_row(
            p.name,
            p.kind,
            "yes" if p.enabled else "no",
            p.circuit,
            p.source,
            p.credential,
            models,
        )
    console.print(table)


@providers_app.command("list")
@report_errors
def list_providers(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Every provider with its models, prices, circuit state and where its key is read."""
    page: schemas.ProviderPage = _call(lambda s: s.list_providers())
    if as_json:
        console.print_json(page.model_dump_json())
    else:
        print_providers(page)


def _definition(
    name: str | None,
    file: Path | None,
    kind: str | None,
    base_url: str | None,
    api_key_env: str | None,
    model: list[str],
) -> dict[str, Any]:
    if file is not None:
        try:
            loaded: Any = yaml.safe_load(file.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise NexusError(ErrorCode.VALIDATION_FAILED, f"cannot read {file}: {exc}") from exc
        if not isinstance(loaded, dict):
            raise NexusError(ErrorCode.VALIDATION_FAILED, f"{file}: expected one provider mapping")
        return dict(loaded)
    if not (name and kind and base_url):
        raise NexusError(
            ErrorCode.VALIDATION_FAILED, "give --file, or NAME with --kind and --base-url"
        )
    models = []
    for spec in model:
        model_name, _, caps = spec.partition("=")
        models.append({"name": model_name, "capabilities": caps.split(",") if caps else ["chat"]})
    data: dict[str, Any] = {"name": name, "kind": kind, "base_url": base_url, "models": models}
    if api_key_env:
        data["api_key_env"] = api_key_env
    return data


@providers_app.command("add")
@report_errors
def add_provider(
    name: Annotated[str | None, typer.Argument()] = None,
    file: Annotated[Path | None, typer.Option("--file", "-f", help="YAML/JSON definition.")] = None,
    kind: Annotated[str | None, typer.Option(help="openai | comfyui | lipsync_http")] = None,
    base_url: Annotated[str | None, typer.Option()] = None,
    api_key_env: Annotated[str | None, typer.Option(help="Env var holding the key.")] = None,
    model: Annotated[
        list[str],
        typer.Option(
            help="NAME=cap1,cap2 (repeatable), e.g. gpt-4o-mini=chat,json,tools; 'tools': the "
            "model calls tools (agent sessions)."
        ),
    ] = [],  # noqa: B006
) -> None:
    """Add a provider (kept in the database; the settings file is never rewritten)."""
    data = _definition(name, file, kind, base_url, api_key_env, model)
    view: schemas.Provider = _call(lambda s: s.add_provider(data))
    console.print(f"added provider {view.name} ({view.kind}, {len(view.models)} models)")


@providers_app.command("test")
@report_errors
def test_provider(name: str) -> None:
    """One cheap, unbilled request to the provider: does it answer, how fast."""
    result: schemas.ProviderProbe = _call(lambda s: s.test_provider(name))
    if not result.ok:
        console.print(f"error[{result.code}]: {result.detail}", markup=False, highlight=False)
        raise typer.Exit(1)
    console.print(f"{result.provider}: ok, {result.detail} in {result.latency_ms:.0f} ms")
    if result.tool_models:
        console.print(
            f"  tool calling (agent turns): {', '.join(result.tool_models)}", markup=False
        )
    if result.unlisted:
        console.print(
            f"  not in the provider's model list: {', '.join(result.unlisted)}", markup=False
        )


@providers_app.command("disable")
@report_errors
def disable_provider(name: str) -> None:
    """Stop routing to a provider (failover skips it) until ``enable``."""
    _call(lambda s: s.set_enabled(name, False))
    console.print(f"disabled {name}")


@providers_app.command("enable")
@report_errors
def enable_provider(name: str) -> None:
    """Route to a provider again."""
    _call(lambda s: s.set_enabled(name, True))
    console.print(f"enabled {name}")


__all__ = ["providers_app"]
