"""Versioned per-tenant policies: validate, store a new version, read the current one and
the history. A version takes effect only once it compiles and passes its own test cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from pydantic import ValidationError
from sqlalchemy import Table, func, insert, select
from sqlalchemy.exc import IntegrityError

from nexus.contracts.errors import ErrorCode
from nexus.contracts.governance import PolicyInput
from nexus.core.db import Conn
from nexus.core.errors import NexusError
from nexus.core.ids import utcnow
from nexus.governance import tables
from nexus.governance.engine import CompiledPolicy, compile_policy

POLICIES = cast(Table, tables.PolicyVersion.__table__)
MAX_SOURCE = 64 * 1024
MAX_TESTS = 500


@dataclass(frozen=True)
class PolicyRecord:
    tenant_id: str
    version: int
    source: str
    package: str
    syntax: str
    tests: list[dict[str, Any]]
    comment: str
    created_by: str | None
    created_at: datetime

    @classmethod
    def of(cls, row: Any) -> PolicyRecord:
        return cls(
            row.tenant_id,
            row.version,
            row.source,
            row.package,
            row.syntax,
            list(row.tests or []),
            row.comment,
            row.created_by,
            row.created_at,
        )


def run_tests(policy: CompiledPolicy, tests: list[dict[str, Any]]) -> list[str]:
    """The failures of ``tests`` (each ``{"input": PolicyInput, "expect": verdict}``)."""
    failures: list[str] = []
    for i, case in enumerate(tests):
        name = str(case.get("name") or f"case {i + 1}")
        try:
            text = PolicyInput.model_validate(case.get("input")).model_dump_json()
        except ValidationError as exc:
            failures.append(f"{name}: input is not a PolicyInput: {exc.errors()[0]['msg']}")
            continue
        decision = policy.evaluate_json(text)
        if decision.verdict != case.get("expect"):
            failures.append(
                f"{name}: expected {case.get('expect')}, got {decision.verdict}"
                + (f" ({'; '.join(decision.reasons)})" if decision.reasons else "")
            )
    return failures


def validate(source: str, tests: list[dict[str, Any]], version: int = 0) -> CompiledPolicy:
    """Compiled ``source`` if it compiles and passes ``tests``; else ``policy_invalid``."""
    if not source.strip() or len(source) > MAX_SOURCE:
        raise NexusError(ErrorCode.POLICY_INVALID, f"the policy must be 1..{MAX_SOURCE} chars")
    if len(tests) > MAX_TESTS:
        raise NexusError(ErrorCode.POLICY_INVALID, f"at most {MAX_TESTS} test cases")
    compiled = compile_policy(source, version)
    failures = run_tests(compiled, tests)
    if failures:
        raise NexusError(
            ErrorCode.POLICY_INVALID,
            f"{len(failures)} of {len(tests)} test cases fail: " + " | ".join(failures[:10]),
        )
    return compiled


async def put_policy(
    conn: Conn,
    tenant_id: str,
    source: str,
    *,
    tests: list[dict[str, Any]],
    comment: str = "",
    created_by: str | None = None,
    trace_id: str = "",
) -> tuple[PolicyRecord, CompiledPolicy]:
    """Validate and store the next version (two concurrent PUTs: one gets ``conflict``)."""
    latest = (
        await conn.execute(
            select(func.max(POLICIES.c.version)).where(POLICIES.c.tenant_id == tenant_id)
        )
    ).scalar()
    version = int(latest or 0) + 1
    compiled = validate(source, tests, version)
    now = utcnow()
    row = {
        "tenant_id": tenant_id,
        "version": version,
        "source": source,
        "package": compiled.package,
        "syntax": compiled.syntax,
        "tests": tests,
        "comment": comment[:500],
        "created_by": created_by,
        "trace_id": trace_id,
        "created_at": now,
        "updated_at": now,
        "deleted_at": None,
    }
    try:  # the transaction is lost anyway: the caller's whole PUT fails with ``conflict``
        await conn.execute(insert(POLICIES).values(**row))
    except IntegrityError as exc:
        raise NexusError(ErrorCode.CONFLICT, "another policy version was just written") from exc
    return PolicyRecord.of(type("Row", (), row)), compiled


async def current_policy(conn: Conn, tenant_id: str) -> PolicyRecord | None:
    row = (
        await conn.execute(
            select(POLICIES)
            .where(POLICIES.c.tenant_id == tenant_id, POLICIES.c.deleted_at.is_(None))
            .order_by(POLICIES.c.version.desc())
            .limit(1)
        )
    ).first()
    return PolicyRecord.of(row) if row is not None else None


async def policy_history(conn: Conn, tenant_id: str, limit: int = 100) -> list[PolicyRecord]:
    rows = await conn.execute(
        select(POLICIES)
        .where(POLICIES.c.tenant_id == tenant_id)
        .order_by(POLICIES.c.version.desc())
        .limit(limit)
    )
    return [PolicyRecord.of(r) for r in rows]


async def current_versions(conn: Conn) -> dict[str, int]:
    """Every tenant's current version number (what a refresh compares against)."""
    rows = await conn.execute(
        select(POLICIES.c.tenant_id, func.max(POLICIES.c.version))
        .where(POLICIES.c.deleted_at.is_(None))
        .group_by(POLICIES.c.tenant_id)
    )
    return {str(t): int(v) for t, v in rows.all()}
