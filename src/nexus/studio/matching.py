"""Which library asset stands in for an entity: the queries and the confidence rule (ADR 0240).

Pure functions: the library is asked in ``studio.asset_skills``; here the candidates it
returned are judged. A match needs (1) a fused score of at least ``min_score``, (2) lexical
evidence (matched by keyword, tag or entity, or added for this very entity) when
``require_lexical``, and (3) a lead over the runner-up of ``min_margin`` of its score, or
being the only candidate added for this entity. A pin wins over the rule; a rejected asset
is never used.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from nexus.contracts.base import StrictModel
from nexus.contracts.studio import AssetCandidate, AssetKind, Entity, EntityPack

MUSIC_ENTITY = "music"  # the film's music bed is matched like an entity with this id
RUNNER_UPS = 3
Decision = Literal["matched", "pinned", "unsure", "none"]
Role = Literal["character", "place", "music"]
LEXICAL = {"keyword", "tag", "entity"}


class MatchRule(StrictModel):
    min_score: float = Field(default=0.012, ge=0)
    min_margin: float = Field(default=0.2, ge=0, le=1)
    require_lexical: bool = True
    candidates: int = Field(default=5, ge=2, le=50)


class MatchQuery(StrictModel):
    entity_id: str
    name: str
    role: Role
    kind: AssetKind
    query: str
    names: list[str] = Field(description="The entity's name and aliases, for the entity filter.")


class EntityMatch(StrictModel):
    """The library's answer for one entity: the chosen candidate (or none) and why."""

    entity_id: str
    name: str
    role: Role
    kind: AssetKind
    query: str
    decision: Decision
    reason: str
    chosen: AssetCandidate | None = None
    runner_ups: list[AssetCandidate] = Field(default_factory=list[AssetCandidate])
    rejected: list[str] = Field(default_factory=list, description="Asset ids the user refused.")


def queries_for(pack: EntityPack, mood: str) -> list[MatchQuery]:
    """One query per character (portrait), place (background) and the music mood."""
    out = [_entity_query(e, "character", "portrait") for e in pack.characters]
    out += [_entity_query(e, "place", "background") for e in pack.places]
    out.append(
        MatchQuery(entity_id=MUSIC_ENTITY, name=mood, role="music", kind="music",
                   query=f"{mood} music", names=[])
    )  # fmt: skip
    return out


def _entity_query(e: Entity, role: Literal["character", "place"], kind: AssetKind) -> MatchQuery:
    names = list(dict.fromkeys([e.name, *e.aliases]))
    # Not the role word ("character", "place"): the kind filter already says it, and every
    # background's indexed words include "place", so it would rank every one by keyword and
    # leave no margin between them under rank fusion (ADR 0244).
    words = [*names, e.gender if e.gender != "unknown" else ""]
    return MatchQuery(
        entity_id=e.entity_id, name=e.name, role=role, kind=kind,
        query=" ".join(w for w in words if w), names=names,
    )  # fmt: skip


def _for_entity(c: AssetCandidate, names: list[str]) -> bool:
    wanted = {n.casefold().removeprefix("the ").strip() for n in names}
    return c.entity is not None and c.entity.casefold().removeprefix("the ").strip() in wanted


def decide(
    q: MatchQuery,
    candidates: list[AssetCandidate],
    rule: MatchRule,
    *,
    pinned: AssetCandidate | None = None,
    rejected: list[str] | None = None,
) -> EntityMatch:
    """Apply the pin, the rejections and the confidence rule to one entity's candidates."""
    refused = list(rejected or [])
    seen: set[str] = set()
    ranked: list[AssetCandidate] = []
    for c in sorted(candidates, key=lambda c: -c.score):
        if c.kind == q.kind and c.asset_id not in refused and c.asset_id not in seen:
            seen.add(c.asset_id)
            ranked.append(c)
    if pinned is not None:
        others = [c for c in ranked if c.asset_id != pinned.asset_id][:RUNNER_UPS]
        chosen = pinned.model_copy(update={"why": [*pinned.why, "pinned by the user"]})
        return _result(q, refused, "pinned", "pinned by the user", chosen, others)
    if not ranked:
        return _result(q, refused, "none", "no candidate in the library", None, [])
    top, rest = ranked[0], ranked[1:]
    verdict = judge(q, top, rest[0] if rest else None, rule)
    if verdict is not None:
        return _result(q, refused, "unsure", verdict, None, ranked[:RUNNER_UPS])
    return _result(q, refused, "matched", _why_confident(q, top, rest), top, rest[:RUNNER_UPS])


def _result(
    q: MatchQuery,
    refused: list[str],
    decision: Decision,
    reason: str,
    chosen: AssetCandidate | None,
    runner_ups: list[AssetCandidate],
) -> EntityMatch:
    return EntityMatch(
        entity_id=q.entity_id, name=q.name, role=q.role, kind=q.kind, query=q.query,
        decision=decision, reason=reason, chosen=chosen, runner_ups=runner_ups, rejected=refused,
    )  # fmt: skip


def judge(
    q: MatchQuery, top: AssetCandidate, runner: AssetCandidate | None, rule: MatchRule
) -> str | None:
    """None when ``top`` is a confident match, else the reason it is not."""
    if top.score < rule.min_score:
        return f"best score {top.score:.4f} is under the threshold {rule.min_score:.4f}"
    own = _for_entity(top, q.names)
    lexical = own or bool(LEXICAL.intersection(top.matched_by))
    if rule.require_lexical and not lexical:
        return "the best candidate matched by similarity only (no keyword, tag or entity)"
    if runner is None or (own and not _for_entity(runner, q.names)):
        return None
    margin = (top.score - runner.score) / top.score if top.score > 0 else 0.0
    if margin < rule.min_margin:
        return (
            f"too close to the runner-up {runner.title or runner.asset_id!r}: "
            f"lead {margin:.0%} < {rule.min_margin:.0%}"
        )
    return None


def _why_confident(q: MatchQuery, top: AssetCandidate, rest: list[AssetCandidate]) -> str:
    parts = [f"score {top.score:.4f}"]
    if _for_entity(top, q.names):
        parts.append(f"added for {top.entity!r}")
    if top.matched_by:
        parts.append("matched by " + ", ".join(top.matched_by))
    if rest:
        parts.append(f"lead {(top.score - rest[0].score) / top.score:.0%} over the runner-up")
    return "; ".join(parts)
