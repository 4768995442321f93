"""``poll_oneoff`` and ``clock_time_get`` for the guest, replacing WASI's: a guest ``sleep`` is
a host call during which the epoch deadline is not checked, so "sleep forever" would hold the
thread past any deadline.
Here clock subscriptions sleep on the host only until the earlier of their timeout and the
run's deadline, then trap (``DeadlineReached``); fd subscriptions are reported ready at once
(the guest's only fds are its stdio and scratch files, which never block). The clocks are
shadowed too, so an absolute sleep is measured on the same clock the host waits on."""

from __future__ import annotations

import struct
import time
from typing import Any

import wasmtime

SUBSCRIPTION_SIZE = 48
EVENT_SIZE = 32
CLOCK_REALTIME = 0
ABSTIME = 1
EVENTTYPE_CLOCK = 0
ERRNO_INVAL = 28


class DeadlineReached(Exception):
    """Raised inside the host call: wasmtime turns it into a trap of the guest."""


def now_ns(clock_id: int) -> int:
    """The guest's clocks are the host's, at millisecond resolution (no fine timer to probe
    the host with)."""
    t = time.time_ns() if clock_id == CLOCK_REALTIME else time.monotonic_ns()
    return t - t % 1_000_000


def _wait_s(clock_id: int, timeout_ns: int, flags: int) -> float:
    if not flags & ABSTIME:
        return timeout_ns / 1e9
    return max(0.0, (timeout_ns - now_ns(clock_id)) / 1e9)


def _clock_wait_s(sub: bytes | bytearray) -> float:
    (clock_id,) = struct.unpack_from("<I", sub, 16)
    (timeout_ns,) = struct.unpack_from("<Q", sub, 24)
    (flags,) = struct.unpack_from("<H", sub, 40)
    return _wait_s(clock_id, timeout_ns, flags)


def define_poll(linker: wasmtime.Linker, deadline: float) -> None:
    """Shadow ``wasi_snapshot_preview1.poll_oneoff`` in ``linker`` for a run ending at
    ``deadline`` (``time.monotonic()``)."""
    i32 = wasmtime.ValType.i32()
    ty = wasmtime.FuncType([i32, i32, i32, i32], [i32])

    def poll_oneoff(caller: Any, in_ptr: int, out_ptr: int, nsubs: int, nevents_ptr: int) -> int:
        memory = caller["memory"]
        assert isinstance(memory, wasmtime.Memory)
        if nsubs <= 0:
            return ERRNO_INVAL
        raw = memory.read(caller, in_ptr, in_ptr + nsubs * SUBSCRIPTION_SIZE)
        subs = [raw[i * SUBSCRIPTION_SIZE : (i + 1) * SUBSCRIPTION_SIZE] for i in range(nsubs)]
        clocks = [s for s in subs if s[8] == EVENTTYPE_CLOCK]
        fds = [s for s in subs if s[8] != EVENTTYPE_CLOCK]
        fired = fds or clocks
        if not fds and clocks:
            waits = [_clock_wait_s(s) for s in clocks]
            wait = min(waits)
            remaining = deadline - time.monotonic()
            if wait >= remaining:
                time.sleep(max(0.0, remaining))
                raise DeadlineReached("sleep past the deadline")
            time.sleep(wait)
            fired = [s for s, w in zip(clocks, waits, strict=True) if w <= wait]
        out = bytearray()
        for s in fired:
            event = bytearray(EVENT_SIZE)
            event[0:8] = s[0:8]  # userdata
            event[10] = s[8]  # type; error stays 0
            out += event
        memory.write(caller, bytes(out), out_ptr)
        memory.write(caller, struct.pack("<I", len(fired)), nevents_ptr)
        return 0

    i64 = wasmtime.ValType.i64()
    clock_ty = wasmtime.FuncType([i32, i64, i32], [i32])

    def clock_time_get(caller: Any, clock_id: int, _precision: int, out_ptr: int) -> int:
        memory = caller["memory"]
        assert isinstance(memory, wasmtime.Memory)
        if clock_id not in (0, 1):
            return ERRNO_INVAL  # no process/thread CPU clocks
        memory.write(caller, struct.pack("<Q", now_ns(clock_id)), out_ptr)
        return 0

    linker.allow_shadowing = True
    linker.define_func(
        "wasi_snapshot_preview1", "clock_time_get", clock_ty, clock_time_get, access_caller=True
    )
    linker.define_func("wasi_snapshot_preview1", "poll_oneoff", ty, poll_oneoff, access_caller=True)
