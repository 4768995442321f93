"""Pin or reject a library asset for one entity: a revision's parameters (ADR 0242).

A pin makes the entity use that asset whatever the rule says; a rejection removes the asset
from the entity's candidates for good (and unpins it); ``clear`` forgets both. The revision
run re-uses every cached node: only the shots showing the entity, the music when the entity
is ``music``, and the composition run again.
"""

from __future__ import annotations

from typing import Any

from nexus.contracts.base import StrictModel
from nexus.contracts.errors import ErrorCode
from nexus.contracts.studio import EntityPack
from nexus.core.errors import NexusError
from nexus.studio.matching import MUSIC_ENTITY


class AssetChoice(StrictModel):
    """Exactly one of: ``asset_id`` (pin), ``reject`` (never use), ``clear`` (forget both)."""

    asset_id: str | None = None
    reject: str | None = None
    clear: bool = False


def entity_ids(pack: EntityPack) -> set[str]:
    return {e.entity_id for e in [*pack.characters, *pack.places]} | {MUSIC_ENTITY}


def resolve_entity(pack: EntityPack, ref: str) -> str:
    """An entity id from its id or (case-insensitive) name or alias; ``music`` for the bed."""
    if ref in entity_ids(pack):
        return ref
    wanted = ref.casefold().removeprefix("the ").strip()
    for e in [*pack.characters, *pack.places]:
        if wanted in {n.casefold().removeprefix("the ").strip() for n in [e.name, *e.aliases]}:
            return e.entity_id
    raise NexusError(ErrorCode.NOT_FOUND, f"no character, place or 'music' called {ref!r}")


def choice_params(
    run_params: dict[str, Any], entity_id: str, choice: AssetChoice
) -> dict[str, Any]:
    """The parent run's params with this entity's pin or rejection changed."""
    picked = [choice.asset_id is not None, choice.reject is not None, choice.clear]
    if sum(picked) != 1:
        raise NexusError(
            ErrorCode.VALIDATION_FAILED, "give exactly one of asset_id, reject or clear"
        )
    pins = dict(run_params.get("asset_pins") or {})
    rejects = {k: list(v) for k, v in (run_params.get("asset_rejects") or {}).items()}
    if choice.asset_id is not None:
        pins[entity_id] = choice.asset_id
        if choice.asset_id in rejects.get(entity_id, []):
            rejects[entity_id].remove(choice.asset_id)
    elif choice.reject is not None:
        refused = rejects.setdefault(entity_id, [])
        if choice.reject not in refused:
            refused.append(choice.reject)
        if pins.get(entity_id) == choice.reject:
            del pins[entity_id]
    else:
        pins.pop(entity_id, None)
        rejects.pop(entity_id, None)
    rejects = {k: v for k, v in rejects.items() if v}
    return {**run_params, "asset_pins": pins, "asset_rejects": rejects}
