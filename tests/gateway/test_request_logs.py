"""One structured (JSON) request line per request on the real server: method, route
template, status, duration, user and tenant, trace id; no path ids or secrets."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx

from tests.gateway.conftest import World


def request_lines(world: World, trace_id: str) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 10
    while True:
        lines = []
        for raw in (world.data_dir / "server.log").read_text().splitlines():
            if raw.startswith("{") and trace_id in raw:
                lines.append(json.loads(raw))
        if lines or time.monotonic() > deadline:
            return lines
        time.sleep(0.1)


def test_each_request_logs_one_json_line(world: World) -> None:
    trace = "0af7651916cd43dd8448eb211c80319c"
    run_id = world.ids["run_id"]
    r = httpx.get(
        f"{world.base_url}/api/v1/runs/{run_id}",
        headers={**world.headers("viewer_a"), "traceparent": f"00-{trace}-b7ad6b7169203331-01"},
    )
    assert r.status_code == 200
    lines = [line for line in request_lines(world, trace) if line["event"] == "request"]
    assert len(lines) == 1
    line = lines[0]
    me = httpx.get(f"{world.base_url}/api/v1/auth/me", headers=world.headers("viewer_a")).json()
    assert line["method"] == "GET"
    assert line["route"] == "/api/v1/runs/{run_id}"
    assert line["status"] == 200
    assert line["duration_ms"] > 0
    assert (line["user_id"], line["tenant_id"]) == (me["user_id"], me["tenant_id"])
    assert line["trace_id"] == trace and line["level"] == "info"
    assert run_id not in json.dumps(line)  # the template, not the path
    assert world.tokens["viewer_a"] not in (world.data_dir / "server.log").read_text()


def test_failures_and_anonymous_requests_are_logged_too(world: World) -> None:
    trace = "1bf7651916cd43dd8448eb211c80319d"
    headers = {"traceparent": f"00-{trace}-b7ad6b7169203331-01"}
    assert httpx.get(f"{world.base_url}/api/v1/runs", headers=headers).status_code == 401
    (line,) = [x for x in request_lines(world, trace) if x["event"] == "request"]
    assert line["status"] == 401 and line["route"] == "/api/v1/runs"
    assert line["user_id"] is None and line["tenant_id"] is None
    unknown = "2cf7651916cd43dd8448eb211c80319e"
    httpx.get(
        f"{world.base_url}/api/v1/nowhere",
        headers={"traceparent": f"00-{unknown}-b7ad6b7169203331-01"},
    )
    (miss,) = [x for x in request_lines(world, unknown) if x["event"] == "request"]
    assert miss["status"] == 404 and miss["route"] == "unmatched"
