"""The policies in force, compiled once per (tenant, version) and kept in memory.

``evaluate`` is the hot path (every dispatch): a dict lookup, ``model_dump_json`` and one
engine evaluation, no I/O; a policy that provably reads of the input only its action,
principal, resource and some named context fields answers again from its memo, keyed on
exactly those (ADR 0207).
``install`` puts a tenant's current version in place (on load, after a PUT, when a refresh
sees a newer version).
"""

from __future__ import annotations

import json
from collections import OrderedDict

from nexus.contracts.governance import PolicyDecision, PolicyInput
from nexus.governance.defaults import DEFAULT_POLICY
from nexus.governance.engine import CompiledPolicy, compile_policy

MAX_COMPILED = 256  # compiled policies kept (current ones are also pinned in ``current``)


class PolicyBook:
    def __init__(self, default_source: str = DEFAULT_POLICY) -> None:
        self.default = compile_policy(default_source, version=0)
        self.current: dict[str, CompiledPolicy] = {}
        self._compiled: OrderedDict[tuple[str, int], CompiledPolicy] = OrderedDict()

    def compiled(self, tenant_id: str, version: int, source: str) -> CompiledPolicy:
        """The compiled form of ``(tenant_id, version)``, compiling it on first use."""
        key = (tenant_id, version)
        found = self._compiled.get(key)
        if found is None:
            found = compile_policy(source, version)
            self._compiled[key] = found
            while len(self._compiled) > MAX_COMPILED:
                self._compiled.popitem(last=False)
        else:
            self._compiled.move_to_end(key)
        return found

    def install(self, tenant_id: str, version: int, source: str) -> CompiledPolicy:
        policy = self.compiled(tenant_id, version, source)
        known = self.current.get(tenant_id)
        if known is None or known.version <= version:
            self.current[tenant_id] = policy
        return self.current[tenant_id]

    def version_of(self, tenant_id: str) -> int:
        found = self.current.get(tenant_id)
        return found.version if found is not None else 0

    def policy_for(self, tenant_id: str) -> CompiledPolicy:
        return self.current.get(tenant_id) or self.default

    def evaluate(self, request: PolicyInput) -> PolicyDecision:
        policy = self.current.get(request.principal.tenant_id) or self.default
        if policy.memo_context is None:
            return policy.evaluate_json(request.model_dump_json())
        key = memo_key(request, policy.memo_context)
        if key is None:
            return policy.evaluate_json(request.model_dump_json())
        found = policy.remembered(key)
        if found is None:
            found = policy.evaluate_json(request.model_dump_json())
            policy.remember(key, found)
        return found


def memo_key(request: PolicyInput, fields: tuple[str, ...]) -> str | None:
    """Everything such a policy can read: the input without its context, and the context's
    ``fields`` that are present (an absent field and a null one differ); None when a field's
    value is not plain JSON (then nothing is memoised for it)."""
    base = request.model_dump_json(exclude={"context"})
    if not fields:
        return base
    ctx = request.context
    picked = {f: ctx[f] for f in fields if f in ctx}
    try:
        return base + json.dumps(picked, sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError):
        return None
