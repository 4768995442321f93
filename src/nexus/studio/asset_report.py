"""What ``shots.json`` and ``entities.json`` say about library assets (ADR 0240): per shot
the choice for each character drawn and its place, per entity the chosen asset, all with
scores, reasons and the runner-ups. Without an ``assets`` node nothing is added."""

from __future__ import annotations

from typing import Any

from nexus.contracts.studio import EntityPack, ShotPlan
from nexus.studio.matching import MUSIC_ENTITY, EntityMatch
from nexus.workers.video.shot import cast_of


def summary(m: EntityMatch) -> dict[str, Any]:
    c = m.chosen
    return {
        "entity_id": m.entity_id,
        "name": m.name,
        "role": m.role,
        "decision": m.decision,
        "reason": m.reason,
        "asset_id": c.asset_id if c else None,
        "title": c.title if c else None,
        "sha256": c.sha256 if c else None,
        "score": c.score if c else None,
        "matched_by": list(c.matched_by) if c else [],
        "why": list(c.why) if c else [],
        "runner_ups": [
            {"asset_id": r.asset_id, "title": r.title, "score": r.score} for r in m.runner_ups
        ],
        "rejected": list(m.rejected),
    }


def matches_of(upstream: dict[str, dict[str, Any]]) -> list[EntityMatch] | None:
    raw = upstream.get("assets")
    if raw is None:
        return None
    return [EntityMatch.model_validate(m) for m in raw.get("matches", [])]


def shot_rows(
    shots: list[ShotPlan], pack: EntityPack, matches: list[EntityMatch] | None
) -> list[dict[str, Any]]:
    rows = [s.model_dump(mode="json") for s in shots]
    if matches is None:
        return rows
    by_id = {m.entity_id: m for m in matches}
    for row, shot in zip(rows, shots, strict=True):
        ids = [c.entity_id for c in cast_of(shot, pack)] + (
            [shot.place_id] if shot.place_id else []
        )
        row["assets"] = [summary(by_id[e]) for e in ids if e in by_id]
    return rows


def entity_doc(pack: EntityPack, matches: list[EntityMatch] | None) -> dict[str, Any]:
    doc = pack.model_dump(mode="json")
    if matches is None:
        return doc
    by_id = {m.entity_id: m for m in matches}
    for group in ("characters", "places"):
        for entity in doc[group]:
            m = by_id.get(entity["entity_id"])
            entity["asset"] = summary(m) if m else None
    music = by_id.get(MUSIC_ENTITY)
    doc["music"] = summary(music) if music else None
    return doc
