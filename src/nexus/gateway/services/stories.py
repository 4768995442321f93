"""Stories: a project's story texts, typed or uploaded (.txt / .md), validated on the way in."""

from __future__ import annotations

import re
from typing import Any, cast

from sqlalchemy import Table, insert, select, update

from nexus.contracts.errors import ErrorCode
from nexus.core.db import Conn, Database
from nexus.core.errors import NexusError
from nexus.core.ids import new_id, sha256_hex, utcnow
from nexus.gateway import tables
from nexus.gateway.schemas import STORY_TEXT_PATTERN
from nexus.gateway.services.projects import read_project
from nexus.planner.ingest import decode_story, normalise_text
from nexus.planner.text import detect_language

STORIES = cast(Table, tables.Story.__table__)
SUMMARY = [c for c in STORIES.c if c.name != "text"]
# A file without an extension is read as plain text.
UPLOAD_FORMATS = {"": "txt", ".txt": "txt", ".md": "md", ".markdown": "md"}
_TEXT = re.compile(STORY_TEXT_PATTERN)


def format_of_filename(filename: str) -> str:
    suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    try:
        return UPLOAD_FORMATS[suffix]
    except KeyError:
        raise NexusError(
            ErrorCode.VALIDATION_FAILED,
            "upload a .txt or .md file",
            fields={"file": "the file name must end in .txt or .md (or have no extension)"},
        ) from None


def clean_story(raw: bytes, *, max_bytes: int) -> str:
    """Refuse empty, binary, oversized or undecodable input (INPUT_* codes), then normalise.

    Beyond the planner's checks, the text must match the documented ``STORY_TEXT_PATTERN``
    (no control characters, something visible), so uploads and typed text obey one rule."""
    decoded = decode_story(raw, max_bytes=max_bytes)
    if _TEXT.fullmatch(decoded) is None:
        if not normalise_text(decoded).strip():
            raise NexusError(ErrorCode.INPUT_EMPTY)
        raise NexusError(ErrorCode.INPUT_BINARY, "the text contains control characters")
    text = normalise_text(decoded)
    if not text.strip():
        raise NexusError(ErrorCode.INPUT_EMPTY)
    return text


async def create_story(
    db: Database,
    *,
    tenant_id: str,
    project_id: str,
    created_by: str,
    title: str,
    text: str,
    story_format: str,
    trace_id: str,
) -> Any:
    story_id = new_id("sty")
    now = utcnow()
    encoded = text.encode()
    async with db.transaction() as conn:
        await read_project(conn, tenant_id, project_id)
        await conn.execute(
            insert(STORIES).values(
                story_id=story_id,
                tenant_id=tenant_id,
                project_id=project_id,
                title=title,
                format=story_format,
                language=detect_language(text),
                text=text,
                size_bytes=len(encoded),
                sha256=sha256_hex(encoded),
                created_by=created_by,
                trace_id=trace_id,
                correlation_id=story_id,
                version=1,
                created_at=now,
                updated_at=now,
            )
        )
        return await read_story(conn, tenant_id, story_id)


async def read_story(conn: Conn, tenant_id: str, story_id: str) -> Any:
    row = (
        await conn.execute(
            select(STORIES).where(
                STORIES.c.story_id == story_id,
                STORIES.c.tenant_id == tenant_id,
                STORIES.c.deleted_at.is_(None),
            )
        )
    ).first()
    if row is None:
        raise NexusError(ErrorCode.NOT_FOUND, f"story {story_id!r} does not exist")
    return row


async def list_stories(
    conn: Conn, tenant_id: str, project_id: str, *, before: str | None, limit: int
) -> list[Any]:
    await read_project(conn, tenant_id, project_id)
    stmt = select(*SUMMARY).where(
        STORIES.c.tenant_id == tenant_id,
        STORIES.c.project_id == project_id,
        STORIES.c.deleted_at.is_(None),
    )
    if before is not None:
        stmt = stmt.where(STORIES.c.story_id < before)
    return list((await conn.execute(stmt.order_by(STORIES.c.story_id.desc()).limit(limit))).all())


async def delete_story(db: Database, tenant_id: str, story_id: str) -> None:
    async with db.transaction() as conn:
        await read_story(conn, tenant_id, story_id)
        await conn.execute(
            update(STORIES)
            .where(STORIES.c.story_id == story_id)
            .values(deleted_at=utcnow(), updated_at=utcnow())
        )
