"""Entity revisions of a studio run: rename, replace aliases, change a voice, merge (ADR 0271).

One implementation in ``nexus.agents.studio_revisions`` (the agent's ``agent.recast_voice``
calls it too; ADR 0304).
"""

from __future__ import annotations

from nexus.agents.studio_revisions import edited_pack
from nexus.agents.studio_revisions import plan_entity_revision as plan_revision

__all__ = ["edited_pack", "plan_revision"]
