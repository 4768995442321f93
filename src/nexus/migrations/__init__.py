"""The one Alembic migration history; each module's tables live on its own branch label."""
