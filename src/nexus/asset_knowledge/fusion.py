"""Reciprocal rank fusion of the keyword and vector rankings into ``AssetCandidate``s,
with the reasons each one matched (ADR 0234)."""

from __future__ import annotations

from dataclasses import dataclass, field

from nexus.asset_knowledge.terms import terms
from nexus.contracts.assets import Asset
from nexus.contracts.studio import AssetCandidate, MatchMethod


@dataclass
class Ranked:
    """One asset's best chunk in one method's ranking (rank is 1-based, per asset)."""

    rank: int
    score: float
    chunk_id: str
    chunk: str
    matched: tuple[str, ...] = ()


@dataclass
class Evidence:
    keyword: Ranked | None = None
    vector: Ranked | None = None
    why: list[str] = field(default_factory=list[str])


def rrf(evidence: Evidence, k: int) -> float:
    return sum(1.0 / (k + r.rank) for r in (evidence.keyword, evidence.vector) if r is not None)


def candidate(
    asset: Asset, ev: Evidence, *, k: int, query_terms: list[str], entity: str | None
) -> AssetCandidate:
    matched_by: list[MatchMethod] = []
    why = list(ev.why)
    if ev.keyword is not None:
        matched_by.append("keyword")
        why.append(
            f"keywords {', '.join(ev.keyword.matched)} (BM25 {ev.keyword.score:.2f},"
            f" rank {ev.keyword.rank})"
        )
    if ev.vector is not None:
        matched_by.append("vector")
        why.append(f"similar in meaning (cosine {ev.vector.score:.3f}, rank {ev.vector.rank})")
    wanted = set(query_terms)
    tag_hits = [t for t in asset.tags if wanted & set(terms(t))]
    if tag_hits:
        matched_by.append("tag")
        why.append(f"tagged {', '.join(tag_hits)}")
    if asset.entity and (entity or wanted & set(terms(asset.entity))):
        matched_by.append("entity")
        why.append(f"added for {asset.entity}")
    best = ev.keyword or ev.vector
    return AssetCandidate(
        asset_id=asset.asset_id,
        kind=asset.kind,
        uri=asset.uri,
        score=round(rrf(ev, k), 6),
        matched_by=matched_by,
        title=asset.title,
        sha256=asset.sha256,
        media_type=asset.media_type,
        tags=asset.tags,
        entity=asset.entity,
        keyword_score=None if ev.keyword is None else round(ev.keyword.score, 4),
        vector_score=None if ev.vector is None else round(ev.vector.score, 4),
        keyword_rank=None if ev.keyword is None else ev.keyword.rank,
        vector_rank=None if ev.vector is None else ev.vector.rank,
        why=why,
        chunk=best.chunk if best is not None and asset.kind == "reference-text" else None,
    )
