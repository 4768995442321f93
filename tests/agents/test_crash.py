"""Kill the worker during a tool call: the session completes after a restart, the model is
called once per turn (counted at the OpenAI protocol fake), and the tool's result is
recorded once although the tool started twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.agents.conftest import fake_provider
from tests.fakes.openai_script import Call, Turn
from tests.fakes.openai_server import OpenAIServer

from nexus.agents import store
from nexus.core.db import Database

pytestmark = pytest.mark.timeout(300)


def child(data_dir: Path, phase: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.agents.crash_session", str(data_dir), phase],
        env={**os.environ, "NEXUS_ENV": "test"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def wait_for(path: Path, proc: subprocess.Popen[bytes], timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while not path.exists():
        if proc.poll() is not None:
            raise AssertionError(proc.stderr.read().decode()[-3000:] if proc.stderr else "")
        assert time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.05)


async def test_a_worker_killed_mid_tool_resumes_without_repeating_the_model(
    tmp_path: Path, openai_fake: OpenAIServer
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    settings = {
        "env": "test",
        "data_dir": str(data),
        "log_level": "WARNING",
        "providers": [fake_provider(openai_fake.url)],
        "orchestrator": {"lease_s": 3.0, "sweep_interval_s": 0.2, "retry_base_s": 0.02},
    }
    (data / "settings.json").write_text(json.dumps(settings))
    openai_fake.script_turns(
        Turn.call(Call("agent__slow_note", {"note": "the lamp"})), Turn.say("Noted the lamp.")
    )
    first = child(data, "start")
    log = data / "executions.log"
    wait_for(log, first)  # the tool is running
    assert openai_fake.chat_calls == 1
    first.send_signal(signal.SIGKILL)
    first.wait()
    (data / "killed").touch()
    second = child(data, "resume")
    out, err = second.communicate(timeout=240)
    assert second.returncode == 0, err.decode()[-3000:]
    result = json.loads(out.decode().strip().splitlines()[-1])
    assert result["final"]["status"] == "succeeded" and result["final"]["steps"] == 2
    assert openai_fake.chat_calls == 2  # once per turn: the recorded turn 1 was not redone
    assert [(c["tool_name"], c["status"]) for c in result["calls"]] == [
        ("agent__slow_note", "succeeded")
    ]
    starts = log.read_text().splitlines()
    assert len(starts) == 2 and starts[0].split()[0] == starts[1].split()[0]  # same job
    db = Database.from_url(f"sqlite+aiosqlite:///{data / 'nexus.db'}")
    try:
        async with db.read() as conn:
            tool_messages = (
                await conn.execute(select(store.MESSAGES).where(store.MESSAGES.c.role == "tool"))
            ).all()
            turns = (await conn.execute(select(store.TURNS.c.turn))).all()
    finally:
        await db.dispose()
    assert len(tool_messages) == 1 and sorted(t.turn for t in turns) == [1, 2]
