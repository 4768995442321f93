"""The native tier: a user's executable (a script or binary, e.g. one driving ffmpeg filters)
run under bubblewrap with every namespace new (no network: only its own loopback), a
read-only system root (/usr, /bin, /lib*, /etc; no /root, /home, /work, /var), the run's
scratch dir as the only writable place, an empty environment, a new session, and
``--die-with-parent``. Processes, CPU time, address space and file size are capped by
``prlimit``; as root the kernel does not enforce RLIMIT_NPROC for uid 0, so root first drops
to an unprivileged uid with ``setpriv`` (ADR 0223). Output is read through bounded pipes;
past the cap, or past the wall-clock deadline, the sandbox is killed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import IO, Any

from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.sandbox.limits import Limits
from nexus.sandbox.outcome import Outcome, classify_exit

SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/etc")
DENIAL_MARKERS = (
    "Permission denied",
    "Read-only file system",
    "Network is unreachable",
    "Connection refused",
    "Cannot fork",
    "Resource temporarily unavailable",
    "can't start new thread",
    "Operation not permitted",
    "Temporary failure in name resolution",
    "No such file or directory",  # everything outside the grant is absent from its root
)
EXIT_DENIED = 72


def bwrap_available() -> bool:
    return shutil.which("bwrap") is not None and shutil.which("prlimit") is not None


def build_command(root: Path, limits: Limits, uid: int) -> list[str]:
    """The full command line (pure: unit-tested)."""
    drop: list[str] = []
    if os.geteuid() == 0:
        drop = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--"]
    caps = [
        "prlimit",
        f"--nproc={limits.pids}",
        f"--cpu={limits.cpu_s}",
        f"--as={limits.memory_bytes}",
        f"--fsize={limits.output_bytes}",
        "--nofile=64",
        "--core=0",
        "--",
    ]
    binds: list[str] = []
    for name in SYSTEM_DIRS:
        path = Path(name)
        if path.is_symlink():
            binds += ["--symlink", str(path.readlink()), name]
        elif path.is_dir():
            binds += ["--ro-bind", name, name]
    return [
        *drop,
        *caps,
        "bwrap",
        *binds,
        "--proc", "/proc",
        "--dev", "/dev",
        "--tmpfs", "/tmp",
        "--bind", str(root / "scratch"), "/scratch",
        "--ro-bind", str(root / "skill"), "/skill",
        "--unshare-all",
        "--as-pid-1",
        "--die-with-parent",
        "--new-session",
        "--cap-drop", "ALL",
        "--clearenv",
        "--setenv", "PATH", "/usr/local/bin:/usr/bin:/bin",
        "--setenv", "HOME", "/scratch",
        "--chdir", "/scratch",
        "/skill/main",
    ]  # fmt: skip


class _Reader(threading.Thread):
    def __init__(self, stream: IO[bytes], cap: int, on_overflow: Any) -> None:
        super().__init__(daemon=True)
        self.stream, self.cap, self.on_overflow = stream, cap, on_overflow
        self.data = bytearray()
        self.overflowed = False

    def run(self) -> None:
        while block := os.read(self.stream.fileno(), 65536):
            room = self.cap - len(self.data)
            self.data.extend(block[: max(0, room)])
            if len(block) > room:
                self.overflowed = True
                self.on_overflow()
                return


def _prepare(root: Path, source: bytes, uid: int) -> None:
    (root / "skill").mkdir()
    (root / "scratch").mkdir()
    main = root / "skill" / "main"
    main.write_bytes(source)
    main.chmod(0o555)
    if os.geteuid() == 0:
        os.chown(root, uid, uid)
        os.chown(root / "scratch", uid, uid)
    root.chmod(0o755)


def run_native(source: bytes, payload: Any, limits: Limits, *, uid: int = 65534) -> Outcome:
    """Run the executable ``source`` with ``payload`` as JSON on stdin."""
    if not bwrap_available():
        raise NexusError(ErrorCode.SANDBOX_UNAVAILABLE, "bubblewrap (bwrap) or prlimit missing")
    with tempfile.TemporaryDirectory(prefix="nexus-native-") as tmp:
        root = Path(tmp)
        _prepare(root, source, uid)
        started = time.monotonic()
        proc = subprocess.Popen(
            build_command(root, limits, uid),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={"PATH": "/usr/bin:/bin"},
            start_new_session=True,
        )
        assert proc.stdin and proc.stdout and proc.stderr
        out = _Reader(proc.stdout, limits.output_bytes, proc.kill)
        err = _Reader(proc.stderr, 64 * 1024, proc.kill)
        out.start()
        err.start()
        try:
            proc.stdin.write(json.dumps(payload, ensure_ascii=False).encode())
            proc.stdin.close()
        except BrokenPipeError:
            pass
        try:
            status = proc.wait(timeout=limits.wall_s)
            trap = ""
        except subprocess.TimeoutExpired:
            proc.kill()  # bwrap is pid 1 of the sandbox: its death ends every process in it
            status, trap = proc.wait(), "interrupt"
        out.join(2)
        err.join(2)
        return _classify(status, trap, out, err, time.monotonic() - started, limits)


def _classify(
    status: int, trap: str, out: _Reader, err: _Reader, elapsed: float, limits: Limits
) -> Outcome:
    text = err.data.decode("utf-8", "replace")
    if status == -24:  # SIGXCPU: the CPU-time cap
        trap = "interrupt"
    elif status != 0 and not trap and any(m in text for m in DENIAL_MARKERS):
        status = EXIT_DENIED
    return classify_exit(
        status=status,
        trap=trap,
        stdout=bytes(out.data),
        stderr=bytes(err.data),
        overflowed=out.overflowed or err.overflowed,
        elapsed_s=elapsed,
        limits=limits,
    )
