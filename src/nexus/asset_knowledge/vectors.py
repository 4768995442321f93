"""The vector index interface and its embedded backend, sqlite-vec in its own SQLite file
through apsw (Python's sqlite3 here cannot load extensions; ADR 0232).

One table per embedding model (dimensions differ between models; vectors of two models are
never compared), partitioned by tenant and project. The index is derived: every vector is
also in ``asset_chunks``, and ``rebuild`` restores the index from there.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import apsw
import numpy as np
import numpy.typing as npt
import sqlite_vec

from nexus.core.ids import sha256_hex

Vector = npt.NDArray[np.float32]


@dataclass(frozen=True)
class VectorRow:
    chunk_id: str
    tenant_id: str
    project_id: str
    vector: Vector


def model_key(model: str) -> str:
    """A table-name-safe key of an embedding model id."""
    return sha256_hex(model)[:16]


class VectorIndex(Protocol):
    async def upsert(self, model: str, rows: Sequence[VectorRow]) -> None: ...

    async def delete(self, model: str, chunk_ids: Sequence[str]) -> None: ...

    async def search(
        self,
        model: str,
        tenant_id: str,
        project_id: str,
        vector: Vector,
        k: int,
        allowed: Sequence[str] | None = None,
    ) -> list[tuple[str, float]]:
        """Nearest chunks as (chunk_id, cosine similarity), best first; exact over
        ``allowed`` when given (filters apply before ranking)."""
        ...

    async def count(self, model: str) -> int: ...

    async def close(self) -> None: ...


class SqliteVecIndex:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: apsw.Connection | None = None
        self._tables: set[str] = set()

    @property
    def conn(self) -> apsw.Connection:
        """Opened on first use: most processes of the platform never search assets."""
        if self._conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = apsw.Connection(str(self.path))
            conn.enable_load_extension(True)
            conn.load_extension(sqlite_vec.loadable_path())
            conn.enable_load_extension(False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA busy_timeout=5000")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS vec_keys (rowid INTEGER PRIMARY KEY,"
                " chunk_id TEXT NOT NULL, model TEXT NOT NULL, UNIQUE (model, chunk_id))"
            )
            self._conn = conn
        return self._conn

    def _table(self, model: str, dims: int | None) -> str | None:
        name = f"vec_{model_key(model)}"
        if name in self._tables:
            return name
        exists = self.conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (name,)).fetchone()
        if exists is None:
            if dims is None:
                return None
            self.conn.execute(
                f"CREATE VIRTUAL TABLE {name} USING vec0(scope TEXT PARTITION KEY,"
                f" embedding float[{int(dims)}] distance_metric=cosine)"
            )
        self._tables.add(name)
        return name

    async def upsert(self, model: str, rows: Sequence[VectorRow]) -> None:
        if not rows:
            return
        table = self._table(model, len(rows[0].vector))
        with self.conn:  # one transaction
            for row in rows:
                self._delete_one(table, model, row.chunk_id)
                self.conn.execute(
                    "INSERT INTO vec_keys (chunk_id, model) VALUES (?, ?)", (row.chunk_id, model)
                )
                rowid = self.conn.last_insert_rowid()
                self.conn.execute(
                    f"INSERT INTO {table} (rowid, scope, embedding) VALUES (?, ?, ?)",
                    (rowid, _scope(row.tenant_id, row.project_id), _blob(row.vector)),
                )

    def _delete_one(self, table: str | None, model: str, chunk_id: str) -> None:
        found = self.conn.execute(
            "SELECT rowid FROM vec_keys WHERE model = ? AND chunk_id = ?", (model, chunk_id)
        ).fetchone()
        if found is None:
            return
        if table is not None:
            self.conn.execute(f"DELETE FROM {table} WHERE rowid = ?", (found[0],))
        self.conn.execute("DELETE FROM vec_keys WHERE rowid = ?", (found[0],))

    async def delete(self, model: str, chunk_ids: Sequence[str]) -> None:
        table = self._table(model, None)
        with self.conn:
            for chunk_id in chunk_ids:
                self._delete_one(table, model, chunk_id)

    async def search(
        self,
        model: str,
        tenant_id: str,
        project_id: str,
        vector: Vector,
        k: int,
        allowed: Sequence[str] | None = None,
    ) -> list[tuple[str, float]]:
        table = self._table(model, None)
        if table is None or k <= 0 or (allowed is not None and not allowed):
            return []
        sql = (
            f"SELECT k.chunk_id, v.distance FROM {table} v JOIN vec_keys k ON k.rowid = v.rowid"
            " WHERE v.embedding MATCH ? AND v.k = ? AND v.scope = ?"
        )
        params: list[object] = [_blob(vector), k, _scope(tenant_id, project_id)]
        if allowed is not None:
            sql += (
                " AND v.rowid IN (SELECT a.rowid FROM vec_keys a JOIN json_each(?) j"
                " ON a.chunk_id = j.value WHERE a.model = ?)"
            )
            params += [json.dumps(list(allowed)), model]
        rows = self.conn.execute(sql, params).fetchall()
        found = [(str(chunk_id), 1.0 - float(str(distance))) for chunk_id, distance in rows]
        return sorted(found, key=lambda hit: (-round(hit[1], 6), hit[0]))

    async def count(self, model: str) -> int:
        row = self.conn.execute(
            "SELECT count(*) FROM vec_keys WHERE model = ?", (model,)
        ).fetchone()
        return 0 if row is None else int(str(row[0]))

    async def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _scope(tenant_id: str, project_id: str) -> str:
    return f"{tenant_id}/{project_id}"


def _blob(vector: Vector) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()
