"""Apply the Alembic history (all module branches) to a database: ``nexus migrate``.

Every embedded start-up calls ``migrate``; the up-to-date check reads the revision files
with a small parser and the database's ``alembic_version`` table, so Alembic itself (about
a second of imports) loads only when there is something to apply.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATION_LOCK = 7_274_101
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def _assigned(tree: ast.Module, name: str) -> Any:
    for node in tree.body:
        if isinstance(node, ast.AnnAssign):
            target, value = node.target, node.value
        elif isinstance(node, ast.Assign):
            target, value = node.targets[0], node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id == name and value is not None:
            return ast.literal_eval(value)
    return None


def expected_heads(versions: Path = MIGRATIONS_DIR / "versions") -> set[str]:
    """Revision ids no other revision builds on, read from the files without Alembic."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in versions.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        revisions.add(str(_assigned(tree, "revision")))
        down = _assigned(tree, "down_revision")
        parents.update([down] if isinstance(down, str) else list(down or ()))
    return revisions - parents


def _current_heads(sync_conn: Any) -> set[str]:
    if not inspect(sync_conn).has_table("alembic_version"):
        return set()
    return {r[0] for r in sync_conn.execute(text("SELECT version_num FROM alembic_version"))}


def alembic_config(url: str = "") -> Any:
    from alembic.config import Config  # noqa: PLC0415 - heavy; only when migrating

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", str(MIGRATIONS_DIR / "versions"))
    if url:
        cfg.set_main_option("sqlalchemy.url", url)
    return cfg


def _upgrade_if_pending(sync_conn: Any) -> bool:
    if _current_heads(sync_conn) == expected_heads():
        return False
    from alembic import command  # noqa: PLC0415 - heavy; only when migrating

    cfg = alembic_config()
    cfg.attributes["connection"] = sync_conn
    command.upgrade(cfg, "heads")
    return True


async def is_current(engine: AsyncEngine) -> bool:
    async with engine.connect() as conn:
        return bool(await conn.run_sync(_current_heads) == expected_heads())


async def migrate(engine: AsyncEngine) -> bool:
    """Upgrade to every head in one transaction. Returns True when something was applied.

    Concurrent callers serialise: SQLite write transactions begin IMMEDIATE, and on
    PostgreSQL a transaction-scoped advisory lock is taken first.
    """
    if await is_current(engine):
        return False
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK})
        return bool(await conn.run_sync(_upgrade_if_pending))
