"""Entity revisions of a studio run: rename, replace aliases, change a voice, merge (ADR 0271).

The run's params gain ``entity_edits`` (earlier entity edits of the parent are kept and an
edit of the same entity is merged into its earlier one); the pipeline applies them when the
plan expands, so only the nodes the entity feeds run again.
"""

from __future__ import annotations

from typing import Any

from nexus.contracts.errors import ErrorCode
from nexus.contracts.studio import EntityEdit, EntityPack
from nexus.core.db import Conn
from nexus.core.errors import NexusError
from nexus.gateway.services import revisions
from nexus.studio.revisions import check_entity_edits, edit_pack


def _edits_of(params: dict[str, Any]) -> dict[str, EntityEdit]:
    return {k: EntityEdit.model_validate(v) for k, v in (params.get("entity_edits") or {}).items()}


async def plan_revision(
    conn: Conn, run: Any, entity_id: str, edit: EntityEdit
) -> tuple[dict[str, Any], list[str]]:
    """(the revision's params, the node keys it re-runs)."""
    revisions.require_studio(run)
    output = await revisions.plan_output(conn, run.run_id)
    pack = EntityPack.model_validate(output["pack"])
    earlier = _edits_of(run.params)
    current = edit_pack(pack, earlier)
    ids = {e.entity_id for e in [*current.characters, *current.places, *current.props]}
    if entity_id not in ids:
        raise NexusError(ErrorCode.NOT_FOUND, f"entity {entity_id!r} does not exist in this run")
    if not edit.model_dump(exclude_none=True):
        raise NexusError(
            ErrorCode.VALIDATION_FAILED,
            "an entity edit changes its name, aliases, voice or merges it",
            fields={"body": "empty"},
        )
    merged = {
        **(earlier[entity_id].model_dump(exclude_none=True) if entity_id in earlier else {}),
        **edit.model_dump(exclude_none=True),
    }
    edits = {**earlier, entity_id: EntityEdit.model_validate(merged)}
    check_entity_edits(pack, edits)
    params = {
        **run.params,
        "entity_edits": {k: v.model_dump(mode="json", exclude_none=True) for k, v in edits.items()},
    }
    return params, revisions.predict_rerun(output, run.params, params)


def edited_pack(pack: EntityPack, params: dict[str, Any] | None) -> EntityPack:
    """The pack as a run renders it (its entity edits applied)."""
    edits = _edits_of(params or {})
    return edit_pack(pack, edits) if edits else pack
