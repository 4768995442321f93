"""Safety of text going to and coming from models: injection markers fenced in user text,
sensitive data found and (where the policy says so) redacted in prompts and outputs."""

from __future__ import annotations

from nexus.safety.fence import (
    DATA_CLOSE,
    DATA_OPEN,
    DATA_RULE,
    fence,
    neutralise,
    scan,
    unfence,
    unquote,
)
from nexus.safety.redaction import (
    SafetyPolicy,
    SafetyPolicyFor,
    policy_from_settings,
    redact_messages,
    redact_result,
)

__all__ = [
    "DATA_CLOSE",
    "DATA_OPEN",
    "DATA_RULE",
    "SafetyPolicy",
    "SafetyPolicyFor",
    "fence",
    "neutralise",
    "policy_from_settings",
    "redact_messages",
    "redact_result",
    "scan",
    "unfence",
    "unquote",
]
