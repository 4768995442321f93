"""Sensitive data is redacted where it must be: always in the audit log's details; in chat
prompts and outputs when Settings.safety (or the policy, per scope) says so, with the real
OpenAI-protocol fake seeing exactly what was sent."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from nexus.core.db import Database
from nexus.core.migrate import migrate
from nexus.core.settings import Settings, load_settings
from nexus.model_router import build_client
from nexus.observer.audit import AuditRecord, list_audit, record_audit
from nexus.safety import SafetyPolicy
from tests.fakes.openai_server import OpenAIServer
from tests.model_router.conftest import SCOPE, openai_provider

SECRET_TEXT = "Write to ana.li@example.com, 手机 13812345678, key sk-abcdefghijklmnopqrstuvwx."


@pytest.fixture
def fake() -> Iterator[OpenAIServer]:
    with OpenAIServer(api_key="sk-test") as server:
        yield server  # type: ignore[misc]


async def test_audit_details_are_redacted(tmp_path: Path) -> None:
    db = Database.from_url(f"sqlite+aiosqlite:///{tmp_path / 'a.db'}")
    try:
        await migrate(db.engine)
        detail = {"note": SECRET_TEXT, "password": "hunter2", "nested": [{"ip": "10.1.2.3"}]}
        await record_audit(db, AuditRecord("member.add", "user", "usr_1", "t1", detail=detail))
        async with db.read() as conn:
            (entry,) = await list_audit(conn, tenant_id="t1")
    finally:
        await db.dispose()
    stored = entry.detail
    assert stored["note"] == "Write to [email], 手机 [phone], key [api_key]."
    assert stored["password"] == "***" and stored["nested"] == [{"ip": "[ip]"}]


def _settings(url: str, **safety: bool) -> Settings:
    return load_settings(env="test", providers=[openai_provider("main", url)], safety=safety)


async def test_prompts_and_outputs_pass_unchanged_by_default(fake: OpenAIServer) -> None:
    client = build_client(_settings(fake.url), None, None, None)
    try:
        result = await client.chat(SCOPE, [{"role": "user", "content": SECRET_TEXT}])
    finally:
        await client.close()
    assert fake.requests[-1]["messages"][0]["content"] == SECRET_TEXT
    assert "ana.li@example.com" in result.text  # the fake echoes the prompt


async def test_settings_redact_prompts_and_outputs(fake: OpenAIServer) -> None:
    settings = _settings(fake.url, redact_prompts=True, redact_outputs=True)
    client = build_client(settings, None, None, None)
    try:
        messages = [
            {"role": "system", "content": "You help."},
            {"role": "user", "content": SECRET_TEXT},
        ]
        await client.chat(SCOPE, messages)
        sent = fake.requests[-1]["messages"]
        assert sent[0]["content"] == "You help."
        assert sent[1]["content"] == "Write to [email], 手机 [phone], key [api_key]."
        assert messages[1]["content"] == SECRET_TEXT  # the caller's list is not rewritten
        # Outputs only: the provider sees the prompt, the caller gets the answer redacted.
        client.safety_for = lambda _scope: SafetyPolicy(redact_outputs=True)
        fake.replies.append("The address is bo@example.org and the card 4111 1111 1111 1111.")
        result = await client.chat(SCOPE, [{"role": "user", "content": SECRET_TEXT}])
    finally:
        await client.close()
    assert fake.requests[-1]["messages"][0]["content"] == SECRET_TEXT
    assert result.text == "The address is [email] and the card [card]."
