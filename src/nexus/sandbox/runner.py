"""``SandboxRunner``: validate the input against the manifest, run the skill in its tier with
its limits (capped by the platform's), validate the output. One per process (it owns the
wasm engine and its compiled-module cache)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
from jsonschema.exceptions import best_match

from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.core.settings import SandboxSettings
from nexus.sandbox.engine import WasmEngine
from nexus.sandbox.limits import limits_for
from nexus.sandbox.native import run_native
from nexus.sandbox.outcome import Outcome
from nexus.sandbox.schemas import StoredSkill
from nexus.sandbox.wasm import run_wasm


def _check(schema: dict[str, Any], value: Any, code: ErrorCode, what: str) -> None:
    error = best_match(jsonschema.Draft202012Validator(schema).iter_errors(value))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "$"
        raise NexusError(
            code, f"{what} at {where}: {error.message}"[:500], fields={where: error.message[:200]}
        )


class SandboxRunner:
    def __init__(
        self, settings: SandboxSettings, cache_dir: Path, *, engine: WasmEngine | None = None
    ) -> None:
        self.settings = settings
        self.engine = engine or WasmEngine(cache_dir)

    def run(self, skill: StoredSkill, payload: Any) -> Outcome:
        """Blocking (run it on a thread): the validated output of ``skill`` on ``payload``."""
        manifest = skill.manifest
        _check(manifest.input_schema, payload, ErrorCode.INVALID_INPUT, "input")
        limits = limits_for(manifest.permissions, self.settings)
        if manifest.language == "native":
            if not self.settings.native_enabled:
                raise NexusError(ErrorCode.SANDBOX_UNAVAILABLE, "the native tier is switched off")
            outcome = run_native(skill.source, payload, limits, uid=self.settings.native_uid)
        else:
            source = skill.source.decode("utf-8")
            outcome = run_wasm(self.engine, manifest.language, source, payload, limits)
        _check(manifest.output_schema, outcome.output, ErrorCode.INVALID_OUTPUT, "output")
        return outcome

    def close(self) -> None:
        self.engine.close()


def cache_dir_for(settings: SandboxSettings, data_dir: Path) -> Path:
    return settings.cache_dir or data_dir / "sandbox"
