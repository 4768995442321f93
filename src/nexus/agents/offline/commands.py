"""The offline engine's command language: a user message (English or Chinese) -> intents.

Deterministic regular expressions over a small vocabulary (docs/agents.md lists it):
shots by number or ordinal ("shot 3", "the second shot", "第3个镜头", "第二个镜头"), a new
line ("say '...'", "台词改成…"), a character's voice ("in Tom's voice", "用Tom的声音"), a
deeper or higher voice for a character, shorter/longer or N seconds, regenerate, search
assets, estimate cost, show the plan, start a production, and facts to remember ("Tom is a
grumpy old man", "记住…"). Several intents may come from one message ("... and regenerate
it"); what it cannot read yields no intent (the engine then says what it understands).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

ORDINALS_EN = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
    "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10, "last": -1,
}  # fmt: skip
DIGITS_ZH = {
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
QUOTES = "\"'“”‘’「」『』"


@dataclass(frozen=True)
class Intent:
    tool: str  # the skill name (dots), e.g. "agent.edit_shot"
    args: dict[str, Any] = field(default_factory=dict)


def zh_number(text: str) -> int | None:
    """``3``, ``三``, ``十二``, ``二十`` -> int (up to 99)."""
    if text.isdigit():
        return int(text)
    if not text or any(ch not in DIGITS_ZH and ch != "十" for ch in text):
        return None
    if "十" not in text:
        return DIGITS_ZH[text] if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    value = (DIGITS_ZH.get(tens, 0) if tens else 1) * 10
    return value + (DIGITS_ZH.get(ones, 0) if ones else 0)


def is_chinese(text: str) -> bool:
    return sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff") >= 2


SHOT_EN = re.compile(
    r"\bshot\s*(?:#|no\.?|number\s*)?(\d+)\b"
    r"|\bthe\s+(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|last)\s+shot\b"
    r"|\b(\d+)(?:st|nd|rd|th)\s+shot\b",
    re.IGNORECASE,
)
SHOT_ZH = re.compile(
    r"第\s*([0-9一二两三四五六七八九十]+)\s*个?\s*(?:镜头|分镜|画面)|镜头\s*([0-9]+)"
)


def shot_number(text: str) -> int | None:
    """The 1-based shot a message names (``-1``: the last), or None."""
    m = SHOT_ZH.search(text)
    if m:
        return zh_number(m.group(1) or m.group(2))
    m = SHOT_EN.search(text)
    if m is None:
        return None
    if m.group(1) or m.group(3):
        return int(m.group(1) or m.group(3))
    return ORDINALS_EN[m.group(2).lower()]


def _strip(text: str) -> str:
    """A quoted text as it is inside its quotes; else without sentence-end punctuation."""
    t = text.strip()
    if len(t) >= 2 and t[0] in QUOTES and t[-1] in QUOTES:
        return t[1:-1].strip()
    return t.rstrip("。.!！").strip().strip(QUOTES).strip()


SAY_EN = re.compile(
    r"\b(?:say|says|saying|read|reads)\s*[:,]?\s*[" + QUOTES + r"](.+?)[" + QUOTES + r"]"
    r"|\b(?:line|text|dialogue|words)\s+(?:of\s+[^,]*?\s+)?(?:to|into)\s*[:,]?\s*[" + QUOTES
    + r"]?(.+?)[" + QUOTES + r"]?(?:\s+(?:in|and|with)\b|$)",
    re.IGNORECASE,
)  # fmt: skip
SAY_ZH = re.compile(
    r"(?:台词|文字|旁白|对白|内容)\s*(?:改成|改为|换成|变成)\s*[:：]?\s*(.+?)(?=[，,。；;]?\s*(?:并|然后|再|用|$))"
    r"|(?:说|念)\s*[:：]?\s*[" + QUOTES + r"](.+?)[" + QUOTES + r"]"
)  # fmt: skip
VOICE_OF_EN = re.compile(r"\bin\s+([A-Z][\w\-]*)'s\s+voice\b|\bwith\s+([A-Z][\w\-]*)'s\s+voice\b")
VOICE_OF_ZH = re.compile(r"用\s*([\w\u4e00-\u9fff]+?)\s*的\s*(?:声音|嗓音|配音)")
RECAST_EN = re.compile(
    r"\b(deeper|lower|higher|brighter|younger|older)\s+voice\s+for\s+([A-Z][\w\-]*)"
    r"|\bmake\s+([A-Z][\w\-]*)'s\s+voice\s+(deeper|lower|higher|brighter)\b",
    re.IGNORECASE,
)
RECAST_ZH = re.compile(
    r"(?:给|让|把)\s*([\w\u4e00-\u9fff]+?)\s*(?:换|用|的声音(?:换成|改成)?)\s*(?:一个|一种)?\s*"
    r"(?:更)?(低沉|深沉|低|高|明亮|尖)"
)
DIRECTION = {
    "deeper": "deeper", "lower": "deeper", "older": "deeper", "低沉": "deeper", "深沉": "deeper",
    "低": "deeper", "higher": "higher", "brighter": "higher", "younger": "higher", "高": "higher",
    "明亮": "higher", "尖": "higher",
}  # fmt: skip
SECONDS = re.compile(r"(\d+(?:\.\d+)?)\s*(?:s\b|sec\b|secs\b|seconds?\b|秒)", re.IGNORECASE)
SHORTER = re.compile(r"\bshorter\b|缩短|短一点|短一些|更短", re.IGNORECASE)
LONGER = re.compile(r"\blonger\b|加长|延长|长一点|长一些|更长", re.IGNORECASE)
REGEN = re.compile(r"\bre-?generate\b|\bre-?render\b|\bredo\b|\banother take\b|重新生成|重做|重画")
SEARCH_EN = re.compile(
    r"\b(?:find|search(?:\s+for)?|look\s+for)\s+(?:some\s+)?(?:assets?|images?|pictures?|sounds?|"
    r"music|footage)?\s*(?:of|for|with|about|showing)?\s*(?:an?\s+|the\s+)?(.+)",
    re.IGNORECASE,
)
SEARCH_ZH = re.compile(
    r"(?:找|搜索|搜|查找)\s*(?:一下|一些)?\s*(.+?)\s*的?\s*(?:素材|图片|资源|音乐)"
)
COST = re.compile(
    r"\bhow\s+much\b|\bcost\b|\bestimate\b|\bprice\b|多少钱|费用|成本|花多少|预算", re.IGNORECASE
)
PLAN = re.compile(
    r"\b(?:show|list|read|what\s+are)\b.*\b(?:plan|shots|storyboard)\b|分镜|镜头列表|计划",
    re.IGNORECASE,
)
PRODUCE = re.compile(
    r"^(?:please\s+)?(?:start\s+a\s+production|produce|make\s+a\s+video)\s*(?:of|from|for)?\s*[:：]\s*(.+)$"
    r"|^(?:开始制作|制作视频|生成视频)\s*[:：]\s*(.+)$",
    re.IGNORECASE | re.DOTALL,
)  # fmt: skip
REMEMBER = re.compile(
    r"^(?:please\s+)?remember(?:\s+that)?\s*[:,]?\s*(.+)$|^记住\s*[:：,，]?\s*(.+)$", re.I
)
FACT_EN = re.compile(r"^([A-Z][\w\-]*(?:\s+[A-Z][\w\-]*)?)\s+(?:is|was|has|likes|hates)\s+.+$")
FACT_ZH = re.compile(r"^([\w\u4e00-\u9fff]{1,8})\s*(?:是|有|喜欢|讨厌)\s*(?:一个|一位|个)?.+$")


def _new_text(message: str) -> str | None:
    for pattern in (SAY_ZH, SAY_EN):
        m = pattern.search(message)
        if m:
            text = _strip(next(g for g in m.groups() if g))
            if text:
                return text
    return None


def _voice_of(message: str) -> str | None:
    m = VOICE_OF_EN.search(message) or VOICE_OF_ZH.search(message)
    return None if m is None else _strip(next(g for g in m.groups() if g))


def _shot_edit(message: str, shot: int) -> dict[str, Any]:
    edit: dict[str, Any] = {}
    text = _new_text(message)
    if text:
        edit["text"] = text
    voice = _voice_of(message)
    if voice:
        edit["voice_of"] = voice
    seconds = SECONDS.search(message)
    if seconds:
        edit["duration_s"] = float(seconds.group(1))
    elif SHORTER.search(message):
        edit["duration_factor"] = 0.75
    elif LONGER.search(message):
        edit["duration_factor"] = 1.25
    return {"shot": shot, **edit} if edit else {}


def _recast(message: str) -> Intent | None:
    m = RECAST_EN.search(message)
    if m:
        word, name = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        return Intent(
            "agent.recast_voice", {"character": name, "direction": DIRECTION[word.lower()]}
        )
    m = RECAST_ZH.search(message)
    if m:
        return Intent(
            "agent.recast_voice", {"character": m.group(1), "direction": DIRECTION[m.group(2)]}
        )
    return None


def parse(message: str) -> list[Intent]:
    """The intents of one user message, in the order they should run."""
    text = message.strip()
    if not text:
        return []
    m = PRODUCE.match(text)
    if m:
        return [Intent("agent.start_production", {"story": _strip(m.group(1) or m.group(2))})]
    m = REMEMBER.match(text)
    if m:
        return [Intent("agent.remember", {"fact": _strip(m.group(1) or m.group(2))})]
    recast = _recast(text)
    if recast is not None:
        return [recast]
    intents: list[Intent] = []
    shot = shot_number(text)
    if shot is not None:
        edit = _shot_edit(text, shot)
        if edit:
            intents.append(Intent("agent.edit_shot", edit))
        elif REGEN.search(text):
            intents.append(Intent("agent.regenerate_shot", {"shot": shot}))
    if not intents:
        m = SEARCH_ZH.search(text) or SEARCH_EN.match(text)
        if m and _strip(m.group(1)):
            return [Intent("agent.search_assets", {"query": _strip(m.group(1))})]
    if not intents and COST.search(text):
        return [Intent("agent.estimate_cost", {})]
    if not intents and PLAN.search(text):
        return [Intent("agent.read_plan", {})]
    if not intents and (FACT_EN.match(text) or FACT_ZH.match(text)) and "?" not in text:
        return [Intent("agent.remember", {"fact": _strip(text)})]
    return intents


UNDERSTOOD_EN = (
    "I can: change a shot's line (\"make shot 2 say 'The storm is coming'\"), use a "
    "character's voice (\"in Tom's voice\"), make a shot shorter, longer or N seconds, "
    "give a character a deeper or higher voice, regenerate a shot, find assets "
    '("find assets of a lighthouse"), estimate the cost, show the plan, start a production '
    '("produce: <story>") and remember facts ("Tom is a grumpy old man").'
)
UNDERSTOOD_ZH = (
    "我可以：修改镜头台词（“把第3个镜头的台词改成……”）、用某个角色的声音（“用Tom的声音”）、"
    "把镜头缩短、加长或改成N秒、给角色换更低沉或更高的声音、重新生成镜头、查找素材"
    "（“找一下灯塔的素材”）、估算费用、查看分镜、开始制作（“开始制作：<故事>”）、"
    "记住事实（“记住Tom是个脾气暴躁的老人”）。"
)
