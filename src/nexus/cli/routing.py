"""``nexus providers route``: a project's routing preferences (embedded: the local project).

nexus providers route                                  # show, with the effective order
nexus providers route --prefer chat=deepseek/deepseek-chat,openai --no-offline
nexus providers route --reset
"""

from __future__ import annotations

from typing import Annotated

import typer

from nexus.cli.common import console, report_errors, run_async, settings_from_env, with_platform
from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.core.settings import CapabilityName
from nexus.model_router import schemas
from nexus.model_router.service import CAPABILITIES, ProviderService
from nexus.platform import Platform

LOCAL_TENANT = "local"


def _prefs(prefer: list[str]) -> dict[CapabilityName, list[str]]:
    out: dict[CapabilityName, list[str]] = {}
    for item in prefer:
        capability, sep, refs = item.partition("=")
        if not sep or capability not in CAPABILITIES or not refs.strip():
            raise NexusError(
                ErrorCode.VALIDATION_FAILED,
                f"--prefer {item!r}: expected CAPABILITY=provider[/model][,...] with a capability "
                f"of {', '.join(CAPABILITIES)}",
            )
        out[capability] = [r.strip() for r in refs.split(",") if r.strip()]
    return out


def print_routing(view: schemas.ProjectRouting) -> None:
    offline = {None: "router default", True: "allowed", False: "not allowed"}
    console.print(f"project {view.project_id} (version {view.version})")
    console.print(f"  offline engines: {offline[view.offline_fallback]}")
    for capability, refs in view.preferences.items():
        console.print(f"  prefers for {capability}: {', '.join(refs)}", markup=False)
    for capability, order in view.effective.items():
        console.print(f"  {capability:<10} -> {' > '.join(order) or 'nothing'}", markup=False)


@report_errors
def route(
    project: Annotated[str, typer.Option(help="Project id.")] = "default",
    prefer: Annotated[
        list[str], typer.Option(help="CAPABILITY=provider[/model],... (repeatable).")
    ] = [],  # noqa: B006
    offline: Annotated[
        bool | None, typer.Option("--offline/--no-offline", help="May the offline engines serve?")
    ] = None,
    reset: Annotated[bool, typer.Option(help="Back to the router's defaults.")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Show or set the project's routing: preferred providers per capability, offline or not."""
    settings = settings_from_env()
    body = None
    if reset:
        body = schemas.ProjectRoutingBody()
    elif prefer or offline is not None:
        body = schemas.ProjectRoutingBody(preferences=_prefs(prefer), offline_fallback=offline)

    async def go(platform: Platform) -> schemas.ProjectRouting:
        service = ProviderService(platform.db, platform.models, settings.providers)
        if body is None:
            return await service.project_routing(LOCAL_TENANT, project)
        return await service.set_project_routing(LOCAL_TENANT, project, body, None)

    view: schemas.ProjectRouting = run_async(with_platform(settings, go))
    if as_json:
        console.print_json(view.model_dump_json())
    else:
        print_routing(view)
