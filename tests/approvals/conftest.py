"""An in-process gateway over an embedded platform (SQLite), with tenant A (admin, editor,
approver, a second editor) and tenant B (approver), and the pipelines the approval tests
run: ``gov`` (a -> user skill b -> c) and ``gov_hold`` (a -> c, its creation held).
Every skill counts its executions, so a resume that re-executed anything would show."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from pydantic import BaseModel

from nexus.contracts.graph import NodeSpec
from nexus.core.registry import Pipeline, Registry, SkillContext
from nexus.core.settings import Settings
from nexus.gateway.app import create_app
from nexus.gateway.security import Passwords
from nexus.gateway.services import accounts
from nexus.platform import Platform, build_registry
from nexus.workers.demo.handlers import NoopIn, NoopOut
from nexus.workers.demo.pipelines import ChainParams
from tests.approvals.skills import user_skill

PASSWORD = "correct horse battery staple"
USERS = {
    "admin_a": ("admin@a.example", "tenant-a", "admin"),
    "editor_a": ("editor@a.example", "tenant-a", "editor"),
    "editor2_a": ("editor2@a.example", "tenant-a", "editor"),
    "approver_a": ("approver@a.example", "tenant-a", "approver"),
    "approver_b": ("approver@b.example", "tenant-b", "approver"),
}
POLICY = (
    (Path(__file__).parents[1] / "policy" / "done_when.rego").read_text()
    + """
needs_approval contains "the gov_hold pipeline is held at creation" if {
	input.action == "run.create"
	input.resource.name == "gov_hold"
}
"""
)
COUNTS: Counter[str] = Counter()


async def counted(inp: NoopIn, ctx: SkillContext) -> NoopOut:
    COUNTS[f"{ctx.run_id}:{ctx.node_key}"] += 1
    return NoopOut(i=inp.i)


def build_gov(_: BaseModel) -> list[NodeSpec]:
    return [
        NodeSpec(key="a", skill="gov.count", params={"i": 1}),
        NodeSpec(key="b", skill="gov.user", params={"i": 2}, after=["a"]),
        NodeSpec(key="c", skill="gov.count", params={"i": 3}, after=["b"]),
    ]


def build_gov_hold(_: BaseModel) -> list[NodeSpec]:
    return [
        NodeSpec(key="a", skill="gov.count", params={"i": 1}),
        NodeSpec(key="c", skill="gov.count", params={"i": 3}, after=["a"]),
    ]


def registry() -> Registry:
    reg = build_registry()
    reg.add_skill(user_skill("gov.count", counted, origin="builtin"))
    reg.add_skill(user_skill("gov.user", counted, origin="user"))
    reg.add_pipeline(Pipeline("gov", ChainParams, build_gov))
    reg.add_pipeline(Pipeline("gov_hold", ChainParams, build_gov_hold))
    return reg


def own(reg: Registry, tenant_id: str) -> None:
    """The user skill belongs to tenant A (its id is known once the tenant exists)."""
    reg.skills["gov.user"] = replace(reg.skills["gov.user"], tenant_id=tenant_id)  # type: ignore[call-arg]


@dataclass
class World:
    platform: Platform
    http: httpx.AsyncClient
    tokens: dict[str, str] = field(default_factory=dict)
    users: dict[str, str] = field(default_factory=dict)
    tenants: dict[str, str] = field(default_factory=dict)
    project_id: str = ""

    def tenants_of(self, slug: str) -> str:
        return self.tenants[slug]

    def h(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    async def call(self, who: str, method: str, path: str, **kw: Any) -> httpx.Response:
        return await self.http.request(method, f"/api/v1{path}", headers=self.h(who), **kw)


def settings_for(tmp_path: Path, **governance: Any) -> Settings:
    return Settings(
        env="test",
        data_dir=tmp_path,
        gateway={"jwt_secret": "test-secret-" + "x" * 40, "rate_limit_per_minute": 60000},
        orchestrator={"process_workers": 0, "sweep_interval_s": 0.2},
        governance={"sweep_interval_s": 0.2, **governance},
    )


WorldFactory = Callable[..., Awaitable[World]]
_CHEAP: list[Passwords] = []


def cheap_passwords() -> Passwords:
    """argon2 at its lowest cost: the tests log in a dozen times on a loaded machine."""
    if not _CHEAP:
        cheap = Passwords()
        cheap._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # pyright: ignore[reportPrivateUsage]
        cheap._dummy = cheap._hasher.hash("dummy")  # pyright: ignore[reportPrivateUsage]
        _CHEAP.append(cheap)
    return _CHEAP[0]


@pytest.fixture
async def make_world(tmp_path: Path) -> AsyncIterator[WorldFactory]:
    made: list[World] = []

    async def make(*, seed: bool = True, **governance: Any) -> World:
        platform = Platform(settings_for(tmp_path, **governance), registry=registry())
        await platform.start_embedded()
        app = create_app(platform.settings, platform=platform)
        app.state.gateway.passwords = passwords = cheap_passwords()
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
        world = World(platform, http)
        made.append(world)
        if seed:
            for who, (email, tenant, role) in USERS.items():
                user_id, tenant_id = await accounts.create_user(
                    platform.db,
                    passwords,
                    email=email,
                    password=PASSWORD,
                    role=role,
                    tenant_slug=tenant,
                )
                world.users[who] = user_id
                world.tenants[tenant] = tenant_id
            own(platform.registry, world.tenants["tenant-a"])
        for who, (email, slug, _) in USERS.items():
            r = await http.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
            assert r.status_code == 200, r.text
            world.tokens[who] = r.json()["access_token"]
            me = (await world.call(who, "GET", "/auth/me")).json()
            world.users[who], world.tenants[slug] = me["user_id"], me["tenant_id"]
        own(platform.registry, world.tenants["tenant-a"])
        r = await world.call("admin_a", "POST", "/projects", json={"name": "p"})
        world.project_id = r.json()["project_id"]
        return world

    yield make
    for world in made:
        await world.http.aclose()
        await world.platform.close()


@pytest.fixture
async def world(make_world: WorldFactory) -> World:
    w = await make_world()
    r = await w.call("admin_a", "PUT", "/policies", json={"source": POLICY})
    assert r.status_code == 200, r.text
    return w
