"""The tenant's policy: read the current version and the history (admins), write a new
version (admins; validated first: ``policy_invalid`` 422 with the engine's message), and
dry-run a ``PolicyInput`` against the current policy or a draft."""

from __future__ import annotations

from fastapi import APIRouter, Request

from nexus.gateway import schemas_governance as gs
from nexus.gateway.deps import Admin, GatewayDep, audit
from nexus.gateway.services import policy_check
from nexus.governance import policies
from nexus.governance.engine import compile_policy
from nexus.governance.policies import PolicyRecord

router = APIRouter(tags=["policies"])


def _view(record: PolicyRecord) -> gs.Policy:
    return gs.Policy.model_validate(record.__dict__)


@router.get("/policies", response_model=gs.Policy)
async def read_policy(principal: Admin, gw: GatewayDep) -> gs.Policy:
    """The policy in force (version 0: the built-in default, nothing written yet)."""
    async with gw.platform.db.read() as conn:
        record = await policies.current_policy(conn, principal.tenant_id)
    if record is not None:
        return _view(record)
    default = gw.platform.policies.default
    return gs.Policy(
        tenant_id=principal.tenant_id,
        version=0,
        package=default.package,
        syntax=default.syntax,
        source=default.source,
        comment="built-in default",
    )


@router.get("/policies/history", response_model=gs.PolicyHistory)
async def policy_history(principal: Admin, gw: GatewayDep) -> gs.PolicyHistory:
    """Every version written, newest first."""
    async with gw.platform.db.read() as conn:
        records = await policies.policy_history(conn, principal.tenant_id)
    return gs.PolicyHistory(items=[_view(r) for r in records])


@router.put("/policies", response_model=gs.Policy)
async def set_policy(
    body: gs.PolicySet, request: Request, principal: Admin, gw: GatewayDep
) -> gs.Policy:
    """Write the next version; it takes effect once it compiles and passes ``tests``."""
    tests = [t.model_dump(mode="json") for t in body.tests]
    async with gw.platform.db.transaction() as conn:
        record, _ = await policies.put_policy(
            conn,
            principal.tenant_id,
            body.source,
            tests=tests,
            comment=body.comment,
            created_by=principal.user_id,
            trace_id=getattr(request.state, "trace_id", ""),
        )
    gw.platform.policies.install(principal.tenant_id, record.version, record.source)
    await policy_check.reset_refresh(gw.platform)
    await audit(
        request,
        "policy.set",
        principal=principal,
        target_type="policy",
        target_id=f"{principal.tenant_id}:{record.version}",
        detail={"version": record.version, "package": record.package, "tests": len(tests)},
    )
    return _view(record)


@router.post("/policies/evaluate", response_model=gs.PolicyEvaluation)
async def evaluate_policy(
    body: gs.PolicyEvaluate, request: Request, principal: Admin, gw: GatewayDep
) -> gs.PolicyEvaluation:
    """Dry-run: what the current policy (or the draft ``source``) answers ``input``. The
    input's tenant is always the caller's."""
    question = body.input.model_copy(
        update={
            "principal": body.input.principal.model_copy(update={"tenant_id": principal.tenant_id})
        }
    )
    if body.source is not None:
        decision = compile_policy(body.source).evaluate_json(question.model_dump_json())
    else:
        await policy_check.fresh_policies(gw.platform)
        decision = gw.platform.policies.evaluate(question)
    await audit(
        request,
        "policy.evaluate",
        principal=principal,
        target_type="policy",
        target_id=principal.tenant_id,
        detail=policy_check.audit_detail(question, decision),
    )
    return gs.PolicyEvaluation(input=question, decision=decision)
