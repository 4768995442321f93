"""``nexus contracts export``: write the JSON Schemas of the shared contracts to docs/contracts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import BaseModel

from nexus.cli.common import console, report_errors
from nexus.contracts import (
    assets,
    base,
    events,
    governance,
    graph,
    observe,
    router,
    studio,
    tasks,
)
from nexus.contracts.errors import REGISTRY

contracts_app = typer.Typer(help="The shared wire contracts.", no_args_is_help=True)

MODELS: dict[str, type[BaseModel]] = {
    "TaskSpec": tasks.TaskSpec,
    "DispatchDecision": tasks.DispatchDecision,
    "ArtifactMeta": tasks.ArtifactMeta,
    "WorkerResult": tasks.WorkerResult,
    "Claim": tasks.Claim,
    "EventEnvelope": events.EventEnvelope,
    "EntityPack": studio.EntityPack,
    "AssetCandidate": studio.AssetCandidate,
    "Asset": assets.Asset,
    "AssetSearchResult": assets.AssetSearchResult,
    "ShotPlan": studio.ShotPlan,
    "TimelinePlan": studio.TimelinePlan,
    "NodeSpec": graph.NodeSpec,
    "RecordFields": base.RecordFields,
    "Spend": router.Spend,
    "CallScope": router.CallScope,
    "ProviderCall": router.ProviderCall,
    "SkillSpec": governance.SkillSpec,
    "PolicyInput": governance.PolicyInput,
    "PolicyDecision": governance.PolicyDecision,
    "SlaReport": observe.SlaReport,
    "AlertEvent": observe.AlertEvent,
    "RunExplanation": observe.RunExplanation,
}
DEFAULT_DIR = Path("docs/contracts")


def render_schemas() -> dict[str, str]:
    """File name -> JSON text, deterministic (sorted keys, trailing newline)."""
    files = {
        f"{name}.schema.json": _dump(model.model_json_schema()) for name, model in MODELS.items()
    }
    files["ErrorCode.json"] = _dump(
        {
            code.value: {
                "http_status": spec.http_status,
                "retryable": spec.retryable,
                "message": spec.message,
            }
            for code, spec in REGISTRY.items()
        }
    )
    return files


def _dump(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@contracts_app.command("export")
@report_errors
def export(
    out: Annotated[Path, typer.Option(help="Target folder.")] = DEFAULT_DIR,
    check: Annotated[bool, typer.Option(help="Only report stale files.")] = False,
) -> None:
    """Write (or with --check, verify) docs/contracts/*.json."""
    files = render_schemas()
    stale = [
        n
        for n, text in files.items()
        if not (out / n).is_file() or (out / n).read_text(encoding="utf-8") != text
    ]
    if check:
        if stale:
            console.print(f"stale: {', '.join(stale)} (run: nexus contracts export)")
            raise typer.Exit(1)
        console.print("contracts are current")
        return
    out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (out / name).write_text(text, encoding="utf-8")
    console.print(f"wrote {len(files)} files to {out}")
