"""The conversation as the model sees it: a system message (what the assistant is, the
session's run, the facts remembered that bear on the question) and the session's messages
in OpenAI chat format, the oldest dropped first past the token budget."""

from __future__ import annotations

import json
from typing import Any

from nexus.contracts.agents import MessageRecord, SessionRecord

HISTORY_TOKENS = 6000
SYSTEM = (
    "You are the Nexus studio assistant. You edit and regenerate the shots of the user's "
    "story-to-video production and answer questions about it, using only the tools you are "
    "given. Call tools for actions; after their results, answer briefly in the user's "
    "language with what was done. A refused tool call's result says why: tell the user."
)


def approx_tokens(text: str) -> int:
    cjk = sum(1 for ch in text if ord(ch) >= 0x2E80)
    return cjk + (len(text) - cjk + 3) // 4 + 1


def system_message(session: SessionRecord, facts: list[str]) -> dict[str, Any]:
    parts = [SYSTEM, f"Project: {session.project_id}."]
    if session.run_id:
        parts.append(f"The production you work on is run {session.run_id}.")
    if facts:
        parts.append("Facts the user told you:\n" + "\n".join(f"- {f}" for f in facts))
    return {"role": "system", "content": "\n".join(parts)}


def _as_chat(message: MessageRecord) -> dict[str, Any] | None:
    if message.role == "user":
        return {"role": "user", "content": message.content}
    if message.role == "assistant":
        out: dict[str, Any] = {"role": "assistant", "content": message.content or None}
        if message.tool_calls:
            out["tool_calls"] = message.tool_calls
        return out
    return None


def conversation(
    session: SessionRecord,
    messages: list[MessageRecord],
    model_ids: dict[str, str],
    facts: list[str],
    *,
    budget: int = HISTORY_TOKENS,
) -> list[dict[str, Any]]:
    """``model_ids``: our tool call id -> the model's call id (tool results answer those)."""
    chat: list[dict[str, Any]] = []
    for m in messages:
        if m.role == "tool":
            chat.append(
                {
                    "role": "tool",
                    "tool_call_id": model_ids.get(m.tool_call_id or "", m.tool_call_id),
                    "content": m.content,
                }
            )
        else:
            item = _as_chat(m)
            if item is not None:
                chat.append(item)
    # Drop whole exchanges from the front past the budget; never split a tool call from its
    # results (a tool message without its assistant message is refused by providers).
    while (
        len(chat) > 1
        and sum(approx_tokens(json.dumps(c, ensure_ascii=False)) for c in chat) > budget
    ):
        chat.pop(0)
        while chat and chat[0]["role"] == "tool":
            chat.pop(0)
    return [system_message(session, facts), *chat]
