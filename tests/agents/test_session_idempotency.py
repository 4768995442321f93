"""Durable session-create idempotency (ADR 0309): the same key and request is the same session,
after a restart too (a new platform on the same data dir); another request with the key is
``idempotency_mismatch``; keys are per tenant; racing creates make one session."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from tests.agents.conftest import ALICE, BOB, EVE, settings_for

from nexus.contracts.agents import SessionCreate
from nexus.core.errors import NexusError
from nexus.platform import Platform


async def test_a_key_survives_a_restart_and_refuses_another_body(tmp_path: Path) -> None:
    body = SessionCreate(title="cast notes", project_id="p1")
    first = Platform(settings_for(tmp_path / "data"))
    await first.start_embedded()
    try:
        made, created = await first.agents.create_session_once(ALICE, body, "k-1")
        again, replayed = await first.agents.create_session_once(ALICE, body, "k-1")
        assert created and not replayed and again.session_id == made.session_id
        racing = await asyncio.gather(
            *(first.agents.create_session_once(ALICE, body, "k-race") for _ in range(4))
        )
        assert len({s.session_id for s, _ in racing}) == 1
        assert [c for _, c in racing].count(True) == 1
    finally:
        await first.close()
    second = Platform(settings_for(tmp_path / "data"))
    await second.start_embedded()
    try:
        after, created = await second.agents.create_session_once(ALICE, body, "k-1")
        assert (after.session_id, created) == (made.session_id, False)
        with pytest.raises(NexusError) as err:
            await second.agents.create_session_once(ALICE, SessionCreate(title="other"), "k-1")
        assert err.value.code.value == "idempotency_mismatch"
        with pytest.raises(NexusError) as err:  # another user's replay is another request
            await second.agents.create_session_once(BOB, body, "k-1")
        assert err.value.code.value == "idempotency_mismatch"
        theirs, created = await second.agents.create_session_once(EVE, body, "k-1")
        assert created and theirs.session_id != made.session_id  # keys are per tenant
        plain = await second.agents.create_session(ALICE, body)
        assert plain.session_id != made.session_id
    finally:
        await second.close()
