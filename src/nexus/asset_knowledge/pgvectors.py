"""The cluster backend of the vector index: pgvector on the main PostgreSQL database, one
table per embedding model with an HNSW index (cosine), the extension created on first use
(ADR 0232). Filtered searches scan iteratively so filters never starve the top k."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sqlalchemy import text

from nexus.asset_knowledge.vectors import Vector, VectorRow, model_key
from nexus.core.db import Conn, Database

EF_SEARCH = 200


def _literal(vector: Vector) -> str:
    return "[" + ",".join(f"{float(x):.7g}" for x in np.asarray(vector).ravel()) + "]"


class PgVectorIndex:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._tables: set[str] = set()
        self._extension = False

    async def _table(self, conn: Conn, model: str, dims: int | None) -> str | None:
        name = f"asset_vec_{model_key(model)}"
        if name in self._tables:
            return name
        found = await conn.execute(text("SELECT to_regclass(:n) IS NOT NULL"), {"n": name})
        if not found.scalar():
            if dims is None:
                return None
            if not self._extension:
                await conn.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))
                self._extension = True
            await conn.execute(
                text(
                    f"CREATE TABLE IF NOT EXISTS {name} (chunk_id text PRIMARY KEY,"
                    f" tenant_id text NOT NULL, project_id text NOT NULL,"
                    f" embedding vector({int(dims)}) NOT NULL)"
                )
            )
            await conn.execute(
                text(
                    f"CREATE INDEX IF NOT EXISTS {name}_hnsw ON {name}"
                    " USING hnsw (embedding vector_cosine_ops)"
                )
            )
            await conn.execute(
                text(f"CREATE INDEX IF NOT EXISTS {name}_scope ON {name} (tenant_id, project_id)")
            )
        self._tables.add(name)
        return name

    async def upsert(self, model: str, rows: Sequence[VectorRow]) -> None:
        if not rows:
            return
        async with self.db.transaction() as conn:
            table = await self._table(conn, model, len(rows[0].vector))
            await conn.execute(
                text(
                    f"INSERT INTO {table} (chunk_id, tenant_id, project_id, embedding)"
                    " VALUES (:c, :t, :p, CAST(:v AS vector)) ON CONFLICT (chunk_id) DO UPDATE"
                    " SET embedding = EXCLUDED.embedding"
                ),
                [
                    {"c": r.chunk_id, "t": r.tenant_id, "p": r.project_id, "v": _literal(r.vector)}
                    for r in rows
                ],
            )

    async def delete(self, model: str, chunk_ids: Sequence[str]) -> None:
        async with self.db.transaction() as conn:
            table = await self._table(conn, model, None)
            if table is not None and chunk_ids:
                await conn.execute(
                    text(f"DELETE FROM {table} WHERE chunk_id = ANY(:ids)"),
                    {"ids": list(chunk_ids)},
                )

    async def search(
        self,
        model: str,
        tenant_id: str,
        project_id: str,
        vector: Vector,
        k: int,
        allowed: Sequence[str] | None = None,
    ) -> list[tuple[str, float]]:
        if k <= 0 or (allowed is not None and not allowed):
            return []
        async with self.db.transaction() as conn:
            table = await self._table(conn, model, None)
            if table is None:
                return []
            await conn.execute(text(f"SET LOCAL hnsw.ef_search = {EF_SEARCH}"))
            await conn.execute(text("SET LOCAL hnsw.iterative_scan = strict_order"))
            where = "tenant_id = :t AND project_id = :p"
            params: dict[str, object] = {"t": tenant_id, "p": project_id, "q": _literal(vector)}
            if allowed is not None:
                where += " AND chunk_id = ANY(:ids)"
                params["ids"] = list(allowed)
            rows = await conn.execute(
                text(
                    f"SELECT chunk_id, embedding <=> CAST(:q AS vector) AS distance FROM {table}"
                    f" WHERE {where} ORDER BY embedding <=> CAST(:q AS vector) LIMIT {int(k)}"
                ),
                params,
            )
            found = [(str(r[0]), 1.0 - float(r[1])) for r in rows.all()]
        # The HNSW order is by distance only (a tie-break in SQL would bypass the index).
        return sorted(found, key=lambda hit: (-round(hit[1], 6), hit[0]))

    async def count(self, model: str) -> int:
        async with self.db.read() as conn:
            table = await self._table(conn, model, None)
            if table is None:
                return 0
            return int((await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar() or 0)

    async def close(self) -> None:
        return None
