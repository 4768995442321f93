"""Bounded capture of a guest's stdout/stderr: the guest writes into a named pipe that a host
thread drains into a buffer of at most ``cap`` bytes; past the cap the pipe is closed (the
guest's next write fails) and the capture is marked overflowed. The host never holds more
than the cap and nothing is written to disk."""

from __future__ import annotations

import os
import select
import threading
from pathlib import Path


class BoundedPipe:
    def __init__(self, path: Path, cap: int) -> None:
        self.path = path
        self.cap = cap
        self.data = bytearray()
        self.overflowed = False
        os.mkfifo(path, 0o600)
        # Opened before the writer so the writer's open does not block; nonblocking so a read
        # before the writer is connected does not mistake "no writer yet" for the end.
        self._fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Call once the writer holds the pipe open (after the guest's config opened it)."""
        self._thread = threading.Thread(target=self._drain, name="nexus-sandbox-pipe", daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        try:
            while True:
                readable, _, _ = select.select([self._fd], [], [], 0.5)
                if not readable:
                    continue
                try:
                    block = os.read(self._fd, 65536)
                except BlockingIOError:
                    continue
                if not block:
                    return  # every writer closed
                room = self.cap - len(self.data)
                self.data.extend(block[: max(0, room)])
                if len(block) > room:
                    self.overflowed = True
                    return
        finally:
            os.close(self._fd)

    def finish(self, timeout_s: float = 2.0) -> bytes:
        if self._thread is not None:
            self._thread.join(timeout_s)
        else:
            os.close(self._fd)
        return bytes(self.data)
