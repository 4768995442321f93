"""Statements on the library's tables. Query functions take a connection and never commit;
the library's commands own the transactions."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, func, insert, select, update

from nexus.asset_knowledge import tables
from nexus.contracts.assets import Asset
from nexus.contracts.errors import ErrorCode
from nexus.core.db import Conn
from nexus.core.errors import NexusError

A: Table = tables.Asset.__table__  # type: ignore[assignment]
C: Table = tables.AssetChunk.__table__  # type: ignore[assignment]


def to_asset(row: Any) -> Asset:
    facts = json.loads(row.facts or "{}")
    return Asset(
        asset_id=row.asset_id,
        tenant_id=row.tenant_id,
        project_id=row.project_id,
        kind=row.kind,
        title=row.title,
        filename=row.filename,
        sha256=row.sha256,
        media_type=row.media_type,
        size_bytes=row.size_bytes,
        uri=row.uri,
        tags=json.loads(row.tags or "[]"),
        entity=row.entity,
        caption=row.caption,
        chunks=row.chunks,
        embed_model=row.embed_model,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
        deleted_at=row.deleted_at,
        **facts,
    )


async def insert_asset(conn: Conn, values: dict[str, Any], chunks: list[dict[str, Any]]) -> None:
    await conn.execute(insert(A), [values])
    if chunks:
        await conn.execute(insert(C), chunks)


async def find_by_sha(conn: Conn, tenant_id: str, project_id: str, sha256: str) -> Asset | None:
    row = (
        await conn.execute(
            select(A).where(
                A.c.tenant_id == tenant_id,
                A.c.project_id == project_id,
                A.c.sha256 == sha256,
                A.c.deleted_at.is_(None),
            )
        )
    ).first()
    return None if row is None else to_asset(row)


async def read_asset(conn: Conn, tenant_id: str, asset_id: str, *, deleted: bool = False) -> Asset:
    """One asset of the tenant (another tenant's asset does not exist: 404)."""
    query = select(A).where(A.c.tenant_id == tenant_id, A.c.asset_id == asset_id)
    if not deleted:
        query = query.where(A.c.deleted_at.is_(None))
    row = (await conn.execute(query)).first()
    if row is None:
        raise NexusError(ErrorCode.ASSET_NOT_FOUND, f"asset {asset_id!r} does not exist")
    return to_asset(row)


async def list_assets(
    conn: Conn,
    tenant_id: str,
    project_id: str,
    *,
    kind: str | None = None,
    deleted: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Asset], int]:
    where = [A.c.tenant_id == tenant_id, A.c.project_id == project_id]
    if kind:
        where.append(A.c.kind == kind)
    if not deleted:
        where.append(A.c.deleted_at.is_(None))
    total = (await conn.execute(select(func.count()).select_from(A).where(*where))).scalar()
    rows = await conn.execute(
        select(A).where(*where).order_by(A.c.created_at, A.c.asset_id).limit(limit).offset(offset)
    )
    return [to_asset(r) for r in rows], int(total or 0)


async def soft_delete(conn: Conn, tenant_id: str, asset_id: str, now: datetime) -> Asset:
    asset = await read_asset(conn, tenant_id, asset_id)
    await conn.execute(
        update(A)
        .where(A.c.asset_id == asset_id, A.c.deleted_at.is_(None))
        .values(deleted_at=now, updated_at=now, version=A.c.version + 1)
    )
    return asset


async def revision(conn: Conn, tenant_id: str, project_id: str) -> tuple[int, str]:
    """Changes whenever an asset of the project is added or deleted (by any process)."""
    row = (
        await conn.execute(
            select(func.count(), func.max(A.c.updated_at)).where(
                A.c.tenant_id == tenant_id, A.c.project_id == project_id
            )
        )
    ).one()
    return int(row[0] or 0), str(row[1])


async def library_state(conn: Conn, tenant_id: str, project_id: str) -> list[tuple[str, int, str]]:
    """(asset id, version, embedding model) of the project's live assets, by id."""
    rows = await conn.execute(
        select(A.c.asset_id, A.c.version, A.c.embed_model)
        .where(A.c.tenant_id == tenant_id, A.c.project_id == project_id, A.c.deleted_at.is_(None))
        .order_by(A.c.asset_id)
    )
    return [(r.asset_id, int(r.version), r.embed_model or "") for r in rows]


async def live_chunks(conn: Conn, tenant_id: str, project_id: str) -> Sequence[Any]:
    """The project's searchable chunks with their asset's facts, in a stable order."""
    query = (
        select(
            C.c.chunk_id,
            C.c.asset_id,
            C.c.ordinal,
            C.c.text,
            C.c.terms,
            C.c.embed_model,
            C.c.vector,
            A.c.kind,
            A.c.tags,
            A.c.entity,
        )
        .join(A, A.c.asset_id == C.c.asset_id)
        .where(
            C.c.tenant_id == tenant_id,
            C.c.project_id == project_id,
            A.c.deleted_at.is_(None),
        )
        .order_by(C.c.chunk_id)
    )
    return (await conn.execute(query)).all()


async def assets_by_id(conn: Conn, asset_ids: Sequence[str]) -> dict[str, Asset]:
    if not asset_ids:
        return {}
    rows = await conn.execute(select(A).where(A.c.asset_id.in_(list(asset_ids))))
    return {r.asset_id: to_asset(r) for r in rows}


async def cached_vectors(conn: Conn, model: str, text_shas: Sequence[str]) -> dict[str, bytes]:
    """Vectors this model already made for these texts (any project: same text, same vector)."""
    if not text_shas:
        return {}
    rows = await conn.execute(
        select(C.c.text_sha256, C.c.vector).where(
            C.c.embed_model == model, C.c.text_sha256.in_(list(set(text_shas)))
        )
    )
    return {r.text_sha256: r.vector for r in rows if r.vector is not None}


async def chunk_ids_of(conn: Conn, asset_id: str) -> list[tuple[str, str]]:
    rows = await conn.execute(select(C.c.chunk_id, C.c.embed_model).where(C.c.asset_id == asset_id))
    return [(r.chunk_id, r.embed_model) for r in rows]


async def chunks_with_vectors(conn: Conn, model: str) -> Sequence[Any]:
    """Every live chunk this model embedded (for rebuilding the vector index)."""
    query = (
        select(C.c.chunk_id, C.c.tenant_id, C.c.project_id, C.c.vector)
        .join(A, A.c.asset_id == C.c.asset_id)
        .where(C.c.embed_model == model, C.c.vector.is_not(None), A.c.deleted_at.is_(None))
    )
    return (await conn.execute(query)).all()


async def stale_chunks(
    conn: Conn, tenant_id: str, project_id: str | None, model: str
) -> Sequence[Any]:
    """Live chunks embedded by another model (or not at all): the ones to reindex."""
    where = [C.c.tenant_id == tenant_id, C.c.embed_model != model, A.c.deleted_at.is_(None)]
    if project_id is not None:
        where.append(C.c.project_id == project_id)
    query = (
        select(
            C.c.chunk_id,
            C.c.asset_id,
            C.c.tenant_id,
            C.c.project_id,
            C.c.text,
            C.c.text_sha256,
            C.c.embed_model,
        )
        .join(A, A.c.asset_id == C.c.asset_id)
        .where(*where)
    )
    return (await conn.execute(query)).all()


async def set_chunk_vector(conn: Conn, chunk_id: str, model: str, vector: bytes) -> None:
    await conn.execute(
        update(C).where(C.c.chunk_id == chunk_id).values(embed_model=model, vector=vector)
    )


async def set_asset_model(conn: Conn, asset_ids: Sequence[str], model: str, now: datetime) -> None:
    await conn.execute(
        update(A).where(A.c.asset_id.in_(list(asset_ids))).values(embed_model=model, updated_at=now)
    )


async def count_by_kind(conn: Conn, tenant_id: str, project_id: str) -> dict[str, tuple[int, int]]:
    rows = await conn.execute(
        select(A.c.kind, A.c.deleted_at.is_(None).label("live"), func.count())
        .where(A.c.tenant_id == tenant_id, A.c.project_id == project_id)
        .group_by(A.c.kind, A.c.deleted_at.is_(None))
    )
    out: dict[str, tuple[int, int]] = {}
    for kind, live, n in rows:
        live_n, dead_n = out.get(kind, (0, 0))
        out[kind] = (live_n + n, dead_n) if live else (live_n, dead_n + n)
    return out
