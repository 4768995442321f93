"""The user skill store on SQLite: immutable versions, tenant isolation, soft delete, the
catalogue's ``list_specs``, and manifests refused with the field that is wrong."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from nexus.contracts.errors import ErrorCode
from nexus.core.db import Database
from nexus.core.errors import NexusError
from nexus.core.migrate import migrate
from nexus.core.settings import SandboxSettings
from nexus.sandbox.manifest import parse_manifest
from nexus.sandbox.store import UserSkillStore

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples/skills/uppercase-subtitles"


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[UserSkillStore]:
    db = Database.from_url(f"sqlite+aiosqlite:///{tmp_path / 'n.db'}")
    await migrate(db.engine)
    yield UserSkillStore(db, SandboxSettings(max_source_bytes=4096))
    await db.dispose()


def manifest(**over: object) -> dict[str, object]:
    return {"name": "upper", "version": "1.0.0", "language": "python", **over}


SRC = b"def main(d):\n    return d\n"


async def test_upload_is_immutable_per_version(store: UserSkillStore) -> None:
    first = await store.upload("t1", parse_manifest(manifest()), SRC, created_by="u1")
    assert first.created and len(first.digest) == 64
    again = await store.upload("t1", parse_manifest(manifest()), SRC)
    assert not again.created and again.digest == first.digest
    with pytest.raises(NexusError) as caught:
        await store.upload("t1", parse_manifest(manifest()), SRC + b"# changed\n")
    assert caught.value.code == ErrorCode.SKILL_VERSION_CONFLICT
    newer = await store.upload("t1", parse_manifest(manifest(version="1.0.1")), SRC + b"#\n")
    assert newer.created and newer.digest != first.digest


async def test_tenants_are_isolated(store: UserSkillStore) -> None:
    await store.upload("t1", parse_manifest(manifest()), SRC)
    with pytest.raises(NexusError) as caught:
        await store.read_skill("t2", "upper", "1.0.0")
    assert caught.value.code == ErrorCode.SKILL_NOT_FOUND
    assert (await store.list_skills("t2")).total == 0
    other = await store.upload("t2", parse_manifest(manifest()), SRC + b"# mine\n")
    assert other.created  # the same name@version is free in another tenant
    assert (await store.read_skill("t1", "upper", "1.0.0")).source == SRC


async def test_soft_delete_keeps_the_version_taken(store: UserSkillStore) -> None:
    await store.upload("t1", parse_manifest(manifest()), SRC)
    await store.delete_skill("t1", "upper", "1.0.0")
    assert (await store.list_skills("t1")).total == 0
    with pytest.raises(NexusError) as caught:
        await store.read_skill("t1", "upper", "1.0.0")
    assert caught.value.code == ErrorCode.SKILL_NOT_FOUND
    with pytest.raises(NexusError) as conflict:
        await store.upload("t1", parse_manifest(manifest()), SRC)
    assert conflict.value.code == ErrorCode.SKILL_VERSION_CONFLICT


async def test_list_specs_are_user_skills_of_the_tenant(store: UserSkillStore) -> None:
    text = (EXAMPLE / "manifest.yaml").read_bytes()
    await store.upload("t1", parse_manifest(text), (EXAMPLE / "main.py").read_bytes())
    specs = await store.list_specs("t1")
    assert [(s.name, s.origin, s.tenant_id) for s in specs] == [
        ("uppercase-subtitles", "user", "t1")
    ]
    assert specs[0].input_schema["required"] == ["cues"] and specs[0].digest
    assert await store.list_specs("t2") == []


async def test_source_limits(store: UserSkillStore) -> None:
    with pytest.raises(NexusError) as big:
        await store.upload("t1", parse_manifest(manifest()), b"#" * 5000)
    assert big.value.code == ErrorCode.PAYLOAD_TOO_LARGE
    with pytest.raises(NexusError) as empty:
        await store.upload("t1", parse_manifest(manifest()), b"")
    assert empty.value.code == ErrorCode.INVALID_MANIFEST


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (manifest(language="ruby"), "language"),
        (manifest(name="Bad Name"), "name"),
        (manifest(input_schema={"type": "nonsense"}), "input_schema"),
        (manifest(permissions={"network_hosts": ["example.com"]}), "permissions.network_hosts"),
        (manifest(permissions={"write_paths": ["/etc"]}), "permissions.write_paths"),
        (manifest(extra_field=1), "extra_field"),
        ("name: [unclosed", "manifest"),
    ],
)
def test_invalid_manifests_name_the_field(data: object, field: str) -> None:
    with pytest.raises(NexusError) as caught:
        parse_manifest(data)  # type: ignore[arg-type]
    assert caught.value.code == ErrorCode.INVALID_MANIFEST
    assert field in caught.value.fields
