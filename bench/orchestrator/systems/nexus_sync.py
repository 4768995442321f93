"""Nexus embedded on PostgreSQL with ``database.step_commit = sync``: every step waits for
the WAL flush, as DBOS's steps do. Reported beside the default (async step commits)."""

from __future__ import annotations

from typing import Any

from systems import Target, nexus_embedded

WORKLOADS = ("w1", "w2")
BACKENDS = ("postgres",)


async def measure(workload: str, n: int, target: Target) -> dict[str, Any]:
    return await nexus_embedded.measure(workload, n, target, step_commit="sync")
