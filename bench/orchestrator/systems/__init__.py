"""Adapters: one module per system under test, all with the same small surface.

An adapter module defines ``WORKLOADS`` (names it can run), ``BACKENDS`` (database engines
it supports) and ``async def measure(workload, n, target) -> dict`` returning at least
``wall_s`` (submit to result) and ``steps``. Cluster mode adds adapters here (nexus-cluster,
celery) and workloads (w5) without touching the driver.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

ADAPTERS = {
    "nexus": "systems.nexus_embedded",
    "nexus-sync": "systems.nexus_sync",
    "dbos": "systems.dbos_peer",
}

WORKLOAD_TITLES = {
    "w1": "W1 chain",
    "w2": "W2 fan-out+in",
    "w2g": "W2 gather (1 wf)",
    "w6": "W6 regenerate",
}


@dataclass(frozen=True)
class Target:
    """Where one measurement runs: a fresh SQLite directory or a fresh PostgreSQL database."""

    backend: str
    workdir: Path
    pg_db: str | None = None


def load_adapter(system: str) -> ModuleType:
    # Imported lazily so a child process loads only the system it measures (peak RSS).
    return importlib.import_module(ADAPTERS[system])
