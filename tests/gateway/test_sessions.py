"""The agent-session API against a real server (offline command engine): idempotent
creation, cursor pages, an answer streamed as SSE (event = kind, id = seq) and recorded
(agent run, tool calls, history), re-attaching with Last-Event-ID / ?after=, an approval a
sensitive tool waits for (the session is busy meanwhile; rejecting ends the answer), and
the error codes of bad input."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.gateway.conftest import World, sse_events

Event = tuple[str, str | None, dict[str, Any]]


def new_session(c: httpx.Client, world: World, **extra: Any) -> str:
    r = c.post("/api/v1/sessions", json={"project_id": world.ids["project_id"], **extra})
    assert r.status_code == 201, r.text
    return str(r.json()["session_id"])


def say(c: httpx.Client, session_id: str, text: str, **kw: Any) -> list[Event]:
    url = f"/api/v1/sessions/{session_id}/messages"
    with c.stream("POST", url, json={"content": text}, timeout=120, **kw) as r:
        assert r.status_code == 200, r.read()
        assert r.headers["content-type"].startswith("text/event-stream")
        return sse_events(r)


def test_create_is_idempotent(world: World) -> None:
    body = {"project_id": world.ids["project_id"], "title": "idem"}
    key = {"Idempotency-Key": "chat-idem-1"}
    with world.client("editor_a") as c:
        first = c.post("/api/v1/sessions", json=body, headers=key)
        again = c.post("/api/v1/sessions", json=body, headers=key)
        other = c.post("/api/v1/sessions", json={**body, "title": "other"}, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert again.json()["session_id"] == first.json()["session_id"]
    assert first.json()["owner_id"] is not None
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_mismatch"


def test_a_session_on_a_run_takes_its_project(world: World) -> None:
    with world.client("editor_a") as c:
        r = c.post("/api/v1/sessions", json={"run_id": world.ids["run_id"]})
        assert r.status_code == 201, r.text
        assert r.json()["project_id"] == world.ids["project_id"]
        assert r.json()["run_id"] == world.ids["run_id"]
        elsewhere = c.post("/api/v1/projects", json={"name": "elsewhere"}).json()["project_id"]
        bad = c.post(
            "/api/v1/sessions", json={"run_id": world.ids["run_id"], "project_id": elsewhere}
        )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "run_id"


def test_sessions_are_paged_newest_first(world: World) -> None:
    with world.client("editor_a") as c:
        made = [new_session(c, world, title=f"page {i}") for i in range(3)]
        first = c.get("/api/v1/sessions", params={"limit": 2}).json()
        second = c.get("/api/v1/sessions", params={"limit": 2, "cursor": first["next"]}).json()
        bad = c.get("/api/v1/sessions", params={"cursor": "not-a-session"})
    assert [s["session_id"] for s in first["items"]] == made[::-1][:2]
    assert second["items"][0]["session_id"] == made[0]
    assert bad.status_code == 422


def test_an_answer_streams_and_is_recorded(world: World) -> None:
    with world.client("editor_a") as c:
        session_id = new_session(c, world)
        events = say(c, session_id, "Tom is a grumpy old man")
        kinds = [e[0] for e in events]
        assert kinds[0] == "run_started" and kinds[-1] == "run_finished", kinds
        assert {"tool_call", "tool_result", "message"} <= set(kinds)
        persisted = [int(e[1]) for e in events if e[1] is not None]
        assert persisted == sorted(persisted) and len(persisted) == len(set(persisted))
        assert all(e[1] is None for e in events if e[0] == "token")
        assert all(e[1] is not None for e in events if e[0] != "token")
        finished = events[-1][2]["data"]["agent_run"]
        assert finished["status"] == "succeeded"
        agent_run_id = finished["agent_run_id"]

        run = c.get(f"/api/v1/agent-runs/{agent_run_id}").json()
        assert run["status"] == "succeeded" and run["session_id"] == session_id
        assert run["run_id"] and run["trace_id"] and run["steps"] >= 1
        calls = c.get(f"/api/v1/agent-runs/{agent_run_id}/tool-calls").json()["items"]
        assert [t["status"] for t in calls] == ["succeeded"]
        assert "Tom" in str(calls[0]["input"])
        assert calls[0]["latency_ms"] is not None

        whole = c.get(f"/api/v1/sessions/{session_id}/messages").json()
        roles = [m["role"] for m in whole["items"]]
        assert roles[0] == "user" and roles[-1] == "assistant" and "tool" in roles
        assert whole["next"] is None
        walked, cursor = [], None
        while True:
            params = {"limit": 1, **({"cursor": cursor} if cursor else {})}
            page = c.get(f"/api/v1/sessions/{session_id}/messages", params=params).json()
            walked += page["items"]
            cursor = page["next"]
            if cursor is None:
                break
        assert [m["seq"] for m in walked] == [m["seq"] for m in whole["items"]]


def test_reattaching_resumes_after_the_last_event_id(world: World) -> None:
    with world.client("editor_a") as c:
        session_id = new_session(c, world)
        events = say(c, session_id, "remember that Anna is a brave girl")
        agent_run_id = events[-1][2]["agent_run_id"]
        ids = [int(e[1]) for e in events if e[1] is not None]
        middle = ids[len(ids) // 2]
        url = f"/api/v1/agent-runs/{agent_run_id}/events"
        with c.stream("GET", url, headers={"Last-Event-ID": str(middle)}) as r:
            resumed = sse_events(r)
        with c.stream("GET", url, params={"after": middle}) as r:
            after = sse_events(r)
        with c.stream("GET", url) as r:
            whole = sse_events(r)
    assert [int(e[1] or 0) for e in resumed] == [i for i in ids if i > middle]
    assert [e[1] for e in after] == [e[1] for e in resumed]
    assert [int(e[1] or 0) for e in whole] == ids
    assert resumed[-1][0] == "run_finished"


def test_a_sensitive_tool_waits_and_the_session_is_busy(world: World) -> None:
    with world.client("editor_a") as c, world.client("admin_a") as admin:
        session_id = new_session(c, world)
        url = f"/api/v1/sessions/{session_id}/messages"
        seen: list[Event] = []
        text = "start a production: Tom walks to the lighthouse."
        with c.stream("POST", url, json={"content": text}, timeout=120) as r:
            assert r.status_code == 200
            lines = r.iter_lines()
            event, sid, data = "message", None, ""
            for line in lines:  # read until the approval is asked for, then hang up
                if line.startswith("event:"):
                    event = line[6:].strip()
                elif line.startswith("id:"):
                    sid = line[3:].strip()
                elif line.startswith("data:"):
                    data += line[5:].strip()
                elif not line and data:
                    seen.append((event, sid, httpx.Response(200, content=data).json()))
                    if event == "approval_needed":
                        break
                    event, sid, data = "message", None, ""
        assert seen[-1][0] == "approval_needed", seen
        approval_id = seen[-1][2]["data"]["approval_id"]
        agent_run_id = seen[-1][2]["agent_run_id"]
        assert c.get(f"/api/v1/agent-runs/{agent_run_id}").json()["status"] == "waiting_approval"

        busy = c.post(url, json={"content": "Tom is tall"})
        assert busy.status_code == 409
        assert busy.json()["code"] == "session_busy"

        own = c.post(f"/api/v1/approvals/{approval_id}/approve", json={})
        assert own.status_code == 403  # editors do not decide
        no = admin.post(f"/api/v1/approvals/{approval_id}/reject", json={"reason": "not now"})
        assert no.status_code == 200, no.text
        last = seen[-1][1]
        with c.stream(
            "GET", f"/api/v1/agent-runs/{agent_run_id}/events", headers={"Last-Event-ID": last}
        ) as r:
            rest = sse_events(r)
        assert rest[-1][0] == "run_finished"
        # A refusal is a tool answer (ADR 0307): the model is told and the run goes on.
        kinds = [e[0] for e in rest]
        assert "tool_result" in kinds and "error" not in kinds
        result = next(e for e in rest if e[0] == "tool_result")
        assert "rejected by" in json.dumps(result[2]["data"])
        assert rest[-1][2]["data"]["agent_run"]["status"] == "succeeded"
        calls = c.get(f"/api/v1/agent-runs/{agent_run_id}/tool-calls").json()["items"]
        assert [(t["tool_name"], t["approval_id"]) for t in calls] == [
            ("agent__start_production", approval_id)
        ]
        assert calls[0]["status"] != "succeeded"
        assert say(c, session_id, "Tom is tall")[-1][0] == "run_finished"  # free again


def test_bad_input_answers_its_code(world: World) -> None:
    with world.client("editor_a") as c, world.client("viewer_a") as v:
        session_id = new_session(c, world)
        empty = c.post(f"/api/v1/sessions/{session_id}/messages", json={"content": ""})
        missing = c.get("/api/v1/sessions/ses_" + "0" * 32)
        no_run = c.get("/api/v1/agent-runs/arun_" + "0" * 32)
        cursor = c.get(f"/api/v1/sessions/{session_id}/messages", params={"cursor": "x"})
        viewer_write = v.post(f"/api/v1/sessions/{session_id}/messages", json={"content": "hi"})
        viewer_read = v.get(f"/api/v1/sessions/{session_id}")
        steps = c.post("/api/v1/sessions", json={"project_id": "p", "max_steps": 0})
    assert (empty.status_code, empty.json()["code"]) == (422, "validation_failed")
    assert (missing.status_code, missing.json()["code"]) == (404, "session_not_found")
    assert no_run.status_code == 404
    assert cursor.status_code == 422
    assert (viewer_write.status_code, viewer_write.json()["code"]) == (403, "forbidden")
    assert viewer_read.status_code == 200
    assert steps.status_code == 422
