"""The executable task graph as data: nodes of skill invocations, built by planners."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from nexus.contracts.base import StrictModel

NODE_KEY_PATTERN = r"^[A-Za-z0-9_.:\[\]\-]{1,200}$"


class NodeSpec(StrictModel):
    """One node of a run's DAG.

    ``after`` lists the node keys whose committed outputs this node consumes; they are
    part of its cache key. ``gather`` makes it also wait for every child that the named
    node's expander adds (fan-in). ``expand`` names a registered expander called with this
    node's output to add child nodes (dynamic fan-out).
    """

    key: str = Field(pattern=NODE_KEY_PATTERN)
    skill: str
    params: dict[str, Any] = Field(default_factory=dict)
    after: list[str] = Field(default_factory=list)
    gather: str | None = None
    expand: str | None = None
    requires_approval: bool = False
