"""The catalogue: every built-in has a category and declared permissions; a (name, version)
is immutable across process starts (a changed skill without a new version refuses the start,
in embedded mode too); a tenant sees the built-ins and its own user skills only."""

from __future__ import annotations

import functools
from typing import Any

import pytest

from nexus.composer import skills as composer_skills
from nexus.contracts.governance import SkillPermissions, SkillSpec
from nexus.core.errors import NexusError
from nexus.core.registry import PROVIDERS, Registry, Skill
from nexus.platform import build_registry
from nexus.skills import code_identity, spec_of
from nexus.workers.demo import handlers as h
from tests.skills.conftest import PlatformFactory, skills_registry


def test_every_builtin_declares_category_and_permissions() -> None:
    registry = build_registry()
    composer_skills.register(registry)
    assert len(registry.skills) > 20
    for skill in registry.skills.values():
        assert skill.category != "other", skill.name
        # No built-in talks to the network but through the model router.
        assert set(skill.permissions.network_hosts) <= {PROVIDERS}, skill.name
        if skill.capability is not None:
            assert skill.permissions.network_hosts == [PROVIDERS], skill.name


def _with(registry: Registry, name: str, **changes: Any) -> Registry:
    old = registry.skills[name]
    fields = {k: getattr(old, k) for k in old.__dataclass_fields__}
    registry.skills[name] = Skill(**{**fields, **changes})
    return registry


def test_digest_covers_schemas_permissions_version_and_code() -> None:
    base = spec_of(build_registry().skill("demo.noop"))
    assert base.digest == spec_of(build_registry().skill("demo.noop")).digest  # stable
    assert len(base.digest) == 64 and base.input_schema["properties"]["i"]["type"] == "integer"
    variants = {
        "permissions": {"permissions": SkillPermissions(network_hosts=["example.org"])},
        "schema": {"output_model": h.SplitOut},
        "version": {"version": "2"},
        "code": {"handler": h.split},
    }
    for what, change in variants.items():
        changed = _with(build_registry(), "demo.noop", **change).skill("demo.noop")
        assert spec_of(changed).digest != base.digest, what


def test_code_identity_of_functions_methods_and_partials() -> None:
    assert code_identity(h.noop) == "nexus.workers.demo.handlers:noop"
    assert code_identity(functools.partial(h.noop)) == "nexus.workers.demo.handlers:noop"
    registry = build_registry()
    assert code_identity(registry.skill("studio.frame").handler).endswith(":MediaSkills.frame")


async def test_versions_are_immutable_across_starts(make_platform: PlatformFactory) -> None:
    first = await make_platform(workers=False)
    assert await first.skills.register_builtins() == 0  # already recorded by open()
    detail = await first.skills.read_skill("local", "demo.noop")
    assert [v.version for v in detail.versions] == ["1"]
    await first.close()
    # A developer widened demo.noop's permissions but kept version 1: refused at start.
    edited = _with(skills_registry(), "demo.noop", permissions=SkillPermissions(cpu_time_s=5))
    with pytest.raises(NexusError) as refused:
        await make_platform(workers=False, registry=edited)
    assert refused.value.code.value == "skill_version_conflict"
    assert "demo.noop@1" in refused.value.detail
    # With a new version it starts, and both versions are listed as seen.
    bumped = _with(
        skills_registry(), "demo.noop", permissions=SkillPermissions(cpu_time_s=5), version="2"
    )
    later = await make_platform(workers=False, registry=bumped)
    detail = await later.skills.read_skill("local", "demo.noop")
    assert [v.version for v in detail.versions] == ["1", "2"]
    assert detail.spec.version == "2" and detail.spec.permissions.cpu_time_s == 5
    old = await later.skills.read_skill("local", "demo.noop", "1")
    assert old.spec.version == "1" and old.spec.permissions.cpu_time_s == 60
    with pytest.raises(NexusError) as missing:
        await later.skills.read_skill("local", "demo.noop", "7")
    assert missing.value.code.value == "not_found"


class TenantSkills:
    """A small real source: user skills per tenant, as the sandbox will hold them."""

    def __init__(self, specs: list[SkillSpec]) -> None:
        self.specs = specs
        self.asked: list[str] = []

    async def list_specs(self, tenant_id: str) -> list[SkillSpec]:
        self.asked.append(tenant_id)
        return [s for s in self.specs if s.tenant_id == tenant_id]


def _user_spec(name: str, tenant_id: str, category: Any = "text") -> SkillSpec:
    return SkillSpec(name=name, version="1", category=category, origin="user", tenant_id=tenant_id)


async def test_a_tenant_sees_builtins_and_its_own_user_skills(
    make_platform: PlatformFactory,
) -> None:
    platform = await make_platform(workers=False)
    source = TenantSkills(
        [
            _user_spec("acme.summarise", "acme"),
            _user_spec("acme.voice", "acme", "audio"),
            _user_spec("other.secret", "other"),
            _user_spec("demo.noop", "acme"),  # may not shadow a built-in
        ]
    )
    platform.skills.user_skills = source
    names = {s.name: s for s in await platform.skills.list_specs("acme")}
    assert {"acme.summarise", "acme.voice", "demo.noop", "studio.plan"} <= set(names)
    assert "other.secret" not in names and names["demo.noop"].origin == "builtin"
    text = await platform.skills.list_specs("acme", category="text")
    assert "acme.summarise" in {s.name for s in text} and "acme.voice" not in {s.name for s in text}
    assert all(s.category == "text" for s in text)
    assert "acme.summarise" not in {s.name for s in await platform.skills.list_specs("other")}
    detail = await platform.skills.read_skill("acme", "acme.summarise")
    assert detail.spec.origin == "user" and detail.versions == []  # not recorded yet
    with pytest.raises(NexusError):
        await platform.skills.read_skill("other", "acme.summarise")
