"""Autogenerate an Alembic revision for one module's branch.

Usage: uv run python scripts/new_migration.py <branch> "<message>" [--new-branch]

Applies every current head to a scratch SQLite database, then compares it with the tables
in nexus.migrations.metadata, so the revision holds exactly what changed. Review the file.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine

from nexus.core.migrate import alembic_config


def main() -> None:
    branch, message = sys.argv[1], sys.argv[2]
    new_branch = "--new-branch" in sys.argv
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'scratch.db'}"
        engine = create_engine(url)
        with engine.begin() as conn:
            cfg = alembic_config(url)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "heads")
            command.revision(cfg, message=message, autogenerate=True,
                             head="base" if new_branch else f"{branch}@head",
                             branch_label=branch if new_branch else None,
                             rev_id=f"{branch}_{message.replace(' ', '_')[:30]}" if new_branch
                             else None)


if __name__ == "__main__":
    main()
