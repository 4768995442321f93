"""pgvector on this machine's PostgreSQL 15, in a fresh per-test database."""

from __future__ import annotations

import asyncpg
import pytest
from pgvector.asyncpg import register_vector

from .conftest import PgDatabase

pytestmark = pytest.mark.cluster


async def test_vector_extension_and_cosine_query(pg_database: PgDatabase) -> None:
    conn = await asyncpg.connect(pg_database.dsn)
    try:
        await conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        await register_vector(conn)
        await conn.execute("CREATE TABLE passages (passage_id text PRIMARY KEY, v vector(3))")
        await conn.executemany(
            "INSERT INTO passages VALUES ($1, $2)",
            [("east", [1.0, 0.0, 0.0]), ("north", [0.0, 1.0, 0.0]), ("north-east", [1, 1, 0])],
        )
        await conn.execute("CREATE INDEX ON passages USING hnsw (v vector_cosine_ops)")
        rows = await conn.fetch(
            "SELECT passage_id, v <=> $1 AS distance FROM passages ORDER BY v <=> $1 LIMIT 2",
            [0.9, 0.1, 0.0],
        )
        assert [r["passage_id"] for r in rows] == ["east", "north-east"]
        assert rows[0]["distance"] < rows[1]["distance"]
    finally:
        await conn.close()


async def test_each_test_gets_an_empty_database(pg_database: PgDatabase) -> None:
    conn = await asyncpg.connect(pg_database.dsn)
    try:
        assert await conn.fetchval("SELECT current_database()") == pg_database.name
        tables = await conn.fetchval(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        )
        assert tables == 0
    finally:
        await conn.close()
