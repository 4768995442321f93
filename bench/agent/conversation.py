"""The two-tool conversation every system runs against the same OpenAI protocol fake.

The user asks about shot 2; the scripted model answers with two parallel tool calls
(``agent__bench_lookup_shot`` and ``agent__bench_shot_duration``, both trivial: the tools'
own work is not what is measured), then, given their results, with a text answer. Two model
turns, two tool calls per conversation. Standard library only: the peers' worker imports it
from its own venv.
"""

from __future__ import annotations

from typing import Any

USER = "What does shot 2 say, and how long is it?"
LOOKUP = "agent__bench_lookup_shot"
DURATION = "agent__bench_shot_duration"
ANSWER = "Shot 2 says 'The storm is coming' in Tom's voice and lasts 4.0 seconds."
MODEL_TURNS = 2
TOOL_CALLS = 2


def lookup_shot(shot: int) -> dict[str, Any]:
    return {"shot": shot, "text": "The storm is coming", "voice": "tom"}


def shot_duration(shot: int) -> dict[str, Any]:
    return {"shot": shot, "seconds": 4.0}


def script() -> dict[str, Any]:
    """The fake's script (``POST /fake/script``): replayed in a loop, two turns a conversation."""
    first = {
        "text": "",
        "calls": [
            {"name": LOOKUP, "arguments": {"shot": 2}},
            {"name": DURATION, "arguments": {"shot": 2}},
        ],
    }
    return {"turns": [first, {"text": ANSWER, "calls": []}], "cycle": True}
