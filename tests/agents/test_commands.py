"""The offline engine's command language on a table of Chinese and English commands, and the
engine's two kinds of turn (tool calls, then a summary streamed as deltas)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from nexus.agents.offline.commands import (
    UNDERSTOOD_EN,
    UNDERSTOOD_ZH,
    parse,
    shot_number,
    zh_number,
)
from nexus.agents.offline.engine import agent_commands, tool_name

TABLE: list[tuple[str, str | None, dict[str, Any]]] = [
    ("把第3个镜头的台词改成风暴要来了", "agent.edit_shot", {"shot": 3, "text": "风暴要来了"}),
    ("把第二个镜头的台词改为“快跑！”", "agent.edit_shot", {"shot": 2, "text": "快跑！"}),
    (
        "第十二个镜头用Tom的声音说「你好」",
        "agent.edit_shot",
        {"shot": 12, "text": "你好", "voice_of": "Tom"},
    ),
    ("make shot 3 shorter", "agent.edit_shot", {"shot": 3, "duration_factor": 0.75}),
    ("make the third shot longer", "agent.edit_shot", {"shot": 3, "duration_factor": 1.25}),
    ("make shot 4 6 seconds long", "agent.edit_shot", {"shot": 4, "duration_s": 6.0}),
    ("把第2个镜头改成5秒", "agent.edit_shot", {"shot": 2, "duration_s": 5.0}),
    ("把第1个镜头缩短", "agent.edit_shot", {"shot": 1, "duration_factor": 0.75}),
    (
        "make the second shot say 'The storm is coming' in Tom's voice and regenerate it",
        "agent.edit_shot",
        {"shot": 2, "text": "The storm is coming", "voice_of": "Tom"},
    ),
    (
        'change the line of shot 4 to "Hello there"',
        "agent.edit_shot",
        {"shot": 4, "text": "Hello there"},
    ),
    (
        "use a deeper voice for Tom",
        "agent.recast_voice",
        {"character": "Tom", "direction": "deeper"},
    ),
    (
        "use a higher voice for Mara",
        "agent.recast_voice",
        {"character": "Mara", "direction": "higher"},
    ),
    ("给Tom换一个更低沉的声音", "agent.recast_voice", {"character": "Tom", "direction": "deeper"}),
    ("regenerate shot 2", "agent.regenerate_shot", {"shot": 2}),
    ("regenerate the last shot", "agent.regenerate_shot", {"shot": -1}),
    ("重新生成第二个镜头", "agent.regenerate_shot", {"shot": 2}),
    ("find assets of a lighthouse", "agent.search_assets", {"query": "lighthouse"}),
    ("search for images of the old harbour", "agent.search_assets", {"query": "old harbour"}),
    ("找一下灯塔的素材", "agent.search_assets", {"query": "灯塔"}),
    ("how much will it cost", "agent.estimate_cost", {}),
    ("要花多少钱？", "agent.estimate_cost", {}),
    ("show me the plan", "agent.read_plan", {}),
    ("看看分镜", "agent.read_plan", {}),
    (
        "produce: A keeper lit the lamp.",
        "agent.start_production",
        {"story": "A keeper lit the lamp"},
    ),
    ("开始制作：灯塔守护人点亮了灯。", "agent.start_production", {"story": "灯塔守护人点亮了灯"}),
    ("Tom is a grumpy old man", "agent.remember", {"fact": "Tom is a grumpy old man"}),
    ("remember that Mara hates the sea", "agent.remember", {"fact": "Mara hates the sea"}),
    ("记住Tom是个脾气暴躁的老人", "agent.remember", {"fact": "Tom是个脾气暴躁的老人"}),
    ("hello there", None, {}),
    ("what is the weather like?", None, {}),
    ("你好", None, {}),
]


@pytest.mark.parametrize(("text", "tool", "args"), TABLE, ids=[t[0][:40] for t in TABLE])
def test_the_command_table(text: str, tool: str | None, args: dict[str, Any]) -> None:
    intents = parse(text)
    if tool is None:
        assert intents == []
        return
    assert [(i.tool, i.args) for i in intents] == [(tool, args)]


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("shot 7", 7),
        ("the first shot", 1),
        ("the 3rd shot", 3),
        ("第三个镜头", 3),
        ("第二十一个镜头", 21),
        ("镜头5", 5),
        ("no shot", None),
    ],
)
def test_shot_numbers(text: str, number: int | None) -> None:
    assert shot_number(text) == number


def test_chinese_numerals() -> None:
    assert [zh_number(t) for t in ["一", "十", "十二", "二十", "九十九", "3", "x"]] == [
        1,
        10,
        12,
        20,
        99,
        3,
        None,
    ]


def tools(*skills: str) -> list[dict[str, Any]]:
    return [
        {"type": "function", "function": {"name": tool_name(s), "parameters": {}}} for s in skills
    ]


async def test_a_first_turn_calls_the_tools_it_was_given() -> None:
    deltas: list[str] = []
    result = await agent_commands(
        messages=[{"role": "user", "content": "make shot 3 shorter"}],
        tools=tools("agent.edit_shot"),
        stream=True,
        on_delta=deltas.append,
    )
    assert [(c.name, c.arguments) for c in result.tool_calls] == [
        ("agent__edit_shot", {"shot": 3, "duration_factor": 0.75})
    ]
    assert result.finish_reason == "tool_calls" and deltas == [] and result.text == ""
    again = await agent_commands(
        messages=[{"role": "user", "content": "make shot 3 shorter"}],
        tools=tools("agent.edit_shot"),
    )
    assert again.tool_calls[0].call_id == result.tool_calls[0].call_id  # deterministic


async def test_after_the_results_it_summarises_them_as_deltas() -> None:
    deltas: list[str] = []
    result = await agent_commands(
        messages=[
            {"role": "user", "content": "把第1个镜头缩短"},
            {"role": "assistant", "content": None, "tool_calls": [{"id": "c1"}]},
            {
                "role": "tool",
                "tool_call_id": "c1",
                "content": json.dumps({"summary": "镜头1已缩短"}),
            },
        ],
        tools=tools("agent.edit_shot"),
        stream=True,
        on_delta=deltas.append,
    )
    assert result.tool_calls == () and result.text == "完成：镜头1已缩短"
    assert "".join(deltas) == result.text and len(deltas) > 1
    refused = await agent_commands(
        messages=[
            {"role": "user", "content": "regenerate shot 2"},
            {
                "role": "tool",
                "tool_call_id": "c",
                "content": json.dumps({"error": "refused: no", "error_code": "tool_denied"}),
            },
        ],
        tools=tools("agent.regenerate_shot"),
    )
    assert refused.text == "Done: tool_denied: refused: no"


async def test_what_it_cannot_read_or_may_not_do_is_an_answer() -> None:
    en = await agent_commands(
        messages=[{"role": "user", "content": "sing me a song"}], tools=tools("agent.edit_shot")
    )
    zh = await agent_commands(
        messages=[{"role": "user", "content": "唱首歌吧"}], tools=tools("agent.edit_shot")
    )
    assert (en.text, zh.text) == (UNDERSTOOD_EN, UNDERSTOOD_ZH) and not en.tool_calls
    missing = await agent_commands(
        messages=[{"role": "user", "content": "regenerate shot 2"}], tools=tools("agent.edit_shot")
    )
    assert missing.tool_calls == () and "agent.regenerate_shot" in missing.text
