"""The peers' side of bench/agent/run.py, run inside bench/agent/.venv-peer (never the
project's environment; it imports nothing of Nexus). Prints one JSON object.

    python bench/agent/peer_worker.py --system openai-agents|langgraph --url URL --n N

Each runs the two-tool conversation (conversation.py) ``warmup + n`` times against the
OpenAI protocol fake at ``URL`` (Chat Completions, streamed, two parallel tool calls then
the answer), a fresh conversation each time, and times each one from the user's message to
the final answer.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections.abc import Awaitable, Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

os.environ["OPENAI_AGENTS_DISABLE_TRACING"] = "1"  # no export to any network
sys.path.insert(0, str(Path(__file__).resolve().parent))
import conversation as conv

Conversation = Callable[[], Awaitable[str]]


def openai_agents(url: str) -> tuple[Conversation, dict[str, str]]:
    from openai import AsyncOpenAI

    from agents import (
        Agent,
        ModelSettings,
        OpenAIChatCompletionsModel,
        Runner,
        function_tool,
        set_tracing_disabled,
    )

    set_tracing_disabled(True)

    @function_tool(name_override=conv.LOOKUP)
    def lookup(shot: int) -> dict[str, Any]:
        """A shot's line and voice."""
        return conv.lookup_shot(shot)

    @function_tool(name_override=conv.DURATION)
    def duration(shot: int) -> dict[str, Any]:
        """A shot's duration in seconds."""
        return conv.shot_duration(shot)

    client = AsyncOpenAI(base_url=f"{url}/v1", api_key="sk-test", max_retries=0)
    agent = Agent(
        name="studio assistant",
        instructions="You help edit a video's shots.",
        model=OpenAIChatCompletionsModel(model="fake-chat", openai_client=client),
        model_settings=ModelSettings(parallel_tool_calls=True),
        tools=[lookup, duration],
    )

    async def run() -> str:
        result = Runner.run_streamed(agent, conv.USER, max_turns=12)
        async for _event in result.stream_events():
            pass
        return str(result.final_output)

    return run, {"openai-agents": version("openai-agents"), "openai": version("openai")}


def langgraph(url: str) -> tuple[Conversation, dict[str, str]]:
    from langchain_core.tools import tool
    from langchain_openai import ChatOpenAI
    from langgraph.prebuilt import create_react_agent

    @tool(conv.LOOKUP)
    def lookup(shot: int) -> dict[str, Any]:
        """A shot's line and voice."""
        return conv.lookup_shot(shot)

    @tool(conv.DURATION)
    def duration(shot: int) -> dict[str, Any]:
        """A shot's duration in seconds."""
        return conv.shot_duration(shot)

    model = ChatOpenAI(
        model="fake-chat",
        base_url=f"{url}/v1",
        api_key="sk-test",  # type: ignore[arg-type]
        streaming=True,
        max_retries=0,
    )
    graph = create_react_agent(model, [lookup, duration], prompt="You help edit a video's shots.")

    async def run() -> str:
        last = ""
        async for chunk, _meta in graph.astream(
            {"messages": [("user", conv.USER)]}, stream_mode="messages"
        ):
            if getattr(chunk, "type", "") == "AIMessageChunk":
                last += str(chunk.content or "")
        return last

    versions = {"langgraph": version("langgraph"), "langchain-openai": version("langchain-openai")}
    return run, versions


async def main(args: argparse.Namespace) -> None:
    make = {"openai-agents": openai_agents, "langgraph": langgraph}[args.system]
    run, versions = make(args.url)
    for _ in range(args.warmup):
        answer = await run()
    times: list[float] = []
    cpu0 = time.process_time()
    for _ in range(args.n):
        t0 = time.perf_counter()
        answer = await run()
        times.append(time.perf_counter() - t0)
    cpu = time.process_time() - cpu0
    if conv.ANSWER not in answer:
        raise SystemExit(f"{args.system}: unexpected answer {answer!r}")
    print(json.dumps({"times": times, "cpu_s": cpu, "versions": versions}))


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--system", required=True, choices=["openai-agents", "langgraph"])
    p.add_argument("--url", required=True)
    p.add_argument("--n", type=int, default=50)
    p.add_argument("--warmup", type=int, default=5)
    asyncio.run(main(p.parse_args()))
