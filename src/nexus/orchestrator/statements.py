"""Prebuilt hot-path statements of the transition layer: guarded updates and the worker's
commit. Shared by ``transitions`` (one statement per write) and ``fused`` (PostgreSQL: several
writes per statement)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, String, bindparam, exists, literal_column, select, update

from nexus.contracts.tasks import ArtifactMeta
from nexus.core.prepared import Prepared
from nexus.orchestrator import tables
from nexus.orchestrator.cachekeys import compute_output_hash
from nexus.orchestrator.states import JobState

JOBS = tables.JOBS
RUNS = tables.RUNS

GUARDED = {"jobs": (JOBS, JOBS.c.job_id), "runs": (RUNS, RUNS.c.run_id)}


@lru_cache(maxsize=256)
def guarded_update(table: str, keys: frozenset[str], unless_cached: bool = False) -> Any:
    """A prebuilt UPDATE of ``keys`` guarded by id, status and version, cached per column set
    (building statements per call costs ~7x; ADR 0004). ``unless_cached``: also only while no
    output is stored under the ``w_cache_key`` parameter (ADR 0015)."""
    target, id_column = GUARDED[table]
    guards = [
        id_column == bindparam("w_id"),
        target.c.status == bindparam("w_status"),
        target.c.version == bindparam("w_version"),
    ]
    if unless_cached:
        outputs = tables.NODE_OUTPUTS
        guards.append(
            ~exists(
                select(outputs.c.cache_key).where(outputs.c.cache_key == bindparam("w_cache_key"))
            )
        )
    return Prepared(update(target).where(*guards).values({k: bindparam(f"v_{k}") for k in keys}))


def guarded_params(
    row_id: str, row: Any, values: dict[str, Any], unless_cached: str | None
) -> dict[str, Any]:
    """The parameters of ``guarded_update``: new values, the guard, the cache key."""
    params = {f"v_{k}": v for k, v in values.items()}
    params.update(w_id=row_id, w_status=row.status, w_version=row.version)
    if unless_cached is not None:
        params["w_cache_key"] = unless_cached
    return params


@dataclass(frozen=True)
class OutputRow:
    """What a commit stores in ``node_outputs`` besides the job's own columns."""

    output: dict[str, Any]
    output_hash: str
    artifacts: list[dict[str, Any]]

    @classmethod
    def of(cls, output: dict[str, Any], artifacts: list[ArtifactMeta]) -> OutputRow:
        metas = [a.model_dump(mode="json") for a in artifacts]
        return cls(output, compute_output_hash(output), metas)


def _of_run(column: Any, label: str) -> Any:
    # Qualified by hand: in RETURNING, SQLite renders the target's columns unqualified, which
    # inside the subquery would resolve to runs.run_id.
    owner = literal_column(f"{JOBS.name}.run_id", String())
    return select(column).where(RUNS.c.run_id == owner).scalar_subquery().label(label)


# What the rest of a commit reads of the finished job (events, output, advance, expansion).
FINISHED_COLUMNS = (
    "job_id",
    "run_id",
    "node_key",
    "skill",
    "params",
    "expand",
    "gather",
    "cache_key",
    "tenant_id",
    "project_id",
    "trace_id",
    "correlation_id",
    "topo_order",
)
# RUNNING -> SUCCEEDED of the claimed attempt in one statement, returning the job row with
# its run's state and params (what the hot path reads about the run).
# RUNNING -> SUCCEEDED of the claimed attempt: the guard and the new values.
SUCCEED_GUARD = (
    JOBS.c.job_id == bindparam("b_job_id"),
    JOBS.c.status == JobState.RUNNING.value,
    JOBS.c.attempt == bindparam("b_attempt"),
)
SUCCEED_VALUES: dict[str, Any] = {
    "status": JobState.SUCCEEDED.value,
    "version": JOBS.c.version + 1,
    "updated_at": bindparam("b_now"),
    "finished_at": bindparam("b_now"),
    "lease_owner": None,
    "lease_expires_at": None,
    "progress": 1.0,
}
# The commit in one statement, returning the job row with its run's state and params (what
# the hot path reads about the run).
_SUCCEED_RETURNS: list[ColumnElement[Any]] = [
    *(JOBS.c[name] for name in FINISHED_COLUMNS),
    _of_run(RUNS.c.status, "run_status"),
    _of_run(RUNS.c.params, "run_params"),
]
SUCCEED_CLAIMED = Prepared(
    update(JOBS).where(*SUCCEED_GUARD).values(SUCCEED_VALUES).returning(*_SUCCEED_RETURNS)
)
