"""Small read helpers for orchestrator tests."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from nexus.orchestrator import queries
from nexus.platform import Platform


async def jobs_by_key(platform: Platform, run_id: str) -> dict[str, Any]:
    async with platform.db.read() as conn:
        return {j.node_key: j for j in await queries.list_jobs(conn, run_id)}


async def events(
    platform: Platform, run_id: str, type_: str | None = None, after_id: int = 0
) -> list[Any]:
    async with platform.db.read() as conn:
        rows = await queries.list_events(conn, run_id, after_id=after_id, limit=1_000_000)
    return [e for e in rows if type_ is None or e.type == type_]


def node_counts(rows: list[Any]) -> Counter[str]:
    return Counter(e.payload["node_key"] for e in rows)


def read_log(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
