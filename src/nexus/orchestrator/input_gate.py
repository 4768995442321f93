"""The input check at dispatch: a job whose params do not validate against its skill's input
model is denied with ``invalid_input`` (not retried; the run fails with the code) before any
other gate is asked. Validated with the pydantic model the registry already holds, not a JSON
Schema per job: the hot path pays one ``model_validate`` (ADR 0202).

A job pinned at another version than this process's skill, or of a skill this process does
not have (a user skill, a newer worker), is passed through: only the worker that runs it can
judge its input, and it checks again on receipt.
"""

from __future__ import annotations

from pydantic import ValidationError

from nexus.contracts.errors import ErrorCode
from nexus.core.registry import Registry
from nexus.orchestrator.gate import DispatchGate, GateRequest, Verdict
from nexus.orchestrator.transitions import COMPENSATION_PREFIX


def describe(exc: ValidationError, limit: int = 3) -> str:
    """``field: message`` for the first ``limit`` errors (never the offending values)."""
    parts = [
        f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}"
        for e in exc.errors()[:limit]
    ]
    more = exc.error_count() - limit
    return "; ".join(parts) + (f" (+{more} more)" if more > 0 else "")


class InputGate:
    def __init__(self, registry: Registry, inner: DispatchGate) -> None:
        self.registry = registry
        self.inner = inner

    def review(self, request: GateRequest) -> Verdict:
        skill = self.registry.skills.get(request.skill)
        if (
            skill is not None
            and request.params is not None
            and skill.version == request.skill_version
            and not request.node_key.startswith(COMPENSATION_PREFIX)  # params are the target's
        ):
            try:
                skill.input_model.model_validate(request.params)
            except ValidationError as exc:
                return Verdict(
                    "deny",
                    code=ErrorCode.INVALID_INPUT,
                    reason=f"{request.skill}@{request.skill_version}: {describe(exc)}",
                )
        return self.inner.review(request)
