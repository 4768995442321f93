"""Wiring for the platform: the loop's and the studio tools' skills, the offline engine,
and ``build_agents`` (the service, with the runtime the jobs reach through
``registry.services["agents"]``)."""

from __future__ import annotations

from typing import Any

from nexus.agents import loop, studio_tools
from nexus.agents.hub import LocalHub, RedisHub, TokenHub
from nexus.agents.memory import Memory
from nexus.agents.offline.engine import agent_commands
from nexus.agents.runtime import AgentRuntime
from nexus.agents.service import AgentService
from nexus.agents.tools import ToolBox
from nexus.core.registry import Registry
from nexus.core.settings import Settings
from nexus.governance.book import PolicyBook
from nexus.skills import SkillCatalogue

offline_engine = agent_commands


def register(registry: Registry) -> None:
    loop.register(registry)
    studio_tools.register(registry)


def build_hub(settings: Settings) -> TokenHub:
    url = settings.cache.url
    return RedisHub(url) if url.startswith(("redis://", "rediss://")) else LocalHub()


def build_agents(
    platform: Any, settings: Settings, catalogue: SkillCatalogue, book: PolicyBook
) -> AgentService:
    """``platform``: the ``Platform`` (db, registry, models, assets, budgets, create_run...)."""
    hub = build_hub(settings)
    toolbox = ToolBox(catalogue, book)
    embedder = getattr(platform.assets, "embedder", None)
    vectors = getattr(platform.assets, "vectors", None)  # the library's index (ADR 0308)
    memory = Memory(platform.db, embedder, vectors)
    runtime = AgentRuntime(platform.db, platform.registry, platform.models, toolbox, hub, memory)
    platform.registry.services["agents"] = runtime
    platform.registry.services["agent_host"] = platform
    return AgentService(platform.db, platform, toolbox, hub, platform.budgets)
