"""Run one user skill in a fresh wasmtime store instantiated from the cached module: memory
capped by the store's limits, wall clock capped by the epoch deadline (and by our
``poll_oneoff`` for sleeps), stdout/stderr captured through bounded pipes, the environment
empty, no sockets (WASI grants none), only the run's scratch dir (read-write) and the skill's
own folder (read-only) preopened."""

from __future__ import annotations

import gc
import json
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import wasmtime

from nexus.sandbox import guests
from nexus.sandbox.capture import BoundedPipe
from nexus.sandbox.engine import WasmEngine
from nexus.sandbox.limits import Limits
from nexus.sandbox.outcome import Outcome, classify_exit
from nexus.sandbox.runtimes import WasmLanguage
from nexus.sandbox.wasipoll import DeadlineReached, define_poll

STDERR_CAP = 64 * 1024


@dataclass(frozen=True)
class GuestFiles:
    argv: list[str]
    source_name: str
    runner_name: str
    runner: str


GUESTS: dict[WasmLanguage, GuestFiles] = {
    "python": GuestFiles(
        ["python", "-S", "-I", "-B", f"{guests.SKILL_DIR}/runner.py"],
        "main.py",
        "runner.py",
        guests.PYTHON_RUNNER,
    ),
    "javascript": GuestFiles(
        ["qjs", "--std", f"{guests.SKILL_DIR}/runner.js"],
        "main.js",
        "runner.js",
        guests.JS_RUNNER,
    ),
}


def _wasi(files: GuestFiles, root: Path, stdout: BoundedPipe, stderr: BoundedPipe) -> Any:
    wasi = wasmtime.WasiConfig()
    wasi.argv = files.argv
    wasi.env = []  # nothing of the host's environment
    wasi.stdin_file = str(root / "stdin.json")
    wasi.stdout_file = str(stdout.path)
    wasi.stderr_file = str(stderr.path)
    wasi.preopen_dir(
        str(root / "skill"),
        guests.SKILL_DIR,
        wasmtime.DirPerms.READ_ONLY,
        wasmtime.FilePerms.READ_ONLY,
    )
    wasi.preopen_dir(str(root / "scratch"), guests.SCRATCH_DIR)
    return wasi


def _prepare(root: Path, files: GuestFiles, source: str, payload: Any) -> None:
    (root / "skill").mkdir()
    (root / "scratch").mkdir()
    (root / "skill" / files.source_name).write_text(source, encoding="utf-8")
    (root / "skill" / files.runner_name).write_text(files.runner, encoding="utf-8")
    text = repr(payload) if files.source_name == "main.py" else json.dumps(payload)
    (root / "stdin.json").write_text(text, encoding="utf-8")


def _execute(
    engine: WasmEngine,
    module: wasmtime.Module,
    files: GuestFiles,
    root: Path,
    stdout: BoundedPipe,
    stderr: BoundedPipe,
    limits: Limits,
    started: float,
) -> tuple[int, str]:
    """Instantiate and run; every wasmtime object dies with this frame, which closes the
    guest's ends of the pipes (the capture threads then see the end)."""
    store = wasmtime.Store(engine.engine)
    store.set_limits(memory_size=limits.memory_bytes, instances=1, tables=10, memories=1)
    store.set_wasi(_wasi(files, root, stdout, stderr))
    stdout.start()
    stderr.start()
    linker = wasmtime.Linker(engine.engine)
    linker.define_wasi()
    define_poll(linker, started + limits.wall_s)
    store.set_epoch_deadline(engine.ticks_for(limits.wall_s))
    try:
        instance = linker.instantiate(store, module)
        start = instance.exports(store)["_start"]
        assert isinstance(start, wasmtime.Func)
        start(store)
    except wasmtime.ExitTrap as exc:
        return exc.code, ""
    except DeadlineReached:
        return -1, "interrupt"
    except wasmtime.Trap as exc:
        return -1, "interrupt" if exc.trap_code == wasmtime.TrapCode.INTERRUPT else str(exc)
    except wasmtime.WasmtimeError as exc:
        return -1, str(exc)
    return 0, ""


def run_wasm(
    engine: WasmEngine, language: WasmLanguage, source: str, payload: Any, limits: Limits
) -> Outcome:
    """Run ``main(payload)`` of ``source``; the outcome, or a NexusError with a sandbox code."""
    module = engine.module(language)
    engine.start()
    files = GUESTS[language]
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="nexus-sandbox-") as tmp:
        root = Path(tmp)
        _prepare(root, files, source, payload)
        stdout = BoundedPipe(root / "stdout", limits.output_bytes)
        stderr = BoundedPipe(root / "stderr", STDERR_CAP)
        status, trap = _execute(engine, module, files, root, stdout, stderr, limits, started)
        if status != 0:
            gc.collect()  # a trap's traceback cycle keeps the store (and the pipes) alive
        out, err = stdout.finish(), stderr.finish()
        elapsed = time.monotonic() - started
        return classify_exit(
            status=status,
            trap=trap,
            stdout=out,
            stderr=err,
            overflowed=stdout.overflowed or stderr.overflowed,
            elapsed_s=elapsed,
            limits=limits,
        )
