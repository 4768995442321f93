"""``offline/agent-commands``: the router's "tools" engine with no network.

Called by the router as ``await engine(messages=..., tools=..., json_schema=None,
temperature=..., max_tokens=..., stream=..., on_delta=...)``. A turn whose last message is
the user's parses it (``commands.parse``) into calls of the tools it was given; a turn after
tool results answers with a short summary of them (streamed to ``on_delta`` word by word).
Something it cannot read, or a tool it was not given: an answer saying what it understands,
never an error. Deterministic: the call ids are derived from the conversation.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from nexus.agents.offline.commands import UNDERSTOOD_EN, UNDERSTOOD_ZH, is_chinese, parse
from nexus.contracts.router import Usage
from nexus.core.ids import sha256_hex
from nexus.model_router.results import ChatResult, ToolCall

MODEL = "agent-commands"


def tool_name(skill: str) -> str:
    """A skill name as an OpenAI function name (dots are not allowed there)."""
    return skill.replace(".", "__")


def skill_name(tool: str) -> str:
    return tool.replace("__", ".")


def _tokens(text: str) -> int:
    cjk = sum(1 for ch in text if ord(ch) >= 0x2E80)
    return cjk + (len(text) - cjk + 3) // 4 + 1


def _last_user(messages: list[dict[str, Any]]) -> tuple[int, str]:
    for i in range(len(messages) - 1, -1, -1):
        if messages[i].get("role") == "user":
            return i, str(messages[i].get("content") or "")
    return -1, ""


def _summary(content: str) -> str:
    try:
        data = json.loads(content)
    except ValueError:
        return content.strip()
    if isinstance(data, dict):
        if data.get("error"):
            return f"{data.get('error_code', 'error')}: {data['error']}"
        return str(data.get("summary") or json.dumps(data, ensure_ascii=False)[:300])
    return str(data)[:300]


def _answer(messages: list[dict[str, Any]], start: int, zh: bool) -> str:
    results = [
        _summary(str(m.get("content") or "")) for m in messages[start:] if m.get("role") == "tool"
    ]
    lines = [r for r in results if r]
    if not lines:
        return "好的。" if zh else "Done."
    head = "完成：" if zh else "Done: "
    return head + ("；" if zh else "; ").join(lines)


async def agent_commands(
    *,
    messages: list[dict[str, Any]],
    tools: list[dict[str, Any]] | None = None,
    json_schema: dict[str, Any] | None = None,
    temperature: float | None = None,
    max_tokens: int | None = None,
    stream: bool = False,
    on_delta: Callable[[str], None] | None = None,
    **_: Any,
) -> ChatResult:
    available = {str((t.get("function") or t).get("name")) for t in tools or []}
    index, text = _last_user(messages)
    zh = is_chinese(text)
    prompt_tokens = sum(_tokens(str(m.get("content") or "")) for m in messages)
    after_tools = any(m.get("role") == "tool" for m in messages[index + 1 :])
    calls: list[ToolCall] = []
    answer = ""
    if after_tools:
        answer = _answer(messages, index + 1, zh)
    else:
        intents = parse(text)
        missing = [i.tool for i in intents if tool_name(i.tool) not in available]
        if missing:
            names = ", ".join(missing)
            answer = f"这个会话不能使用：{names}。" if zh else f"This session may not use: {names}."
        elif intents:
            seed = sha256_hex(f"{len(messages)}:{text}")[:12]
            calls = [
                ToolCall(call_id=f"call_{seed}_{n}", name=tool_name(i.tool), arguments=i.args)
                for n, i in enumerate(intents)
            ]
        else:
            answer = UNDERSTOOD_ZH if zh else UNDERSTOOD_EN
    if answer and on_delta is not None:
        for piece in re.findall(r"\S+\s*|\s+", answer) if not zh else list(answer):
            on_delta(piece)
    out_tokens = _tokens(answer) + sum(_tokens(json.dumps(c.arguments)) for c in calls)
    return ChatResult(
        model=MODEL,
        text=answer,
        tool_calls=tuple(calls),
        finish_reason="tool_calls" if calls else "stop",
        usage=Usage(input_tokens=prompt_tokens, output_tokens=out_tokens),
    )
