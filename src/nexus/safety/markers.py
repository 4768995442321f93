"""Prompt-injection markers, English and Chinese: phrases that try to countermand the prompt,
role tags, chat-template tokens, instruction headers and our own data delimiters."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Marker:
    kind: str
    pattern: re.Pattern[str]


_I = re.IGNORECASE | re.MULTILINE
_VERB_EN = r"(?:ignore|disregard|forget|override|skip|bypass)"
_WHAT_EN = r"(?:instructions?|prompts?|rules?|directions?|guidelines?|context)"
_VERB_ZH = r"(?:忽略|无视|忽视|忘记|忘掉|不要理会|不用理会|跳过|绕过)"
_WHAT_ZH = r"(?:指令|指示|提示词?|规则|要求|命令|设定|约束)"

MARKERS: tuple[Marker, ...] = (
    Marker(
        "injection.override",
        re.compile(
            rf"\b{_VERB_EN}\s+(?:all\s+|any\s+|every\s+)?(?:of\s+)?(?:the\s+|your\s+|my\s+)?"
            rf"(?:previous|prior|above|earlier|preceding|foregoing|system|original)?\s*{_WHAT_EN}"
            r"(?:\s+(?:above|before))?",
            _I,
        ),
    ),
    Marker(
        "injection.override",
        re.compile(
            rf"{_VERB_ZH}\s*(?:掉)?\s*(?:你)?(?:之前|以前|先前|上面|上述|前面|以上|所有|全部|一切)?"
            rf"(?:的)?(?:所有|全部|一切)?(?:的)?(?:系统)?{_WHAT_ZH}"
        ),
    ),
    Marker(
        "injection.persona",
        re.compile(
            r"\byou\s+are\s+now\b|\bfrom\s+now\s+on,?\s+you\b|\bnew\s+instructions?\s*:"
            r"|\bact\s+as\s+(?:an?\s+)?(?:unrestricted|jailbroken|developer\s+mode)\b"
            r"|(?:从现在起|从现在开始)[，,]?\s*你|你现在是|新的?指令\s*[:：]",
            _I,
        ),
    ),
    Marker(
        "injection.role_tag",
        re.compile(
            r"^[ \t>*_#-]*(?:system|assistant|user|developer|tool|系统|助手|用户|开发者)\s*[:：]",
            _I,
        ),
    ),
    Marker(
        "injection.template_token",
        re.compile(
            r"<\|[^|<>\n]{1,40}\|>|\[/?INST\]|<</?SYS>>|</?s>|<\|?endoftext\|?>"
            r"|</?(?:system|assistant|user|im_start|im_end)>",
            re.IGNORECASE,
        ),
    ),
    Marker(
        "injection.header",
        re.compile(
            r"^[ \t]*#{1,6}[ \t]*(?:instructions?|system(?:\s+prompt)?|response|assistant"
            r"|指令|系统提示?|回答)\b",
            _I,
        ),
    ),
    Marker("injection.delimiter", re.compile(r"<<<|>>>")),
)
