"""Runs over HTTP: idempotency under concurrency, body mismatch, cursor pagination, filters,
cancel, jobs, regenerate; SSE resume after a dropped connection."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import httpx

from tests.gateway.conftest import World, wait_for_run


def run_body(world: World, **params: Any) -> dict[str, Any]:
    return {
        "project_id": world.ids["project_id"],
        "pipeline": "demo",
        "params": {"n": 1, "sleep_s": 0, "rounds": 10, **params},
    }


async def post_runs(world: World, body: dict[str, Any], key: str, n: int) -> list[httpx.Response]:
    headers = {**world.headers("editor_a"), "Idempotency-Key": key}
    async with httpx.AsyncClient(base_url=world.base_url, timeout=60) as c:
        return list(
            await asyncio.gather(
                *[c.post("/api/v1/runs", json=body, headers=headers) for _ in range(n)]
            )
        )


def test_parallel_identical_creates_make_one_run(world: World) -> None:
    key = f"idem-{uuid.uuid4()}"
    body = run_body(world, n=2)
    responses = asyncio.run(post_runs(world, body, key, 10))
    assert [r.status_code for r in responses] == [201] * 10
    run_ids = {r.json()["run_id"] for r in responses}
    assert len(run_ids) == 1
    replayed = [r.headers.get("idempotent-replayed") for r in responses]
    assert replayed.count(None) == 1 and replayed.count("true") == 9
    with world.client("editor_a") as c:
        mine = c.get(
            "/api/v1/runs", params={"project_id": world.ids["project_id"], "limit": 200}
        ).json()["items"]
        assert sum(1 for r in mine if r["params"].get("n") == 2 and r["run_id"] in run_ids) == 1
        # same key, different body: refused, names the code
        other = c.post("/api/v1/runs", json=run_body(world, n=3), headers={"Idempotency-Key": key})
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_mismatch"


def test_run_list_pages_with_a_cursor_and_filters(world: World) -> None:
    with world.client("editor_a") as c:
        created = [c.post("/api/v1/runs", json=run_body(world)).json()["run_id"] for _ in range(3)]
        seen: list[str] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"project_id": world.ids["project_id"], "limit": 2}
            if cursor:
                params["cursor"] = cursor
            page = c.get("/api/v1/runs", params=params).json()
            assert len(page["items"]) <= 2
            seen += [r["run_id"] for r in page["items"]]
            cursor = page["next"]
            if cursor is None:
                break
        assert len(seen) == len(set(seen))
        assert set(created) <= set(seen)
        assert seen == sorted(seen, reverse=True)
        for run_id in created:
            wait_for_run(c, run_id)
        done = c.get("/api/v1/runs", params={"status": "succeeded", "limit": 200}).json()
        assert {r["status"] for r in done["items"]} == {"succeeded"}
        bad = c.get("/api/v1/runs", params={"status": "sleeping"})
        assert bad.status_code == 422
        assert bad.json()["errors"][0]["field"] == "query.status"


def test_invalid_params_name_the_fields(world: World) -> None:
    with world.client("editor_a") as c:
        r = c.post("/api/v1/runs", json={**run_body(world), "params": {"n": "many", "x": 1}})
        assert r.status_code == 422
        fields = {e["field"] for e in r.json()["errors"]}
        assert fields == {"params.n", "params.x"}
        r = c.post("/api/v1/runs", json={"project_id": world.ids["project_id"]})
        assert {e["field"] for e in r.json()["errors"]} == {"pipeline"}
        r = c.post("/api/v1/runs", json={**run_body(world), "pipeline": "nope"})
        assert r.status_code == 404 and r.json()["code"] == "pipeline_not_found"


def test_cancel_and_retry(world: World) -> None:
    with world.client("editor_a") as c:
        run = c.post("/api/v1/runs", json=run_body(world, n=3, sleep_s=5)).json()
        r = c.post(f"/api/v1/runs/{run['run_id']}/cancel")
        assert r.status_code == 200
        final = wait_for_run(c, run["run_id"])
        assert final["status"] == "cancelled"
        again = c.post(f"/api/v1/runs/{run['run_id']}/cancel")
        assert again.status_code == 409 and again.json()["code"] == "illegal_transition"
    with world.client("viewer_a") as c:
        assert c.post(f"/api/v1/runs/{run['run_id']}/retry").status_code == 403
    with world.client("admin_a") as c:
        actions = {(e["action"], e["target_id"]) for e in c.get("/api/v1/audit").json()["items"]}
    assert ("run.cancel", run["run_id"]) in actions
    assert ("run.create", run["run_id"]) in actions


def test_jobs_and_regenerate(world: World) -> None:
    run_id = world.ids["run_id"]
    with world.client("editor_a") as c:
        jobs = c.get(f"/api/v1/runs/{run_id}/jobs").json()["items"]
        digest = next(j for j in jobs if j["node_key"] == "digest")
        detail = c.get(f"/api/v1/runs/{run_id}/jobs/{digest['job_id']}").json()
        assert detail["output"]["digest"]
        r = c.post(f"/api/v1/runs/{run_id}/jobs/{digest['job_id']}/regenerate", json={"variant": 7})
        assert r.status_code == 202
        assert r.json()["affected_job_ids"] == [digest["job_id"]]
        assert wait_for_run(c, run_id)["status"] == "succeeded"
        after = c.get(f"/api/v1/runs/{run_id}/jobs/{digest['job_id']}").json()
        assert after["variant"] == 7


def test_shots_of_a_run_without_a_plan(world: World) -> None:
    with world.client("viewer_a") as c:
        page = c.get(f"/api/v1/runs/{world.ids['run_id']}/shots").json()
        assert page == {"run_id": world.ids["run_id"], "ready": False, "items": []}
        assert c.get(f"/api/v1/runs/{world.ids['run_id']}/shots/s1").status_code == 404


def read_events(response: httpx.Response, limit: int | None = None) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    current: dict[str, Any] = {}
    for line in response.iter_lines():
        if line.startswith("id:"):
            current["id"] = int(line[3:].strip())
        elif line.startswith("event:"):
            current["event"] = line[6:].strip()
        elif line.startswith("data:"):
            current["data"] = json.loads(line[5:].strip())
        elif not line and "id" in current:
            events.append(current)
            current = {}
            if limit is not None and len(events) >= limit:
                break
    return events


def test_sse_resumes_after_a_dropped_connection(world: World) -> None:
    with world.client("editor_a") as c:
        run_id = c.post("/api/v1/runs", json=run_body(world, n=3, sleep_s=0.3)).json()["run_id"]
    url = f"{world.base_url}/api/v1/runs/{run_id}/events"
    headers = world.headers("editor_a")
    with httpx.stream("GET", url, headers=headers, timeout=30) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        first = read_events(r, limit=3)
    # the connection is dropped here, mid-run; resume from the last id seen
    last = first[-1]["id"]
    with httpx.stream("GET", url, headers={**headers, "Last-Event-ID": str(last)}, timeout=60) as r:
        rest = read_events(r)
    ids = [e["id"] for e in first + rest]
    assert ids == sorted(set(ids))  # no duplicates, in order
    assert rest[0]["id"] > last
    assert rest[-1]["event"] == "nexus.run.succeeded"  # the stream ends with the run
    assert all(e["data"]["run_id"] == run_id for e in first + rest)
    # a fresh full read has exactly the same events: nothing was lost across the drop
    with httpx.stream("GET", url, headers=headers, timeout=30) as r:
        assert [e["id"] for e in read_events(r)] == ids


def test_a_story_too_short_for_a_video_is_refused_before_a_run(world: World) -> None:
    """The seeded story, "Once upon a time.", would be read in ~1.5 s: 422, and no run."""
    with world.client("editor_a") as c:
        listed = {"project_id": world.ids["project_id"], "limit": 200}
        before = [r["run_id"] for r in c.get("/api/v1/runs", params=listed).json()["items"]]
        r = c.post(
            "/api/v1/runs",
            json={
                "project_id": world.ids["project_id"],
                "pipeline": "studio",
                "story_id": world.ids["story_id"],
            },
        )
        assert r.status_code == 422 and r.json()["code"] == "input_too_short"
        assert "2 s of speech" in r.json()["detail"]
        after = [r["run_id"] for r in c.get("/api/v1/runs", params=listed).json()["items"]]
        assert after == before
