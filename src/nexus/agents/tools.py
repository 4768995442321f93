"""Tools = skills: what a session's model may call, as the policy allows it.

The catalogue's skills of category "agent" (the studio operations and ``agent.remember``)
minus the loop's own skills, each asked of the tenant's policy for action ``tool.call``
(resource: the skill; context: the session's project, run and policy context). Denied ones
are not offered; a call is asked again with its arguments (``verdict_for_call``), since a
rule may look at them. ``ToolSpec.name`` is the skill name with dots as ``__``.
"""

from __future__ import annotations

from typing import Any

from nexus.agents.offline.engine import skill_name, tool_name
from nexus.contracts.agents import SessionRecord, ToolSpec
from nexus.contracts.governance import (
    PolicyDecision,
    PolicyInput,
    PolicyResource,
    Principal,
    SkillSpec,
)
from nexus.governance.book import PolicyBook
from nexus.skills import SkillCatalogue

LOOP_SKILLS = frozenset({"agent.model_turn", "agent.tool"})
# Tools whose every call waits for a second person, whatever the policy says: they start
# work that spends real money (a whole production).
SENSITIVE = frozenset({"agent.start_production"})


def policy_input(
    principal: Principal,
    session: SessionRecord,
    spec: SkillSpec,
    arguments: dict[str, Any] | None = None,
) -> PolicyInput:
    context: dict[str, Any] = {
        "project_id": session.project_id,
        "session_id": session.session_id,
        "run_id": session.run_id,
        **session.policy_context,
    }
    if arguments is not None:
        context["arguments"] = arguments
    return PolicyInput(
        action="tool.call",
        principal=principal.model_copy(update={"via": "agent"}),
        resource=PolicyResource(
            kind="skill",
            name=spec.name,
            version=spec.version,
            category=spec.category,
            origin=spec.origin,
            tenant_id=spec.tenant_id,
        ),
        context=context,
    )


def as_tool(spec: SkillSpec) -> ToolSpec:
    return ToolSpec(
        name=tool_name(spec.name),
        skill=spec.name,
        version=spec.version,
        description=spec.description,
        input_schema=spec.input_schema,
        sensitive=spec.name in SENSITIVE,
    )


def openai_tools(tools: list[ToolSpec]) -> list[dict[str, Any]]:
    """The chat provider's tool-calling format (OpenAI ``tools``)."""
    return [
        {
            "type": "function",
            "function": {
                "name": t.name,
                "description": t.description,
                "parameters": t.input_schema or {"type": "object", "properties": {}},
            },
        }
        for t in tools
    ]


class ToolBox:
    def __init__(self, catalogue: SkillCatalogue, book: PolicyBook) -> None:
        self.catalogue = catalogue
        self.book = book

    async def specs(self, tenant_id: str) -> dict[str, SkillSpec]:
        found = await self.catalogue.list_specs(tenant_id, category="agent")
        return {s.name: s for s in found if s.name not in LOOP_SKILLS}

    async def tools(
        self,
        principal: Principal,
        session: SessionRecord,
        specs: dict[str, SkillSpec] | None = None,
    ) -> list[ToolSpec]:
        """The tools this session's model sees (policy allow or needs_approval), from
        ``specs`` when the caller has read them already."""
        out: list[ToolSpec] = []
        if specs is None:
            specs = await self.specs(session.tenant_id)
        for spec in specs.values():
            decision = self.book.evaluate(policy_input(principal, session, spec))
            if decision.verdict != "deny":
                out.append(as_tool(spec))
        return out

    def verdict_for_call(
        self,
        principal: Principal,
        session: SessionRecord,
        spec: SkillSpec,
        arguments: dict[str, Any],
    ) -> tuple[PolicyInput, PolicyDecision]:
        request = policy_input(principal, session, spec, arguments)
        return request, self.book.evaluate(request)

    @staticmethod
    def skill_of(name: str) -> str:
        return skill_name(name)
