"""Redaction of model calls where the policy says so: prompts before they are sent, outputs
before they are returned. The one redaction function is ``core.redaction``'s; this decides
when it applies. ``SafetyPolicy`` is what the policy engine answers per call scope."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from nexus.contracts.router import CallScope
from nexus.core.redaction import redact, redact_value
from nexus.core.settings import SafetySettings


@dataclass(frozen=True)
class SafetyPolicy:
    redact_prompts: bool = False
    redact_outputs: bool = False


T = TypeVar("T")
SafetyPolicyFor = Callable[[CallScope], SafetyPolicy]
"""Who decides, per call: the settings' constant by default; the policy engine may set its
own on ``ModelClient.safety_for`` (per tenant, per project)."""


def policy_from_settings(settings: SafetySettings) -> SafetyPolicyFor:
    fixed = SafetyPolicy(settings.redact_prompts, settings.redact_outputs)
    return lambda _scope: fixed


def redact_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Chat messages with their text content redacted (roles, names and tool ids kept)."""
    out: list[dict[str, Any]] = []
    for message in messages:
        content = message.get("content")
        if isinstance(content, str):
            content = redact(content)
        elif isinstance(content, list):  # multi-part content: redact the text parts
            content = [
                {**part, "text": redact(str(part["text"]))}
                if isinstance(part, dict) and "text" in part
                else part
                for part in content  # pyright: ignore[reportUnknownVariableType]
            ]
        out.append({**message, "content": content} if "content" in message else dict(message))
    return out


def redact_result(result: T) -> T:
    """A chat result (a frozen dataclass with ``text`` and ``parsed``) with both redacted."""
    if not dataclasses.is_dataclass(result) or isinstance(result, type):
        return result
    changes: dict[str, Any] = {}
    text = getattr(result, "text", None)
    if isinstance(text, str):
        changes["text"] = redact(text)
    parsed = getattr(result, "parsed", None)
    if parsed is not None:
        changes["parsed"] = redact_value(parsed)
    return dataclasses.replace(result, **changes) if changes else result  # type: ignore[type-var]
