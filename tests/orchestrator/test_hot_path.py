"""The step hot path (ADR 0014): prepared statements, fused transitions, step commits,
buffers of rolled-back transactions, and run-finished wake-ups. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import bindparam, insert, select, text, update
from sqlalchemy.dialects import sqlite

from nexus.core.db import Database
from nexus.core.prepared import Prepared
from nexus.orchestrator import events as ev
from nexus.orchestrator import tables
from nexus.orchestrator.cachekeys import compute_output_hash
from nexus.orchestrator.states import JobState, RunState
from nexus.orchestrator.transitions import (
    PENDING_EVENTS,
    Move,
    append_events,
    transition_job_chain,
)
from tests.orchestrator.conftest import PlatformFactory
from tests.orchestrator.helpers import events, jobs_by_key

JOBS = tables.JOBS
RUNS = tables.RUNS
OUTPUTS = tables.NODE_OUTPUTS

JOB_BY_ID = Prepared(select(JOBS).where(JOBS.c.job_id == bindparam("job_id")))
LIVE_IN = Prepared(
    select(JOBS.c.node_key)
    .where(JOBS.c.status.in_(["pending", "ready"]), JOBS.c.run_id == bindparam("run_id"))
    .order_by(JOBS.c.node_key)
)
SHOW_SYNC = Prepared(text("SHOW synchronous_commit"))
SET_LEASE = Prepared(
    update(JOBS)
    .where(JOBS.c.job_id == bindparam("b_id"))
    .values(lease_expires_at=bindparam("b_at"), lease_owner=None)
)


async def gated_run(platform: Any) -> tuple[str, dict[str, Any]]:
    """A run whose jobs wait (``gate`` needs approval), so tests can poke at them."""
    run_id, _ = await platform.create_run("gated", {})
    for _ in range(200):
        jobs = await jobs_by_key(platform, run_id)
        if jobs["gate"].status == JobState.AWAITING_APPROVAL.value:
            return run_id, jobs
        await asyncio.sleep(0.02)
    raise AssertionError("gate never held")


class TestPrepared:
    async def test_rows_types_and_baked_values(self, make_platform: PlatformFactory) -> None:
        platform = await make_platform()
        run_id, jobs = await gated_run(platform)
        async with platform.db.read() as conn:
            row = (await conn.execute(JOB_BY_ID, {"job_id": jobs["a"].job_id})).one()
            live = [r.node_key for r in (await conn.execute(LIVE_IN, {"run_id": run_id})).all()]
        # The same row through SQLAlchemy's own execution path: identical values and types.
        async with platform.db.read() as conn:
            plain = (await conn.execute(select(JOBS).where(JOBS.c.job_id == row.job_id))).one()
        assert row._asdict() == plain._asdict()
        assert isinstance(row.params, dict)
        assert row.created_at.tzinfo is not None
        assert live == ["c"]  # IN of a literal list and a bound parameter, in SQL order

    async def test_update_rowcount_defaults_and_datetimes(
        self, make_platform: PlatformFactory
    ) -> None:
        platform = await make_platform()
        _, jobs = await gated_run(platform)
        at = datetime(2031, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
        async with platform.db.transaction() as conn:
            result = await conn.execute(SET_LEASE, {"b_id": jobs["c"].job_id, "b_at": at})
            missing = await conn.execute(SET_LEASE, {"b_id": "job_nope", "b_at": at})
        assert (result.rowcount, missing.rowcount) == (1, 0)
        async with platform.db.read() as conn:
            row = (await conn.execute(JOB_BY_ID, {"job_id": jobs["c"].job_id})).one()
        assert row.lease_expires_at == at
        assert row.updated_at > jobs["c"].updated_at  # the column's on-update default ran

    async def test_insert_fills_column_defaults(self, make_platform: PlatformFactory) -> None:
        platform = await make_platform()
        run_id, _ = await gated_run(platform)
        stmt = Prepared(insert(tables.EVENTS))
        row = {
            "type": "nexus.test.done",
            "run_id": run_id,
            "job_id": None,
            "tenant_id": "t",
            "project_id": "p",
            "payload": {"k": [1, "ü"]},
        }
        async with platform.db.transaction() as conn:
            await conn.execute(stmt, [row, {**row, "type": "nexus.test.again"}])
        found = [e for e in await events(platform, run_id) if e.type.startswith("nexus.test.")]
        assert [e.type for e in found] == ["nexus.test.done", "nexus.test.again"]
        assert found[0].payload == {"k": [1, "ü"]} and found[0].trace_id == ""
        assert abs(found[0].occurred_at - datetime.now(UTC)) < timedelta(minutes=1)

    def test_expanding_parameters_are_refused(self) -> None:
        stmt = Prepared(select(JOBS).where(JOBS.c.job_id.in_(bindparam("ids", expanding=True))))
        with pytest.raises(ValueError, match="expanding"):
            stmt.plan(sqlite.dialect())


class TestTransitionChain:
    async def test_chain_is_one_write_with_an_event_per_move(
        self, make_platform: PlatformFactory
    ) -> None:
        platform = await make_platform(workers=False)
        run_id, _ = await platform.create_run("gated", {})
        jobs = await jobs_by_key(platform, run_id)
        a = jobs["a"]  # ready, dispatched (no worker runs here)
        async with platform.orch.transaction() as conn:
            outcomes, row = await transition_job_chain(
                conn,
                a,
                [
                    Move(JobState.RUNNING, {"attempt": 1, "lease_owner": "t"}, {"attempt": 1}),
                    Move(JobState.SUCCEEDED, {"lease_owner": None}),
                    Move(JobState.RUNNING, {}),  # illegal: the chain stops here
                ],
                run_state=RunState.RUNNING,
            )
        assert [o.accepted for o in outcomes] == [True, True, False]
        after = (await jobs_by_key(platform, run_id))["a"]
        assert (after.status, after.attempt, after.version) == ("succeeded", 1, a.version + 2)
        assert (row.status, row.version) == ("succeeded", a.version + 2)
        kinds = [e.type for e in await events(platform, run_id) if e.job_id == a.job_id]
        assert kinds[-2:] == ["nexus.job.started", "nexus.job.succeeded"]

    async def test_stale_row_writes_nothing(self, make_platform: PlatformFactory) -> None:
        platform = await make_platform(workers=False)
        run_id, _ = await platform.create_run("gated", {})
        a = (await jobs_by_key(platform, run_id))["a"]
        async with platform.orch.transaction() as conn:
            first, _ = await transition_job_chain(
                conn, a, [Move(JobState.RUNNING, {"attempt": 1})], run_state=RunState.RUNNING
            )
        async with platform.orch.transaction() as conn:  # ``a`` is the row before that write
            second, _ = await transition_job_chain(
                conn, a, [Move(JobState.RUNNING, {"attempt": 9})], run_state=RunState.RUNNING
            )
        assert first[0].accepted and not second[0].accepted
        assert second[0].code is not None and second[0].code.value == "conflict"
        assert (await jobs_by_key(platform, run_id))["a"].attempt == 1

    async def test_unless_cached_refuses_while_an_output_is_stored(
        self, make_platform: PlatformFactory
    ) -> None:
        platform = await make_platform(workers=False)
        run_id, _ = await platform.create_run("gated", {})
        a = (await jobs_by_key(platform, run_id))["a"]
        key = "k" * 64
        move = [Move(JobState.RUNNING, {"attempt": 1})]
        async with platform.orch.transaction() as conn:
            await conn.execute(
                insert(OUTPUTS).values(
                    cache_key=key,
                    tenant_id=a.tenant_id,
                    output={"x": 1},
                    output_hash="h",
                    artifacts=[],
                    job_id="elsewhere",
                    attempt=1,
                )
            )
            cached, _ = await transition_job_chain(
                conn, a, move, run_state=RunState.RUNNING, unless_cached=key
            )
        async with platform.orch.transaction() as conn:
            free, _ = await transition_job_chain(
                conn, a, move, run_state=RunState.RUNNING, unless_cached="f" * 64
            )
        assert not cached[0].accepted and free[0].accepted
        after = (await jobs_by_key(platform, run_id))["a"]
        assert (after.status, after.version) == ("running", a.version + 1)

    async def test_buffered_events_precede_the_write_and_survive_its_refusal(
        self, make_platform: PlatformFactory
    ) -> None:
        """On PostgreSQL the buffered events ride in the chain's statement (ADR 0015): they
        are written in order before the chain's own, and even when the guard refuses."""
        platform = await make_platform(workers=False)
        run_id, _ = await platform.create_run("gated", {})
        a = (await jobs_by_key(platform, run_id))["a"]
        async with platform.orch.transaction() as conn:
            await append_events(conn, [ev.job_event(a, "marked", n=1)])
            done, _ = await transition_job_chain(
                conn, a, [Move(JobState.RUNNING, {"attempt": 1})], run_state=RunState.RUNNING
            )
        async with platform.orch.transaction() as conn:  # stale: refused
            await append_events(conn, [ev.job_event(a, "marked", n=2)])
            refused, _ = await transition_job_chain(
                conn, a, [Move(JobState.RUNNING, {"attempt": 9})], run_state=RunState.RUNNING
            )
        assert done[0].accepted and not refused[0].accepted
        mine = [e for e in await events(platform, run_id) if e.job_id == a.job_id]
        tail = [(e.type, e.payload.get("n")) for e in mine][-3:]
        assert tail == [
            ("nexus.job.marked", 1),
            ("nexus.job.started", None),
            ("nexus.job.marked", 2),
        ]
        assert [e.event_id for e in mine] == sorted(e.event_id for e in mine)


class TestCommit:
    """The worker's commit: one statement on PostgreSQL, separate ones on SQLite; the same
    rows either way."""

    async def test_commit_stores_output_and_counts_dependents(
        self, make_platform: PlatformFactory
    ) -> None:
        platform = await make_platform(workers=False)
        run_id, _ = await platform.create_run("gated", {})
        claim = await platform.orch.claim_job(
            (await jobs_by_key(platform, run_id))["a"].job_id, owner="t", lease_s=30
        )
        assert claim is not None
        task = claim.task
        receipt, _ = await platform.orch.complete_job(
            task.job_id, task.attempt, {"v": [1, "x"]}, []
        )
        assert receipt.accepted
        jobs = await jobs_by_key(platform, run_id)
        assert (jobs["a"].status, jobs["a"].lease_owner) == ("succeeded", None)
        assert jobs["gate"].deps_done == 1 and jobs["c"].deps_done == 0
        assert jobs["gate"].status == JobState.AWAITING_APPROVAL.value
        async with platform.db.read() as conn:
            out = (
                await conn.execute(
                    select(OUTPUTS).where(OUTPUTS.c.cache_key == jobs["a"].cache_key)
                )
            ).one()
        assert (out.output, out.artifacts, out.job_id, out.attempt) == (
            {"v": [1, "x"]},
            [],
            task.job_id,
            task.attempt,
        )
        assert out.output_hash == compute_output_hash({"v": [1, "x"]})
        kinds = [e.type for e in await events(platform, run_id)]
        assert kinds.count("nexus.job.succeeded") == 1

    async def test_stale_commit_writes_nothing(self, make_platform: PlatformFactory) -> None:
        platform = await make_platform(workers=False)
        run_id, _ = await platform.create_run("gated", {})
        a = (await jobs_by_key(platform, run_id))["a"]
        claim = await platform.orch.claim_job(a.job_id, owner="t", lease_s=30)
        assert claim is not None
        receipt, _ = await platform.orch.complete_job(
            a.job_id, claim.task.attempt + 1, {"v": 1}, []
        )
        assert not receipt.accepted
        jobs = await jobs_by_key(platform, run_id)
        assert jobs["a"].status == "running" and jobs["gate"].deps_done == 0
        async with platform.db.read() as conn:
            rows = (await conn.execute(select(OUTPUTS).where(OUTPUTS.c.job_id == a.job_id))).all()
        assert rows == []
        assert "nexus.job.succeeded" not in {e.type for e in await events(platform, run_id)}


class TestBuffersAndSignals:
    async def test_rolled_back_events_do_not_leak(self, make_platform: PlatformFactory) -> None:
        platform = await make_platform(workers=False)
        run_id, _ = await platform.create_run("gated", {})
        job = (await jobs_by_key(platform, run_id))["a"]
        marker = ev.job_event(job, "leaked")
        with pytest.raises(RuntimeError):
            async with platform.orch.transaction() as conn:
                await append_events(conn, [marker])
                assert conn.info[PENDING_EVENTS]
                raise RuntimeError("roll back")
        for _ in range(3):  # later transactions, maybe on the same pooled connection
            async with platform.orch.transaction():
                pass
        assert "nexus.job.leaked" not in {e.type for e in await events(platform, run_id)}

    async def test_wait_for_run_wakes_on_the_terminal_commit(
        self, make_platform: PlatformFactory
    ) -> None:
        platform = await make_platform()
        run_id, _ = await platform.create_run("chain", {"n": 3})
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        run = await platform.wait_for_run(run_id, poll_s=30.0)  # a poll would take 30 s
        assert run.status == "succeeded"
        assert loop.time() - t0 < 10.0


@pytest.mark.postgres
class TestStepCommit:
    @pytest.mark.parametrize(("mode", "expected"), [("async", "off"), ("sync", "on")])
    async def test_step_transactions_follow_the_setting(
        self, pg_database: Any, mode: str, expected: str
    ) -> None:
        db = Database.from_url(pg_database.url, step_commit=mode)
        try:
            async with db.transaction(step=True) as conn:
                step = (await conn.execute(SHOW_SYNC)).scalar()
            async with db.transaction() as conn:
                user = (await conn.execute(SHOW_SYNC)).scalar()
        finally:
            await db.dispose()
        assert (step, user) == (expected, "on")


@pytest.mark.postgres
class TestStepTransactionCancelled:
    async def test_no_transaction_is_left_open_in_the_pool(self, pg_database: Any) -> None:
        """A step transaction cancelled mid-statement must not return its connection to the
        pool inside a transaction (its next user would nest in it, holding its locks)."""
        db = Database.from_url(pg_database.url, step_commit="async")
        sleep = Prepared(text("SELECT pg_sleep(5)"))

        async def long_step() -> None:
            async with db.transaction(step=True) as conn:
                await conn.execute(SHOW_SYNC)
                await conn.execute(sleep)

        try:
            task = asyncio.create_task(long_step())
            await asyncio.sleep(0.5)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            for _ in range(3):  # the pool hands out working connections afterwards
                async with db.transaction(step=True) as conn:
                    assert (await conn.execute(SHOW_SYNC)).scalar() == "off"
            open_txns = Prepared(
                text(
                    "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database()"
                    " AND state LIKE 'idle in transaction%'"
                )
            )
            async with db.read() as conn:
                assert (await conn.execute(open_txns)).scalar() == 0
        finally:
            await db.dispose()


@pytest.mark.postgres
class TestKeptStepConnections:
    async def test_reused_between_steps_and_dropped_once_broken(self, pg_database: Any) -> None:
        """Step connections stay checked out between steps (ADR 0016); one whose session
        died fails its step once and is replaced, never handed out again."""
        db = Database.from_url(pg_database.url, step_commit="async")
        pid = Prepared(text("SELECT pg_backend_pid() AS pid"))

        async def step_pid() -> int:
            async with db.transaction(step=True) as conn:
                return int((await conn.execute(pid)).scalar())

        try:
            first = await step_pid()
            assert await step_pid() == first
            async with db.autocommit() as conn:
                assert int((await conn.execute(pid)).scalar()) == first
            async with db.read() as conn:
                await conn.execute(text(f"SELECT pg_terminate_backend({first})"))
            with pytest.raises(Exception):  # noqa: B017 - whichever error the driver raises
                await step_pid()
            replacement = await step_pid()
            assert replacement != first and await step_pid() == replacement
        finally:
            await db.dispose()
