"""Database access for SQLite (embedded) and PostgreSQL (cluster): engines and transactions.

PostgreSQL goes through asyncpg. SQLite statements run synchronously on the event loop
behind the same async-shaped ``Conn`` interface: a local SQLite statement takes tens of
microseconds, while a hop to aiosqlite's thread costs ~0.25 ms (ADR 0004). Write
transactions on SQLite begin IMMEDIATE (other processes queue on the lock instead of failing
on upgrade) and are serialised in-process by an asyncio lock, so a coroutine never blocks
the loop waiting for a lock another coroutine holds.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Connection, DateTime, MetaData, TypeDecorator, event
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import NullPool

from nexus.core.prepared import Prepared, run_asyncpg, run_sqlite

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them without a zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given; use nexus.core.ids.utcnow()")
        return None if value is None else value.astimezone(UTC)

    def bind_processor(self, dialect: Any) -> Any:
        if dialect.name == "sqlite":
            return _sqlite_text  # SQLite's own format, without its %-formatting cost
        return super().bind_processor(dialect)

    def result_processor(self, dialect: Any, coltype: Any) -> Any:
        if dialect.name == "sqlite":
            return _sqlite_utc  # what SQLite's own regex parser does, ~10x faster
        return super().result_processor(dialect, coltype)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def _sqlite_text(value: datetime | None) -> str | None:
    """'YYYY-MM-DD HH:MM:SS.ffffff' in UTC: the text SQLAlchemy's SQLite DATETIME stores."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime given; use nexus.core.ids.utcnow()")
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _sqlite_utc(value: str | None) -> datetime | None:
    """SQLite stores 'YYYY-MM-DD HH:MM:SS[.ffffff]' in UTC (see ``process_bind_param``)."""
    return None if value is None else datetime.fromisoformat(value).replace(tzinfo=UTC)


class Base(DeclarativeBase):
    """Declarative base for every module's ``tables.py``; one metadata, one migration history."""

    metadata = MetaData(naming_convention=NAMING)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # isolation_level=None hands transaction control to the "begin" hook below.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # NORMAL in WAL mode survives process crashes (SIGKILL); only power loss may drop
    # the last commits. See docs/adr/0004-sqlite-embedded-store.md.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    options = conn.get_execution_options()
    if options.get("nexus_writer", False):
        return  # the writer connection's transactions are begun by Database.transaction
    readonly = options.get("nexus_readonly", False)
    # Straight to the driver: exec_driver_sql costs ~0.1 ms of CPU per transaction.
    conn.connection.dbapi_connection.execute("BEGIN" if readonly else "BEGIN IMMEDIATE")


def create_engine(
    url: str,
    *,
    pool_size: int = 10,
    echo: bool = False,
    synchronous_commit: bool = True,
    generic_plans: bool = False,
) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(
            url, echo=echo, poolclass=NullPool if ":memory:" in url else None
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    settings: dict[str, str] = {}
    if not synchronous_commit:
        settings["synchronous_commit"] = "off"
    if generic_plans:
        # The step statements are key lookups whose plan does not depend on the values;
        # a custom plan per execution costs more planning than executing (ADR 0016).
        settings["plan_cache_mode"] = "force_generic_plan"
    connect_args = {"server_settings": settings} if settings else {}
    return create_async_engine(
        # No pre-ping: on asyncpg it costs three round trips per checkout. A connection that
        # died with the server fails its first statement instead, is invalidated, and the
        # command runs again (nexus.orchestrator.base.is_transient_db_error; ADR 0014).
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=False,
        connect_args=connect_args,
    )


class Conn(Protocol):
    """The connection interface command and query functions use (async or adapted sync)."""

    @property
    def dialect(self) -> Any: ...

    @property
    def info(self) -> dict[Any, Any]: ...

    async def execute(self, statement: Any, parameters: Any = None) -> Any: ...

    async def run_sync(self, fn: Any, *args: Any, **kwargs: Any) -> Any: ...


class SyncConn:
    """A sync SQLAlchemy connection presented with the async API (SQLite only, see above)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self.dialect = conn.dialect
        self.info = conn.info
        self._dbapi: Any = None

    async def execute(self, statement: Any, parameters: Any = None) -> Any:
        if isinstance(statement, Prepared):
            if self._dbapi is None:
                self._dbapi = self._conn.connection.dbapi_connection
            return run_sqlite(self._dbapi, statement, self.dialect, parameters)
        if parameters is None:
            return self._conn.execute(statement)
        return self._conn.execute(statement, parameters)

    async def run_sync(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        return fn(self._conn, *args, **kwargs)


class PgConn:
    """An async SQLAlchemy connection that also runs ``Prepared`` statements on asyncpg.

    The asyncpg connection is the one under the SQLAlchemy transaction; its transaction is
    started the way SQLAlchemy's adapter starts it, so both kinds of statement share it."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn
        self.dialect = conn.dialect
        self.info = conn.info
        self._driver: Any = None

    async def execute(self, statement: Any, parameters: Any = None) -> Any:
        if isinstance(statement, Prepared):
            driver = self._driver or await self._attach()
            try:
                return await run_asyncpg(driver, statement, self.dialect, parameters)
            except Exception:
                if driver.is_closed():  # tell the pool, as SQLAlchemy would for its statements
                    await self._conn.invalidate()
                raise
        if parameters is None:
            return await self._conn.execute(statement)
        return await self._conn.execute(statement, parameters)

    async def run_sync(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        return await self._conn.run_sync(fn, *args, **kwargs)

    async def _attach(self) -> Any:
        raw = await self._conn.get_raw_connection()
        adapter: Any = raw.dbapi_connection
        if self._conn.in_transaction() and adapter._transaction is None:
            await adapter._start_transaction()
        self._driver = raw.driver_connection
        return self._driver


class RawPgConn:
    """A step transaction on PostgreSQL, entirely on the asyncpg connection: the hot path's
    statements are ``Prepared``; anything else is compiled for the call (rare paths only:
    expansion, failure cascades). Saves SQLAlchemy's per-transaction work (~0.3 ms)."""

    def __init__(self, driver: Any, dialect: Any, info: dict[Any, Any]) -> None:
        self._driver = driver
        self.dialect = dialect
        self.info = info

    async def execute(self, statement: Any, parameters: Any = None) -> Any:
        prepared = statement if isinstance(statement, Prepared) else Prepared(statement)
        return await run_asyncpg(self._driver, prepared, self.dialect, parameters)

    async def run_sync(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("step transactions run no SQLAlchemy sync code")


def _sync_sqlite_engine(url: str) -> Engine:
    sync_url = make_url(url).set(drivername="sqlite")
    engine = create_sync_engine(sync_url)
    event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


class Database:
    """An engine plus the one way to open a transaction. Command functions own transactions."""

    def __init__(
        self,
        engine: AsyncEngine,
        step_engine: AsyncEngine | None = None,
        *,
        keep_step_connections: int = 10,
    ) -> None:
        self.engine = engine
        # PostgreSQL only: the connections of the workers' claims and commits, with generic
        # plans (ADR 0016) and, with step_commit = async, commits that do not wait for the
        # WAL flush (settings.database.step_commit; ADR 0014).
        self.step_engine = step_engine or engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        self._write_lock = asyncio.Lock() if self.is_sqlite else None
        self._sync = _sync_sqlite_engine(str(engine.url)) if self.is_sqlite else None
        self._writer: Connection | None = None
        self._idle_step: list[Any] = []  # step connections kept checked out (ADR 0016)
        self._idle_limit = 0 if self.is_sqlite else keep_step_connections

    @classmethod
    def from_url(
        cls, url: str, *, pool_size: int = 10, echo: bool = False, step_commit: str = "sync"
    ) -> Database:
        engine = create_engine(url, pool_size=pool_size, echo=echo)
        step_engine = None
        if engine.dialect.name == "postgresql":
            step_engine = create_engine(
                url,
                pool_size=pool_size,
                echo=echo,
                synchronous_commit=step_commit != "async",
                generic_plans=True,
            )
        return cls(engine, step_engine, keep_step_connections=pool_size)

    @asynccontextmanager
    async def transaction(self, *, step: bool = False) -> AsyncGenerator[Conn, None]:
        """A read-write transaction, committed on success and rolled back on any error.
        ``step``: a worker's claim or commit (see ``step_engine``)."""
        if self._sync is None or self._write_lock is None:
            if step:
                async with self._raw_pg_transaction() as conn:
                    yield conn
                return
            async with self.engine.begin() as conn:
                yield PgConn(conn)
            return
        async with self._write_lock:
            writer = self._sqlite_writer(self._sync)
            raw = writer.connection.dbapi_connection
            assert raw is not None
            raw.execute("BEGIN IMMEDIATE")
            try:
                yield SyncConn(writer)
            except BaseException:
                raw.rollback()
                raise
            raw.commit()

    @asynccontextmanager
    async def _raw_pg_transaction(self) -> AsyncGenerator[Conn, None]:
        raw = await self._step_checkout()
        driver: Any = raw.driver_connection
        failed = True
        try:
            transaction = driver.transaction()
            await transaction.start()
            try:
                yield RawPgConn(driver, self.step_engine.dialect, raw.info)
            except BaseException:
                if not driver.is_closed():
                    await transaction.rollback()
                raise
            await transaction.commit()
            failed = False
        finally:
            self._step_checkin(raw, failed)

    async def _step_checkout(self) -> Any:
        """A step connection: one this process used before, else one from the pool. Kept
        checked out between steps: a pool checkout and return cost ~0.1 ms of CPU per step
        through SQLAlchemy's async adaptation (ADR 0016)."""
        if self._idle_step:
            return self._idle_step.pop()
        return await self.step_engine.raw_connection()

    def _step_checkin(self, raw: Any, failed: bool) -> None:
        # Never keep a connection that is gone, still inside a transaction (a commit or
        # rollback interrupted by cancellation: its next user would nest in it), or that
        # failed (it may be broken in a way the driver has not noticed yet).
        driver: Any = raw.driver_connection
        if failed or driver.is_closed() or driver.is_in_transaction():
            raw.invalidate()
        elif len(self._idle_step) < self._idle_limit:
            self._idle_step.append(raw)
        else:
            raw.close()

    @asynccontextmanager
    async def autocommit(self) -> AsyncGenerator[Conn, None]:
        """PostgreSQL only: a step connection outside any transaction, for a statement that
        is a whole transaction by itself (each statement commits on its own)."""
        if self.is_sqlite:
            raise RuntimeError("autocommit statements are a PostgreSQL path")
        raw = await self._step_checkout()
        failed = True
        try:
            yield RawPgConn(raw.driver_connection, self.step_engine.dialect, raw.info)
            failed = False
        finally:
            self._step_checkin(raw, failed)

    def _sqlite_writer(self, engine: Engine) -> Connection:
        """The one connection SQLite write transactions use (they are serialised anyway by
        the write lock). Kept open and driven at the DB-API level: a pool checkout plus
        SQLAlchemy's begin/commit cost ~0.1 ms per transaction on the hot path (ADR 0014)."""
        if self._writer is None or self._writer.invalidated or self._writer.closed:
            conn = engine.connect()
            conn.execution_options(isolation_level="AUTOCOMMIT", nexus_writer=True)
            self._writer = conn
        return self._writer

    @asynccontextmanager
    async def read(self) -> AsyncGenerator[Conn, None]:
        """A read-only connection (no write lock taken on SQLite)."""
        if self._sync is None:
            async with self.engine.connect() as conn:
                yield PgConn(conn)
            return
        with self._sync.connect() as sync_conn:
            sync_conn.execution_options(nexus_readonly=True)
            yield SyncConn(sync_conn)

    async def dispose(self) -> None:
        while self._idle_step:
            self._idle_step.pop().close()
        await self.engine.dispose()
        if self.step_engine is not self.engine:
            await self.step_engine.dispose()
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self._sync is not None:
            self._sync.dispose()
