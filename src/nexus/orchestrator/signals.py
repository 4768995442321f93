"""In-process wake-ups when a run reaches a terminal state (after its transaction commits).

Waiters still re-read the run from the database: a signal only ends a wait early, so a run
finished by another process is seen at the next poll and a lost signal costs one poll.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable

_waiters: dict[str, set[asyncio.Future[None]]] = {}


def expect(run_id: str) -> asyncio.Future[None]:
    """Register before reading the run, so a commit in between is not missed."""
    future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    _waiters.setdefault(run_id, set()).add(future)
    return future


def forget(run_id: str, future: asyncio.Future[None]) -> None:
    waiters = _waiters.get(run_id)
    if waiters is not None:
        waiters.discard(future)
        if not waiters:
            del _waiters[run_id]


async def wait(run_id: str, future: asyncio.Future[None], timeout_s: float) -> None:
    """Until the run's terminal commit is signalled or ``timeout_s`` passes."""
    try:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(future, timeout_s)
    finally:
        forget(run_id, future)


def notify_finished(run_ids: Iterable[str]) -> None:
    for run_id in run_ids:
        for future in _waiters.pop(run_id, ()):
            if not future.done():
                future.get_loop().call_soon_threadsafe(_resolve, future)


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
