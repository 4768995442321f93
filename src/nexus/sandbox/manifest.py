"""A user skill's manifest: what it is, its JSON Schemas, its language and its limits.
Parsed from JSON or YAML; every failure is ``invalid_manifest`` naming the field. A user skill
gets no network and no path beyond its scratch dir, so a manifest that asks for either is
refused rather than silently narrowed."""

from __future__ import annotations

import json
from typing import Any, Literal

import jsonschema
import yaml
from pydantic import Field, ValidationError

from nexus.contracts.base import StrictModel
from nexus.contracts.errors import ErrorCode
from nexus.contracts.governance import SkillCategory, SkillPermissions
from nexus.core.errors import NexusError
from nexus.core.ids import canonical_json, sha256_hex

Language = Literal["python", "javascript", "native"]
SOURCE_NAMES: dict[str, str] = {"python": "main.py", "javascript": "main.js", "native": "main"}


def default_permissions() -> SkillPermissions:
    return SkillPermissions(cpu_time_s=10.0, memory_mb=256, max_output_bytes=1 << 20)


class UserSkillManifest(StrictModel):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")
    version: str = Field(pattern=r"^[0-9A-Za-z][0-9A-Za-z.+-]{0,31}$")
    language: Language
    entry: Literal["main"] = Field(default="main", description="The function (or executable).")
    description: str = Field(default="", max_length=2000)
    category: SkillCategory = "text"
    input_schema: dict[str, Any] = Field(default_factory=lambda: {"type": "object"})
    output_schema: dict[str, Any] = Field(default_factory=lambda: {"type": "object"})
    permissions: SkillPermissions = Field(default_factory=default_permissions)


def _invalid(field: str, detail: str) -> NexusError:
    return NexusError(
        ErrorCode.INVALID_MANIFEST, f"{field}: {detail}", fields={field or "manifest": detail}
    )


def parse_manifest(data: dict[str, Any] | str | bytes) -> UserSkillManifest:
    """Validate a manifest given as a mapping or as JSON/YAML text."""
    if isinstance(data, bytes | str):
        try:
            loaded = yaml.safe_load(data)  # YAML is a superset of JSON
        except yaml.YAMLError as exc:
            raise _invalid("manifest", f"not JSON or YAML: {exc}") from exc
        if not isinstance(loaded, dict):
            raise _invalid("manifest", "must be a mapping")
        data = loaded  # pyright: ignore[reportUnknownVariableType]
    try:
        manifest = UserSkillManifest.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise _invalid(".".join(str(p) for p in first["loc"]), first["msg"]) from exc
    for key in ("input_schema", "output_schema"):
        try:
            jsonschema.Draft202012Validator.check_schema(getattr(manifest, key))
        except jsonschema.SchemaError as exc:
            raise _invalid(key, f"not a JSON Schema: {exc.message}") from exc
    perms = manifest.permissions
    if perms.network_hosts:
        raise _invalid("permissions.network_hosts", "user skills get no network")
    for key in ("read_paths", "write_paths"):
        if any(p.rstrip("/") != "/scratch" for p in getattr(perms, key)):
            raise _invalid(f"permissions.{key}", "only /scratch is granted to user skills")
    return manifest


def skill_digest(manifest: UserSkillManifest, source: bytes) -> str:
    """sha256 of the manifest (canonical JSON) and the source: one digest per version."""
    return sha256_hex(canonical_json(manifest.model_dump(mode="json")) + sha256_hex(source))


def manifest_text(manifest: UserSkillManifest) -> str:
    return json.dumps(manifest.model_dump(mode="json"), ensure_ascii=False)
