"""How ``nexus chat`` shows an answer as it streams: tokens as they come, each tool call when
it starts and when it ends (name, arguments, status, latency), approvals needed with the
command that decides them, the run's error, and the cost line at the end."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.markup import escape

from nexus.contracts.agents import AgentEvent, AgentRunRecord, ToolCallRecord

ARGS_WIDTH = 120
MARK = {"succeeded": "[green]✓[/]", "failed": "[red]✗[/]", "denied": "[red]⊘[/]"}


def short_args(args: dict[str, Any]) -> str:
    text = json.dumps(args, ensure_ascii=False, separators=(", ", ": "))
    return text if len(text) <= ARGS_WIDTH else text[: ARGS_WIDTH - 1] + "…"


@dataclass
class AnswerView:
    """Folds one agent run's events onto the console; remembers what the caller needs after."""

    console: Console
    tenant: str = "default"
    streamed: bool = False  # the last thing printed was a token (the line is open)
    said: str = ""  # the tokens printed and not yet matched by a persisted message
    finished: AgentRunRecord | None = None
    approvals: list[str] = field(default_factory=lambda: list[str]())
    tool_calls: int = 0
    error_code: str | None = None

    def _end_line(self) -> None:
        if self.streamed:
            self.console.print()
            self.streamed = False

    def show(self, event: AgentEvent) -> None:
        data = event.data
        if event.kind == "token":
            text = str(data.get("text", ""))
            self.console.print(escape(text), end="", soft_wrap=True)
            self.streamed = True
            self.said += text
        elif event.kind == "tool_call":
            self._end_line()
            call = ToolCallRecord.model_validate(data["tool_call"])
            self.tool_calls += 1
            self.console.print(
                f"[cyan]⚙ {escape(call.tool_name)}[/]({escape(short_args(call.input))}) …"
            )
        elif event.kind == "tool_result":
            self._end_line()
            self._result(ToolCallRecord.model_validate(data["tool_call"]))
        elif event.kind == "approval_needed":
            self._end_line()
            call = ToolCallRecord.model_validate(data["tool_call"])
            approval = str(data.get("approval_id") or call.approval_id or "")
            self.approvals.append(approval)
            self.console.print(
                f"[yellow]⏸ {escape(call.tool_name)} waits for approval {approval}[/]: "
                f"another approver runs [bold]nexus approvals approve {approval} "
                f"--as EMAIL --tenant {escape(self.tenant)}[/] (or the studio's Approvals page)"
            )
        elif event.kind == "message":
            self._message(data.get("message") or {})
        elif event.kind == "error":
            self._end_line()
            self.error_code = str(data.get("error_code") or "internal")
            why = escape(str(data.get("message", "")))
            self.console.print(f"[bold red]error\\[{escape(self.error_code)}][/]: {why}")
        elif event.kind == "run_finished":
            self._end_line()
            self.finished = AgentRunRecord.model_validate(data["agent_run"])
            self._cost(self.finished)

    def _result(self, call: ToolCallRecord) -> None:
        mark = MARK.get(call.status, "•")
        took = f" in {call.latency_ms:.0f} ms" if call.latency_ms is not None else ""
        line = f"{mark} {escape(call.tool_name)} {call.status}{took}"
        if call.error_code:
            line += f" [red]\\[{escape(call.error_code)}][/] {escape(call.error_message or '')}"
        elif call.output:
            summary = call.output.get("summary")
            shown = summary if isinstance(summary, str) else short_args(call.output)
            line += f" → {escape(shown)}"
        self.console.print(line)

    def _message(self, message: dict[str, Any]) -> None:
        if message.get("role") != "assistant":
            return
        content = str(message.get("content") or "")
        self._end_line()
        if content and content.strip() in self.said:  # already printed token by token
            self.said = self.said.replace(content.strip(), "", 1)
        elif content:
            self.console.print(escape(content))

    def _cost(self, run: AgentRunRecord) -> None:
        self.console.print(
            f"[dim]— {run.agent_run_id} {run.status}: {run.steps} model turns, "
            f"{self.tool_calls} tool calls, {run.tokens} tokens, ${run.cost_usd:.4f}"
            f"{f', run {run.run_id}' if run.run_id else ''}"
            f"{f', trace {run.trace_id}' if run.trace_id else ''}[/]"
        )
