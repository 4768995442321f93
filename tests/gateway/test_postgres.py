"""The gateway's own commands on PostgreSQL: users, login, refresh rotation with reuse
detection, API keys, projects and stories (the HTTP suite runs on SQLite)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from nexus.core.errors import NexusError
from nexus.core.settings import load_settings
from nexus.gateway.app import build_gateway
from nexus.gateway.services import accounts, apikeys, projects, stories
from nexus.gateway.state import Gateway
from nexus.platform import Platform
from tests.integration.pg_template import migrated_pg_database

pytestmark = pytest.mark.postgres


@pytest.fixture
async def gw(tmp_path: Path) -> AsyncIterator[Gateway]:
    async with migrated_pg_database() as pg:  # a copy of the migrated template
        settings = load_settings(
            env="test",
            data_dir=tmp_path,
            database={"url": pg.url},
            gateway={"jwt_secret": "p" * 40},
        )
        platform = await Platform(settings).open()
        try:
            yield build_gateway(settings, platform)
        finally:
            await platform.close()


async def test_accounts_keys_projects_on_postgres(gw: Gateway) -> None:
    db = gw.platform.db
    user_id, tenant_id = await accounts.create_user(
        db,
        gw.passwords,
        email="Ann@Example.com",
        password="p" * 12,
        role="admin",
        tenant_slug="acme",
    )
    session = await accounts.login(gw, "ann@example.com", "p" * 12, None)
    assert (session.user_id, session.tenant_id, session.role) == (user_id, tenant_id, "admin")
    rotated = await accounts.refresh_session(gw, session.refresh_token)
    with pytest.raises(accounts.RefreshReused):
        await accounts.refresh_session(gw, session.refresh_token)
    with pytest.raises(NexusError):
        await accounts.refresh_session(gw, rotated.refresh_token)
    row, key = await apikeys.create_key(
        gw,
        tenant_id=tenant_id,
        user_id=user_id,
        role="admin",
        name="k",
        scopes=["runs:read"],
        expires_in_days=1,
    )
    found = await apikeys.authenticate_key(gw, key)
    assert found.key_id == row.key_id and found.scopes == frozenset({"runs:read"})
    project = await projects.create_project(
        db,
        tenant_id=tenant_id,
        created_by=user_id,
        name="p",
        description="",
        settings={},
        trace_id="",
    )
    story = await stories.create_story(
        db,
        tenant_id=tenant_id,
        project_id=project.project_id,
        created_by=user_id,
        title="t",
        text="Hello there.",
        story_format="txt",
        trace_id="",
    )
    async with db.read() as conn:
        assert (await stories.read_story(conn, tenant_id, story.story_id)).language == "en"
        with pytest.raises(NexusError):
            await projects.read_project(conn, "ten_other", project.project_id)
