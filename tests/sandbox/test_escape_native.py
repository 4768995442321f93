"""The escape suite, native tier (bubblewrap + prlimit, unprivileged uid): the same attempts
as the WASM tier, from shell and Python scripts, each with its code and the host unaffected."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

import pytest

from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.sandbox.limits import Limits
from nexus.sandbox.native import build_command, bwrap_available, run_native

pytestmark = [
    pytest.mark.timeout(60),
    pytest.mark.skipif(not bwrap_available(), reason="bubblewrap is not installed"),
]
LIMITS = Limits(wall_s=3.0, memory_bytes=256 << 20, output_bytes=256 * 1024, pids=16, cpu_s=3)
PY = "#!/usr/bin/python3\n"


def attempt(script: str) -> NexusError:
    # Contained: the sandbox's own error, never a hang (bounded by the pytest timeout).
    with pytest.raises(NexusError) as caught:
        run_native(script.encode(), {}, LIMITS)
    return caught.value


def test_a_script_reads_its_input_and_answers() -> None:
    src = (
        PY + "import json, sys\nd = json.load(sys.stdin)\nprint(json.dumps({'output': d['n'] * 2}))"
    )
    assert run_native(src.encode(), {"n": 21}, LIMITS).output == 42


def test_read_outside(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("host-secret-42")
    for path in (str(secret), "/etc/shadow", "/root/.bashrc"):
        err = attempt(f"#!/bin/sh\ncat {path}\n")
        assert err.code == ErrorCode.SANDBOX_DENIED, (path, err)
        assert "host-secret-42" not in str(err) + str(err.extra)


def test_write_outside() -> None:
    err = attempt("#!/bin/sh\necho x > /usr/nexus-escaped\n")
    assert err.code == ErrorCode.SANDBOX_DENIED
    assert not Path("/usr/nexus-escaped").exists()


def test_network_connect() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.setblocking(False)
    port = listener.getsockname()[1]
    try:
        err = attempt(PY + f"import socket\nsocket.create_connection(('127.0.0.1', {port}))\n")
        assert err.code == ErrorCode.SANDBOX_DENIED
        with pytest.raises(BlockingIOError):
            listener.accept()
    finally:
        listener.close()


def _pids() -> int:
    return sum(1 for p in Path("/proc").iterdir() if p.name.isdigit())


@pytest.mark.parametrize(
    "script",
    [
        PY + "import os\nwhile True:\n    os.fork()\n",
        PY + "import threading, time\nwhile True:\n"
        "    threading.Thread(target=time.sleep, args=(30,), daemon=True).start()\n",
    ],
    ids=["fork-bomb", "thread-bomb"],
)
def test_process_and_thread_bombs(script: str) -> None:
    before = _pids()
    err = attempt(script)
    assert err.code == ErrorCode.SANDBOX_DENIED
    time.sleep(0.2)
    assert _pids() <= before + LIMITS.pids  # bounded while it ran, gone after


def test_memory_balloon() -> None:
    err = attempt(PY + "a = []\nwhile True:\n    a.append(bytearray(1 << 20))\n")
    assert err.code == ErrorCode.SANDBOX_MEMORY


@pytest.mark.parametrize(
    "script",
    [
        "#!/bin/sh\nwhile :; do :; done\n",
        "#!/bin/sh\nsleep 10000\n",
        "#!/bin/sh\nsleep 10000 &\nwait\n",
    ],
    ids=["loop", "sleep", "background-sleep"],
)
def test_time_abuse_meets_the_deadline(script: str) -> None:
    err = attempt(script)
    assert err.code == ErrorCode.SANDBOX_TIMEOUT
    time.sleep(0.2)
    assert not any(b"sleep\x0010000" in c for c in _cmdlines())  # died with its pid 1


def _cmdlines() -> list[bytes]:
    found: list[bytes] = []
    for p in Path("/proc").iterdir():
        try:
            found.append((p / "cmdline").read_bytes())
        except OSError:
            continue  # not a process, or it just ended
    return found


def test_huge_output() -> None:
    assert attempt("#!/bin/sh\nyes\n").code == ErrorCode.SANDBOX_OUTPUT_TOO_LARGE


def test_environment_is_empty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEXUS_TEST_SECRET", "env-secret-99")
    src = PY + "import json, os\nprint(json.dumps({'output': dict(os.environ)}))"
    env = run_native(src.encode(), {}, LIMITS).output
    assert "NEXUS_TEST_SECRET" not in env and set(env) <= {
        "PATH",
        "HOME",
        "PWD",
        "LC_CTYPE",
    }  # LC_CTYPE: PEP 538


def test_the_command_drops_privileges_and_namespaces(tmp_path: Path) -> None:
    cmd = build_command(tmp_path, LIMITS, 65534)
    assert "--unshare-all" in cmd and "--die-with-parent" in cmd and "--clearenv" in cmd
    assert f"--nproc={LIMITS.pids}" in cmd and cmd[-1] == "/skill/main"
    assert ("--reuid=65534" in cmd) == (os.geteuid() == 0)
    assert "/work" not in cmd and "/root" not in cmd


def _processes_of(uid: int) -> list[str]:
    found: list[str] = []
    for p in Path("/proc").iterdir():
        try:
            if p.name.isdigit() and p.stat().st_uid == uid:
                found.append((p / "stat").read_text())
        except OSError:
            continue
    return found


@pytest.mark.skipif(os.geteuid() != 0, reason="a dedicated uid needs root to switch to it")
def test_many_runs_in_a_row_leave_no_process_behind() -> None:
    """Each run's processes are reaped by the run itself: none is orphaned to the host's init
    (which may reap late, or never), so RLIMIT_NPROC's budget never fills across runs. A uid
    of this test's own, so nothing else on the machine shares its count."""
    uid = 61_234
    script = b"#!/bin/sh\nread line\necho '{\"output\": 1}'\n"
    for _ in range(LIMITS.pids * 3):
        assert run_native(script, {}, LIMITS, uid=uid).output == 1
    assert _processes_of(uid) == []
