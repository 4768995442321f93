"""Pages of the agent-session routes; the records themselves are the contracts'
(``nexus.contracts.agents``), so the wire shapes are the ones the CLI and bench use."""

from __future__ import annotations

from pydantic import Field

from nexus.contracts.agents import MessageRecord, SessionRecord, ToolCallRecord, ToolSpec
from nexus.contracts.base import StrictModel

NEXT_HELP = "Pass as ``cursor`` for the next page (null on the last)."


class SessionPage(StrictModel):
    items: list[SessionRecord]
    next: str | None = Field(default=None, description=NEXT_HELP)


class MessagePage(StrictModel):
    items: list[MessageRecord]
    next: str | None = Field(default=None, description=NEXT_HELP)


class ToolCallPage(StrictModel):
    items: list[ToolCallRecord]


class ToolSpecPage(StrictModel):
    items: list[ToolSpec]
