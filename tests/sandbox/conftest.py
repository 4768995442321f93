"""One compiled module per session: the wasm engine's cache dir survives across runs (keyed by
the wasm sha256 and the wasmtime version, so sharing it is safe); a fresh CI machine compiles
CPython once per run."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from nexus.core.settings import SandboxSettings
from nexus.sandbox.engine import WasmEngine
from nexus.sandbox.limits import Limits
from nexus.sandbox.runner import SandboxRunner

CACHE = Path(
    os.environ.get("NEXUS_TEST_SANDBOX_CACHE")
    or Path(tempfile.gettempdir()) / "nexus-test-sandbox-cache"
)
LIMITS = Limits(wall_s=2.0, memory_bytes=64 << 20, output_bytes=256 * 1024, pids=16, cpu_s=2)


@pytest.fixture(scope="session")
def wasm_engine() -> Iterator[WasmEngine]:
    engine = WasmEngine(CACHE)
    engine.module("python")  # compile (or load) once, outside any test's timeout
    engine.module("javascript")
    yield engine
    engine.close()


@pytest.fixture(scope="session")
def runner(wasm_engine: WasmEngine) -> SandboxRunner:
    return SandboxRunner(SandboxSettings(max_wall_s=5), CACHE, engine=wasm_engine)
