"""One wasmtime engine per process: epoch interruption driven by a ticker thread (the wall-clock
deadline of every guest), and the compiled-module cache: in memory, and on disk under the data
dir keyed by the wasm's sha256 and the wasmtime version (the first CPython compile takes
seconds; every later process deserializes in tens of milliseconds)."""

from __future__ import annotations

import importlib.metadata
import os
import threading
import time
from pathlib import Path

import wasmtime

from nexus.sandbox.runtimes import PINNED, WasmLanguage, locate

WASMTIME_VERSION = importlib.metadata.version("wasmtime")


class WasmEngine:
    def __init__(self, cache_dir: Path, *, tick_s: float = 0.01) -> None:
        config = wasmtime.Config()
        config.epoch_interruption = True
        self.engine = wasmtime.Engine(config)
        self.cache_dir = cache_dir
        self.tick_s = tick_s
        self._modules: dict[WasmLanguage, wasmtime.Module] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    def ticks_for(self, seconds: float) -> int:
        return max(1, int(seconds / self.tick_s) + 1)

    def _tick(self) -> None:
        while not self._stop.wait(self.tick_s):
            self.engine.increment_epoch()

    def start(self) -> None:
        with self._lock:
            if self._ticker is None or not self._ticker.is_alive():
                self._stop.clear()
                self._ticker = threading.Thread(
                    target=self._tick, name="nexus-sandbox-epoch", daemon=True
                )
                self._ticker.start()

    def close(self) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join(timeout=1)

    def cache_path(self, language: WasmLanguage) -> Path:
        return self.cache_dir / f"{PINNED[language].sha256}-wasmtime{WASMTIME_VERSION}.cwasm"

    def module(self, language: WasmLanguage) -> wasmtime.Module:
        """The compiled module of ``language``: memory, else disk cache, else compile + store."""
        with self._lock:
            cached = self._modules.get(language)
            if cached is None:
                cached = self._load(language)
                self._modules[language] = cached
            return cached

    def _load(self, language: WasmLanguage) -> wasmtime.Module:
        path = self.cache_path(language)
        if path.is_file():
            try:
                return wasmtime.Module.deserialize_file(self.engine, str(path))
            except wasmtime.WasmtimeError:
                path.unlink(missing_ok=True)  # another wasmtime build wrote it: recompile
        module = wasmtime.Module.from_file(self.engine, str(locate(PINNED[language])))
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.{time.monotonic_ns()}.tmp")
        tmp.write_bytes(module.serialize())
        tmp.replace(path)  # atomic: a concurrent reader sees the whole file or none
        return module
