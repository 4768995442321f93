"""``nexus chat``: talk to the studio assistant in the terminal. Interactive by default
(``/quit`` or an empty line at EOF ends it); ``-m "..."`` sends one message and exits, for
scripts. ``nexus chat sessions`` lists sessions, ``nexus chat history S`` prints one.

Embedded like the other commands: the caller is the local workspace (the tenant embedded
runs belong to), or with ``--tenant T --as EMAIL`` a member of a tenant with that member's
role. Exit codes: 0 answered, 1 the agent run failed, 2 bad input (``error[code]``),
3 waiting for an approval (``-m`` without ``--wait``)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from nexus.agents.ports import AgentSessions
from nexus.cli.chat_view import AnswerView
from nexus.cli.common import console, embedded, report_errors, run_async, settings_from_env
from nexus.contracts import governance as gov
from nexus.contracts.agents import SessionCreate
from nexus.gateway.services import members
from nexus.platform import Platform

LOCAL_TENANT = "local"  # what embedded runs are created under (cli/studio.py)
EXIT_RUN_FAILED, EXIT_WAITING = 1, 3
QUIT = {"/quit", "/exit", ":q"}

chat_app = typer.Typer(
    help="Chat with the studio assistant (tools: the plan, shots, voices, regeneration).",
    invoke_without_command=True,
)
Tenant = Annotated[
    str | None, typer.Option("--tenant", help="Tenant slug (with --as); default: local.")
]
As = Annotated[str | None, typer.Option("--as", help="Email of the member chatting.")]


async def principal_for(p: Platform, tenant: str | None, who: str | None) -> gov.Principal:
    if who is None:
        return gov.Principal(user_id=None, tenant_id=tenant or LOCAL_TENANT, roles=["admin"])
    async with p.db.read() as conn:
        tenant_id, user_id = await members.find_member(conn, tenant or "default", who)
        member = await members.read_member(conn, tenant_id, user_id)
    return gov.Principal(user_id=user_id, tenant_id=tenant_id, roles=[str(member.role)])


async def answer(
    service: AgentSessions,
    principal: gov.Principal,
    session_id: str,
    text: str,
    view: AnswerView,
    *,
    wait: bool,
) -> int:
    """Send one message and show its answer; the exit code it deserves."""
    run = await service.post_message(principal, session_id, text)
    async for event in service.stream(principal, run.agent_run_id):
        view.show(event)
        if event.kind == "approval_needed" and not wait:
            console.print(
                f"[dim]detached; the answer continues once decided: "
                f"nexus chat --session {session_id} --attach {run.agent_run_id}[/]"
            )
            return EXIT_WAITING
    done = view.finished
    return 0 if done is not None and done.status == "succeeded" else EXIT_RUN_FAILED


async def attach(
    service: AgentSessions, principal: gov.Principal, agent_run_id: str, view: AnswerView
) -> int:
    async for event in service.stream(principal, agent_run_id):
        view.show(event)
    done = view.finished
    return 0 if done is not None and done.status == "succeeded" else EXIT_RUN_FAILED


def _read_line() -> str | None:
    try:
        return console.input("[bold green]you[/] › ")
    except EOFError:
        return None


async def _interactive(
    service: AgentSessions, principal: gov.Principal, session_id: str, tenant: str
) -> int:
    console.print(f"[dim]session {session_id} — /quit to leave[/]")
    code = 0
    while True:
        line = _read_line()
        if line is None or line.strip() in QUIT:
            return code
        if not line.strip():
            continue
        console.print("[bold magenta]assistant[/] › ", end="")
        code = await answer(
            service, principal, session_id, line, AnswerView(console, tenant), wait=True
        )


@chat_app.callback()
@report_errors
def chat(
    ctx: typer.Context,
    session: Annotated[
        str | None, typer.Option("--session", "-s", help="Continue this session.")
    ] = None,
    project: Annotated[str, typer.Option("--project", "-p", help="Project of a new session.")] = (
        "default"
    ),
    run: Annotated[
        str | None, typer.Option("--run", "-r", help="The studio run a new session works on.")
    ] = None,
    message: Annotated[
        str | None, typer.Option("--message", "-m", help="Send one message and exit.")
    ] = None,
    attach_to: Annotated[
        str | None, typer.Option("--attach", help="Follow an agent run's answer to its end.")
    ] = None,
    wait: Annotated[
        bool, typer.Option("--wait", help="With -m: wait for approvals instead of exiting 3.")
    ] = False,
    budget: Annotated[
        float | None, typer.Option("--budget", min=0, help="A new session's budget in USD.")
    ] = None,
    tenant: Tenant = None,
    who: As = None,
) -> None:
    """Chat with the assistant: a new session (in --project, on --run) or --session S."""
    if ctx.invoked_subcommand is not None:
        return

    async def go() -> int:
        async with embedded(settings_from_env()) as p:
            service: AgentSessions = p.agents
            principal = await principal_for(p, tenant, who)
            if session is None:
                body = SessionCreate(project_id=project, run_id=run, budget_usd=budget)
                created = await service.create_session(principal, body)
                session_id = created.session_id
                console.print(f"[dim]new session {session_id}[/]")
            else:
                session_id = (await service.get_session(principal, session)).session_id
            view = AnswerView(console, tenant or LOCAL_TENANT)
            if attach_to is not None:
                return await attach(service, principal, attach_to, view)
            if message is not None:
                return await answer(service, principal, session_id, message, view, wait=wait)
            return await _interactive(service, principal, session_id, tenant or LOCAL_TENANT)

    code = run_async(go())
    if code:
        raise typer.Exit(code)


@chat_app.command("sessions")
@report_errors
def sessions_cmd(
    project: Annotated[str | None, typer.Option("--project", "-p")] = None,
    limit: Annotated[int, typer.Option(min=1, max=200)] = 50,
    tenant: Tenant = None,
    who: As = None,
) -> None:
    """Sessions of the workspace, newest first."""

    async def go() -> None:
        async with embedded(settings_from_env(), workers=False) as p:
            principal = await principal_for(p, tenant, who)
            items, _ = await p.agents.list_sessions(
                principal, project_id=project, cursor=None, limit=limit
            )
        table = Table("session", "project", "run", "title", "spent (USD)", "status")
        for s in items:
            table.add_row(
                s.session_id, s.project_id, s.run_id or "", s.title, f"{s.spent_usd:.4f}", s.status
            )
        console.print(table)

    run_async(go())


@chat_app.command("history")
@report_errors
def history_cmd(
    session: Annotated[str, typer.Argument(help="The session id.")],
    limit: Annotated[int, typer.Option(min=1, max=200)] = 200,
    tenant: Tenant = None,
    who: As = None,
) -> None:
    """A session's messages, oldest first (tool messages show the call they answer)."""

    async def go() -> None:
        async with embedded(settings_from_env(), workers=False) as p:
            principal = await principal_for(p, tenant, who)
            cursor: str | None = None
            while True:
                items, cursor = await p.agents.history(
                    principal, session, cursor=cursor, limit=limit
                )
                for m in items:
                    who_said = m.role if m.tool_call_id is None else f"tool {m.tool_call_id}"
                    calls = ", ".join(str(c.get("name", "")) for c in m.tool_calls)
                    tail = f" [dim](calls {calls})[/]" if calls else ""
                    console.print(f"[bold]{m.seq:>3} {who_said}[/]: {m.content}{tail}")
                if cursor is None:
                    return

    run_async(go())
