"""``nexus chat`` as a person runs it, on the embedded platform (SQLite, the offline command
engine): one message with -m (tool calls shown as they start and end, the cost line),
interactive input until /quit, the session list and history, an approval a sensitive tool
waits for (exit 3 with the command that decides it), and error codes on bad input."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from nexus.cli.main import app


@pytest.fixture(autouse=True)
def embedded_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in [k for k in os.environ if k.startswith("NEXUS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("NEXUS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("NEXUS_ENV", "test")
    monkeypatch.setenv("COLUMNS", "200")


def nexus(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(app, list(args), input=stdin)


def session_of(output: str) -> str:
    found = re.search(r"new session (ses_[0-9a-f]{32})", output)
    assert found, output
    return found.group(1)


def test_one_message_then_interactive_then_the_history() -> None:
    done = nexus("chat", "-m", "Tom is a grumpy old man")
    assert done.exit_code == 0, done.output
    session = session_of(done.stdout)
    assert re.search(r"⚙ agent__remember\(.*Tom.*\) …", done.stdout), done.stdout
    assert re.search(r"✓ agent__remember succeeded in \d+ ms", done.stdout), done.stdout
    assert re.search(r"— arun_[0-9a-f]{32} succeeded: \d+ model turns, 1 tool calls", done.stdout)

    talk = nexus("chat", "--session", session, stdin="\nAnna is a brave girl\n/quit\n")
    assert talk.exit_code == 0, talk.output
    assert "you ›" in talk.stdout and "assistant ›" in talk.stdout
    assert talk.stdout.count("succeeded: ") == 1  # the blank line sent nothing
    assert "agent__remember" in talk.stdout

    listed = nexus("chat", "sessions")
    assert listed.exit_code == 0 and session in listed.stdout
    history = nexus("chat", "history", session)
    assert history.exit_code == 0, history.output
    lines = [line for line in history.stdout.splitlines() if line.strip()]
    assert "user: Tom is a grumpy old man" in lines[0]
    assert any("user: Anna is a brave girl" in line for line in lines)
    assert any(" tool tc_" in line for line in lines)
    assert "assistant" in lines[-1]


def test_a_sensitive_tool_exits_3_with_the_approve_command() -> None:
    done = nexus("chat", "-m", "start a production: Tom walks to the lighthouse.")
    assert done.exit_code == 3, done.output
    assert re.search(r"⏸ agent__start_production waits for approval apr_[0-9a-f]{32}", done.stdout)
    command = r"nexus approvals approve apr_[0-9a-f]{32} --as EMAIL --tenant local"
    assert re.search(command, done.stdout)
    assert "--attach arun_" in done.stdout


def test_bad_input_answers_error_codes() -> None:
    missing = nexus("chat", "--session", "ses_" + "0" * 32, "-m", "hello")
    assert missing.exit_code == 2
    assert "error[session_not_found]" in missing.stderr
    empty = nexus("chat", "-m", "   ")
    assert empty.exit_code == 2 and "error[validation_failed]" in empty.stderr
    stranger = nexus("chat", "sessions", "--tenant", "t", "--as", "nobody@t.example")
    assert stranger.exit_code == 2 and "error[not_found]" in stranger.stderr
    budget = nexus("chat", "--budget", "-1", "-m", "hi")
    assert budget.exit_code == 2
