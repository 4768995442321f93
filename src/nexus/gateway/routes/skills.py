"""Skills: the catalogue (built-ins and the caller tenant's user skills), any member.

Paged by name: ``next`` is the last name of the page, passed back as ``cursor``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from nexus.contracts.governance import SkillCategory
from nexus.gateway.deps import AnyPrincipal, GatewayDep
from nexus.skills.schemas import SkillDetail, SkillPage, summary_of

router = APIRouter(prefix="/skills", tags=["skills"])
NAME = r"^[A-Za-z0-9_.:-]{1,128}$"
SkillCursor = Annotated[
    str | None, Query(pattern=NAME, description="The ``next`` value of the previous page.")
]


@router.get("", response_model=SkillPage)
async def list_skills(
    principal: AnyPrincipal,
    gw: GatewayDep,
    category: SkillCategory | None = None,
    cursor: SkillCursor = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> SkillPage:
    """Every skill by name: version, category, origin, resource class, network hosts."""
    specs = await gw.platform.skills.list_specs(principal.tenant_id, category=category)
    after = [s for s in specs if cursor is None or s.name > cursor]
    items = [summary_of(s) for s in after[:limit]]
    more = len(after) > limit
    return SkillPage(items=items, total=len(specs), next=items[-1].name if more else None)


@router.get("/{name}", response_model=SkillDetail)
async def read_skill(
    name: str,
    principal: AnyPrincipal,
    gw: GatewayDep,
    version: Annotated[str | None, Query(max_length=32)] = None,
) -> SkillDetail:
    """One skill: its spec (schemas, permissions, digest) and every version seen;
    ``version``: that recorded version's spec (``skill_not_found`` if never recorded)."""
    return await gw.platform.skills.read_skill(principal.tenant_id, name, version)
