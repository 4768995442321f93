"""Scripted chat models for the LLM-assisted planner stages.

``OracleChat`` answers like a competent model would: it reads the passage out of the prompt
and replies with the entities / shots the rule-based engines find in it (so the answers are
right without a real model). ``ScriptedChat`` replays given replies, for the repair and
re-ask paths. Both count calls and keep the messages they were sent.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from nexus.entity_core import extract_entities
from nexus.planner import ingest_story
from nexus.planner.llm import ChatMessage
from nexus.safety import unfence, unquote
from tests.fakes.openai_server import OpenAIServer

_PASSAGE = re.compile(r"The passage:\n\n(?P<passage>.*)\Z", re.DOTALL)


def passage_of(messages: Sequence[ChatMessage]) -> str:
    first_user = next(m["content"] for m in messages if m["role"] == "user")
    match = _PASSAGE.search(first_user)
    assert match, "the prompt carries the passage"
    return unquote(unfence(match.group("passage")))  # as a model reads the fenced text


def known_characters(messages: Sequence[ChatMessage]) -> list[dict[str, Any]]:
    first_user = next(m["content"] for m in messages if m["role"] == "user")
    match = re.search(r"Characters \(JSON: name and aliases\): (\[.*?\])\n", first_user)
    return json.loads(match.group(1)) if match else []


def entity_reply(passage: str) -> dict[str, Any]:
    story = ingest_story(passage.encode("utf-8"))
    pack = extract_entities(story, voices=[], narrator_voice="narrator")
    as_drafts = lambda es: [  # noqa: E731
        {"name": e.name, "aliases": e.aliases, "gender": e.gender} for e in es
    ]
    return {
        "characters": as_drafts(pack.characters),
        "places": as_drafts(pack.places),
        "props": as_drafts(pack.props),
    }


def shot_reply(passage: str, roster: list[dict[str, Any]]) -> dict[str, Any]:
    """One shot per paragraph: its narration and quotations as lines, speakers by name."""
    forms = {f.casefold(): r["name"] for r in roster for f in [r["name"], *r["aliases"]]}
    story = ingest_story(passage.encode("utf-8"))
    shots: dict[int, dict[str, Any]] = {}
    for scene in story.scenes:
        for sentence in scene.sentences:
            shot = shots.setdefault(
                sentence.paragraph_index,
                {"lines": [], "characters": [], "camera": "static", "transition": "cut",
                 "visual_prompt": "a quiet coast at dusk, soft light"},
            )  # fmt: skip
            for part in sentence.parts:
                speaker = forms.get((part.speaker or "").casefold())
                shot["lines"].append({"text": part.text, "speaker": speaker})
                if speaker and speaker not in shot["characters"]:
                    shot["characters"].append(speaker)
    return {"shots": list(shots.values())}


class ScriptedChat:
    """Replays ``replies`` in order (the last one repeats)."""

    def __init__(self, replies: list[str]) -> None:
        self.replies = replies
        self.calls: list[list[ChatMessage]] = []

    async def complete_json(
        self, messages: Sequence[ChatMessage], schema: dict[str, Any], *, name: str
    ) -> str:
        self.calls.append(list(messages))
        return self.replies[min(len(self.calls), len(self.replies)) - 1]


class OracleChat:
    """Answers entity and shot prompts correctly, from the passage in the prompt."""

    def __init__(self) -> None:
        self.calls: dict[str, int] = {"entities": 0, "shots": 0}

    async def complete_json(
        self, messages: Sequence[ChatMessage], schema: dict[str, Any], *, name: str
    ) -> str:
        self.calls[name] += 1
        passage = passage_of(messages)
        if name == "entities":
            return json.dumps(entity_reply(passage), ensure_ascii=False)
        return json.dumps(shot_reply(passage, known_characters(messages)), ensure_ascii=False)


class OracleOpenAIServer(OpenAIServer):
    """The OpenAI protocol fake (tests/fakes) answering the planner's JSON prompts like a
    competent model (entities / shots from the passage); everything else as the fake does."""

    def _content(self, body: dict[str, Any]) -> tuple[str, list[dict[str, Any]] | None]:
        fmt = body.get("response_format") or {}
        if fmt.get("type") != "json_schema" or self.replies:
            return super()._content(body)
        messages = body["messages"]
        passage = passage_of(messages)
        if "casting assistant" in messages[0]["content"]:
            return json.dumps(entity_reply(passage), ensure_ascii=False), None
        reply = shot_reply(passage, known_characters(messages))
        return json.dumps(reply, ensure_ascii=False), None


def openai_provider(name: str, url: str, **prices: float) -> dict[str, Any]:
    """Provider settings for a fake: chat+json, images and speech models, priced."""
    return {
        "name": name,
        "kind": "openai",
        "base_url": f"{url}/v1",
        "api_key": "sk-test",
        "max_retries": 1,
        "timeout_s": 10.0,
        "models": [
            {
                "name": "fake-chat",
                "capabilities": ["chat", "json"],
                "prices": {
                    "input_per_mtok": prices.get("input_per_mtok", 1.0),
                    "output_per_mtok": prices.get("output_per_mtok", 2.0),
                },
            },
            {
                "name": "fake-image",
                "capabilities": ["image"],
                "prices": {"per_image": prices.get("per_image", 0.04)},
            },
            {
                "name": "fake-tts",
                "capabilities": ["speech"],
                "prices": {"per_audio_s": prices.get("per_audio_s", 0.001)},
            },
        ],
    }
