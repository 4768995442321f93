"""The planner's side of a chat model: the ``ChatModel`` protocol it needs, and the bounded
ask -> parse -> repair -> validate -> re-ask loop every LLM-assisted stage goes through.

The planner never imports the model router: the studio adapts the router's client to
``ChatModel``. A reply is accepted only when it parses (after a local repair of broken JSON)
into the stage's pydantic model and passes the stage's own checks; otherwise the model is
asked again with the errors, at most ``max_attempts`` times, then ``provider_response_invalid``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, Protocol, TypedDict, TypeVar

import json_repair
from pydantic import BaseModel, ValidationError

from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError

MAX_ERRORS_SHOWN = 8
T = TypeVar("T", bound=BaseModel)
_FENCE = re.compile(r"^\s*```(?:json)?\s*|\s*```\s*$", re.IGNORECASE)


class ChatMessage(TypedDict):
    role: Literal["system", "user", "assistant"]
    content: str


class ChatModel(Protocol):
    async def complete_json(
        self, messages: Sequence[ChatMessage], schema: dict[str, Any], *, name: str
    ) -> str:
        """The model's reply to ``messages``, asked to be one JSON value matching ``schema``
        (``name`` names the schema, as OpenAI's structured output wants). Raises NexusError
        (provider_*, budget_exhausted, no_capable_provider) when no reply could be had."""
        ...


@dataclass
class Answer(Generic[T]):
    """An accepted reply: the validated value and how it was obtained."""

    value: T
    attempts: int
    repaired: bool
    errors: list[str] = field(default_factory=list)  # what was wrong with earlier replies


def parse_reply(text: str) -> tuple[Any, bool]:
    """(JSON value, repaired?) from a reply: plain JSON first, else a local repair (code
    fences, prose around the object, trailing commas, unclosed brackets of a cut reply)."""
    try:
        return json.loads(text), False
    except ValueError:
        pass
    stripped = _FENCE.sub("", text.strip())
    start = min((i for i in (stripped.find("{"), stripped.find("[")) if i >= 0), default=-1)
    candidate = stripped[start:] if start >= 0 else stripped
    value = json_repair.loads(candidate)
    if value in ("", None) or not isinstance(value, dict | list):
        raise ValueError("the reply holds no JSON object")
    return value, True


def _validation_errors(exc: ValidationError) -> list[str]:
    return [
        f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}"
        for e in exc.errors()[:MAX_ERRORS_SHOWN]
    ]


def _retry_message(errors: list[str]) -> ChatMessage:
    listed = "\n".join(f"- {e}" for e in errors[:MAX_ERRORS_SHOWN])
    return {
        "role": "user",
        "content": "Your reply was not accepted:\n"
        f"{listed}\nReply again with the complete JSON object only, fixing these problems.",
    }


def _judge(
    text: str, model: type[T], check: Callable[[T], list[str]] | None
) -> tuple[T | None, bool, list[str]]:
    try:
        data, repaired = parse_reply(text)
    except ValueError as exc:
        return None, False, [f"not JSON: {exc}"]
    try:
        value = model.model_validate(data)
    except ValidationError as exc:
        return None, repaired, _validation_errors(exc)
    problems = check(value) if check else []
    return (None if problems else value), repaired, problems


async def ask_structured(
    chat: ChatModel,
    messages: Sequence[ChatMessage],
    model: type[T],
    *,
    name: str,
    check: Callable[[T], list[str]] | None = None,
    max_attempts: int = 3,
) -> Answer[T]:
    """Ask until a reply validates as ``model`` and passes ``check`` (a list of problems, empty
    when fine); at most ``max_attempts`` replies, each re-ask carrying the previous errors."""
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")
    schema = model.model_json_schema()
    history: list[ChatMessage] = list(messages)
    seen: list[str] = []
    for attempt in range(1, max_attempts + 1):
        text = await chat.complete_json(history, schema, name=name)
        value, repaired, errors = _judge(text, model, check)
        if value is not None:
            return Answer(value, attempt, repaired, seen)
        seen += [f"attempt {attempt}: {e}" for e in errors]
        reply: ChatMessage = {"role": "assistant", "content": text[:4000]}
        history += [reply, _retry_message(errors)]
    raise NexusError(
        ErrorCode.PROVIDER_RESPONSE_INVALID,
        f"no valid {name} reply in {max_attempts} attempts: " + "; ".join(seen[-3:]),
    )
