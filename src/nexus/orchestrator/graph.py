"""Graph mutations inside a transaction: insert nodes, expand children, recount readiness.

Readiness is a counter per job (``deps_done`` of ``deps_total``). Hot-path completions
increment it; any structural change (new nodes, expansion, reset) recounts the affected
jobs from the edges, which is idempotent and so can never double-count.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from sqlalchemy import and_, bindparam, delete, func, insert, literal_column, select, update

from nexus.contracts.errors import ErrorCode
from nexus.contracts.graph import NodeSpec
from nexus.core.db import Conn
from nexus.core.errors import NexusError
from nexus.core.ids import new_id, utcnow
from nexus.core.prepared import Prepared
from nexus.core.registry import Registry
from nexus.orchestrator import readiness, tables
from nexus.orchestrator.rows import DependentRow, FinishedRow, JobRow, RunRef
from nexus.orchestrator.states import JobState

JOBS = tables.JOBS
DEPS = tables.JOB_DEPS
UP = JOBS.alias("up")  # built once: an alias copies every column
R = TypeVar("R", bound=JobRow)


def _job_row(
    run: RunRef,
    spec: NodeSpec,
    registry: Registry,
    *,
    job_id: str,
    topo: int,
    parent_job_id: str | None,
    version: str,
) -> dict[str, Any]:
    skill = registry.skill(spec.skill)
    now = utcnow()
    return {
        "job_id": job_id,
        "run_id": run.run_id,
        "node_key": spec.key,
        "skill": skill.name,
        "skill_version": version,
        "params": spec.params,
        "status": JobState.PENDING.value,
        "attempt": 0,
        "max_attempts": skill.retry.max_attempts,
        "variant": 0,
        "deps_total": 0,
        "deps_done": 0,
        "topo_order": topo,
        "expand": spec.expand,
        "gather": spec.gather,
        "parent_job_id": parent_job_id,
        "requires_approval": spec.requires_approval,
        "resource_class": skill.resource_class,
        "pool": skill.queue_pool,
        "timeout_s": skill.timeout_s,
        "tenant_id": run.tenant_id,
        "project_id": run.project_id,
        "trace_id": run.trace_id,
        "correlation_id": run.correlation_id,
        "version": 1,
        "created_at": now,
        "updated_at": now,
        "cache_hit": False,
        "progress": 0.0,
    }


async def _node_index(conn: Conn, run_id: str) -> dict[str, tuple[str, int]]:
    rows = await conn.execute(
        select(JOBS.c.node_key, JOBS.c.job_id, JOBS.c.topo_order).where(
            JOBS.c.run_id == run_id, JOBS.c.deleted_at.is_(None)
        )
    )
    return {r.node_key: (r.job_id, r.topo_order) for r in rows}


def _edges_for(
    spec: NodeSpec, job_id: str, index: dict[str, tuple[str, int]], run_id: str
) -> list[dict[str, Any]]:
    edges: list[dict[str, Any]] = []
    keys: list[str] = [*spec.after, *([spec.gather] if spec.gather else [])]
    for key in dict.fromkeys(keys):
        if key not in index:
            raise NexusError(
                ErrorCode.CONFIG_INVALID, f"node {spec.key!r} depends on unknown node {key!r}"
            )
        edges.append(
            {"job_id": job_id, "upstream_job_id": index[key][0], "run_id": run_id, "data": True}
        )
    return edges


INSERT_JOBS = Prepared(insert(JOBS))
RUNS = tables.RUNS
READ_PINS = select(RUNS.c.skill_pins).where(RUNS.c.run_id == bindparam("run_id"))


def pins_for(specs: list[NodeSpec], registry: Registry) -> dict[str, str]:
    """A new run's pins: the version this process has of each skill its nodes use."""
    return {s.skill: registry.skill(s.skill).version for s in specs}


async def _pin(
    conn: Conn, run_id: str, specs: list[NodeSpec], registry: Registry
) -> dict[str, str]:
    """The run's pins, extended with the skills of ``specs`` it has not used yet (ADR 0201):
    an expansion runs the versions the run started with, and a skill first used by it is
    pinned at this process's version. Locked only to extend (concurrent expansions)."""
    pins: dict[str, str] = (await conn.execute(READ_PINS, {"run_id": run_id})).scalar() or {}
    if all(s.skill in pins for s in specs):
        return pins
    if conn.dialect.name == "postgresql":
        locked = READ_PINS.with_for_update()
        pins = (await conn.execute(locked, {"run_id": run_id})).scalar() or {}
    merged = {**pins_for([s for s in specs if s.skill not in pins], registry), **pins}
    await conn.execute(update(RUNS).where(RUNS.c.run_id == run_id).values(skill_pins=merged))
    return merged


INSERT_DEPS = Prepared(insert(DEPS))


async def insert_nodes(
    conn: Conn,
    run: RunRef,
    specs: list[NodeSpec],
    registry: Registry,
    *,
    parent_job_id: str | None = None,
    base_topo: int = 0,
    pins: dict[str, str] | None = None,
) -> list[str]:
    """Insert ``specs`` (in dependency order) with their edges; returns the new job ids.
    ``pins``: the run's skill pins when the caller knows them (a new run), else read."""
    if pins is None or any(s.skill not in pins for s in specs):
        pins = await _pin(conn, run.run_id, specs, registry) if specs else {}
    index = await _node_index(conn, run.run_id)
    rows: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    for spec in specs:
        if spec.key in index:
            raise NexusError(ErrorCode.CONFIG_INVALID, f"node key {spec.key!r} is not unique")
        job_id = new_id("job")
        ups = [index[k][1] for k in spec.after if k in index]
        topo = max([base_topo - 1, *ups]) + 1
        node_edges = _edges_for(spec, job_id, index, run.run_id)
        index[spec.key] = (job_id, topo)
        rows.append(
            _job_row(
                run,
                spec,
                registry,
                job_id=job_id,
                topo=topo,
                parent_job_id=parent_job_id,
                version=pins[spec.skill],
            )
        )
        edges.extend(node_edges)
    if rows:
        await conn.execute(INSERT_JOBS, rows)
    if edges:
        await conn.execute(INSERT_DEPS, edges)
    new_ids = [r["job_id"] for r in rows]
    await recount_deps(conn, new_ids)
    return new_ids


async def recount_deps(conn: Conn, job_ids: Iterable[str]) -> None:
    ids = list(job_ids)
    if not ids:
        return
    up = UP
    total = select(func.count()).select_from(DEPS).where(DEPS.c.job_id == JOBS.c.job_id)
    done = (
        select(func.count())
        .select_from(DEPS.join(up, up.c.job_id == DEPS.c.upstream_job_id))
        .where(DEPS.c.job_id == JOBS.c.job_id, up.c.status == JobState.SUCCEEDED.value)
    )
    for chunk in _chunks(ids, 500):
        await conn.execute(
            update(JOBS)
            .where(JOBS.c.job_id.in_(chunk))
            .values(deps_total=total.scalar_subquery(), deps_done=done.scalar_subquery())
        )


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


INCREMENT_DEPENDENTS = Prepared(
    update(JOBS)
    .where(
        JOBS.c.job_id.in_(
            select(DEPS.c.job_id).where(DEPS.c.upstream_job_id == bindparam("upstream_job_id"))
        )
    )
    .values(deps_done=JOBS.c.deps_done + 1)
    .returning(
        *JOBS.c,
        # whether the edge from the finished job carries data (qualified by hand: SQLite
        # renders RETURNING columns unqualified, which the subquery would misread)
        select(DEPS.c.data)
        .where(
            DEPS.c.job_id == literal_column(f"{JOBS.name}.job_id"),
            DEPS.c.upstream_job_id == bindparam("upstream_job_id"),
        )
        .scalar_subquery()
        .label("via_data"),
    )
)


async def increment_dependents(conn: Conn, job_id: str) -> list[DependentRow]:
    """Count one finished upstream for each dependent; returns the dependents' rows."""
    result = await conn.execute(INCREMENT_DEPENDENTS, {"upstream_job_id": job_id})
    return list(result.all())


def satisfied(rows: Iterable[R]) -> list[R]:
    """The rows ``readiness.satisfied`` accepts (pending, live, every dependency done), in
    topological order."""
    return sorted(
        (
            r
            for r in rows
            if readiness.satisfied(r.status, r.deps_done, r.deps_total, r.deleted_at is not None)
        ),
        key=lambda r: (r.topo_order, r.node_key),
    )


async def descendants(conn: Conn, job_id: str) -> list[str]:
    """Every job reachable downstream of ``job_id`` along dependency edges."""
    seed = select(DEPS.c.job_id).where(DEPS.c.upstream_job_id == job_id).cte("desc", recursive=True)
    step = select(DEPS.c.job_id).join(seed, DEPS.c.upstream_job_id == seed.c.job_id)
    tree = seed.union(step)
    return [r[0] for r in await conn.execute(select(tree.c.job_id))]


async def expand(
    conn: Conn,
    run: RunRef,
    parent: FinishedRow,
    specs: list[NodeSpec],
    registry: Registry,
) -> tuple[list[str], list[str]]:
    """Add (or update) the children ``parent``'s expander produced; wire gather nodes.

    Returns (job ids to check for readiness, job ids whose inputs changed and must re-run).
    Children from an earlier expansion are matched by node key: unchanged ones are kept
    (with their committed outputs), changed ones are returned for reset, vanished ones are
    soft-deleted.
    """
    existing = {
        r.node_key: r
        for r in await conn.execute(
            select(JOBS).where(JOBS.c.parent_job_id == parent.job_id, JOBS.c.deleted_at.is_(None))
        )
    }
    fresh = [s for s in specs if s.key not in existing]
    changed = [
        existing[s.key].job_id
        for s in specs
        if s.key in existing
        and (existing[s.key].params != s.params or existing[s.key].skill != s.skill)
    ]
    for spec in specs:
        if spec.key in existing and existing[spec.key].job_id in changed:
            await conn.execute(
                update(JOBS)
                .where(JOBS.c.job_id == existing[spec.key].job_id)
                # a new version: decisions taken on the old params must not land (ADR 0016)
                .values(params=spec.params, version=JOBS.c.version + 1)
            )
    gone = [r.job_id for k, r in existing.items() if k not in {s.key for s in specs}]
    if gone:
        await retire(conn, gone)
    new_ids = await insert_nodes(
        conn, run, fresh, registry, parent_job_id=parent.job_id, base_topo=parent.topo_order + 1
    )
    gathers = [
        r[0]
        for r in await conn.execute(
            select(JOBS.c.job_id).where(
                JOBS.c.run_id == run.run_id,
                JOBS.c.gather == parent.node_key,
                JOBS.c.deleted_at.is_(None),
            )
        )
    ]
    if gathers and new_ids:
        await conn.execute(
            insert(DEPS),
            [
                {"job_id": g, "upstream_job_id": c, "run_id": run.run_id, "data": True}
                for g in gathers
                for c in new_ids
            ],
        )
    await recount_deps(conn, gathers)
    return [*new_ids, *gathers], changed


async def retire(conn: Conn, job_ids: list[str]) -> None:
    now = utcnow()
    await conn.execute(
        delete(DEPS).where((DEPS.c.job_id.in_(job_ids)) | (DEPS.c.upstream_job_id.in_(job_ids)))
    )
    # A soft delete, not a state change: the job keeps its last state in the history.
    await conn.execute(
        update(JOBS)
        .where(JOBS.c.job_id.in_(job_ids))
        .values(deleted_at=now, updated_at=now, version=JOBS.c.version + 1)
    )


SATISFIED_IN_RUN = Prepared(
    select(JOBS).where(
        JOBS.c.run_id == bindparam("run_id"),
        JOBS.c.status == JobState.PENDING.value,
        JOBS.c.deps_done >= JOBS.c.deps_total,
        JOBS.c.deleted_at.is_(None),
    )
)


async def satisfied_among(conn: Conn, run_id: str, job_ids: Iterable[str]) -> list[JobRow]:
    """``satisfied(read_rows(job_ids))`` without reading every row: a new run's thousand
    nodes have a handful of roots."""
    wanted = set(job_ids)
    rows = (await conn.execute(SATISFIED_IN_RUN, {"run_id": run_id})).all()
    return satisfied(r for r in rows if r.job_id in wanted)


async def read_rows(conn: Conn, job_ids: Iterable[str]) -> list[JobRow]:
    ids = list(dict.fromkeys(job_ids))
    found: list[JobRow] = []
    for chunk in _chunks(ids, 500):
        found.extend(await conn.execute(select(JOBS).where(JOBS.c.job_id.in_(chunk))))
    return found


UPSTREAM_KEYS = Prepared(
    select(UP.c.node_key, UP.c.cache_key)
    .select_from(DEPS.join(UP, UP.c.job_id == DEPS.c.upstream_job_id))
    .where(and_(DEPS.c.job_id == bindparam("job_id"), DEPS.c.data.is_(True)))
)


async def upstream_keys(conn: Conn, job_id: str) -> list[tuple[str, str]]:
    rows = await conn.execute(UPSTREAM_KEYS, {"job_id": job_id})
    return [(r.node_key, r.cache_key or "") for r in rows]
