"""Versioned prompt files (``planner/prompts/*.md``): a YAML header with the prompt's name
and version, then a ``## system`` and a ``## user`` section; ``$name`` placeholders.
``$data_rule`` is always available: the rule that fenced user text is data (``nexus.safety``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from string import Template
from typing import Any

import yaml

from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.planner.llm import ChatMessage
from nexus.safety import DATA_RULE

_FRONT = re.compile(r"\A---\n(?P<head>.*?)\n---\n(?P<body>.*)\Z", re.DOTALL)
_SECTION = re.compile(r"^## (system|user)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Prompt:
    name: str
    version: int
    system: Template
    user: Template

    @property
    def tag(self) -> str:
        """``name@version``: part of the chunk jobs' parameters, so a new prompt re-plans."""
        return f"{self.name}@{self.version}"

    def messages(self, **values: Any) -> list[ChatMessage]:
        try:
            strings = {"data_rule": DATA_RULE, **{k: str(v) for k, v in values.items()}}
            system, user = self.system.substitute(strings), self.user.substitute(strings)
        except KeyError as exc:
            raise NexusError(
                ErrorCode.CONFIG_INVALID, f"prompt {self.tag} needs a value for {exc}"
            ) from None
        return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def parse_prompt(text: str) -> Prompt:
    match = _FRONT.match(text)
    if not match:
        raise NexusError(ErrorCode.CONFIG_INVALID, "a prompt file starts with a --- header")
    head = yaml.safe_load(match.group("head")) or {}
    parts = _SECTION.split(match.group("body"))
    sections = {parts[i]: parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}
    if set(sections) != {"system", "user"} or not isinstance(head.get("version"), int):
        raise NexusError(
            ErrorCode.CONFIG_INVALID, "a prompt file needs a version and system/user sections"
        )
    name, version = str(head.get("prompt", "")), head["version"]
    return Prompt(name, version, Template(sections["system"]), Template(sections["user"]))


@cache
def load_prompt(name: str) -> Prompt:
    """The packaged prompt ``name`` (``entities``, ``shots``)."""
    path = resources.files("nexus.planner") / "prompts" / f"{name}.md"
    try:
        return parse_prompt(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NexusError(ErrorCode.CONFIG_INVALID, f"no prompt file named {name!r}") from None
