"""The studio seam as the gateway uses it: one implementation in ``nexus.agents.studio_ops``
(the agent's tools call the same functions; ADR 0304)."""

from __future__ import annotations

from nexus.agents.studio_ops import (
    BINDING,
    RESOLUTIONS,
    StudioBinding,
    plan_output_or_none,
    plan_shot_revision,
    read_entities,
    read_shot,
    read_shots,
    shot_regeneration,
)

_plan_output = plan_output_or_none

__all__ = [
    "BINDING",
    "RESOLUTIONS",
    "StudioBinding",
    "plan_output_or_none",
    "plan_shot_revision",
    "read_entities",
    "read_shot",
    "read_shots",
    "shot_regeneration",
]
