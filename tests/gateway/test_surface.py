"""The HTTP surface: problem+json errors, body and story limits, uploads, projects, members,
signed downloads with Range, security headers, closed CORS, health, readiness, metrics."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import httpx

from tests.gateway.conftest import BODY_LIMIT, STORY_LIMIT, World


def test_unknown_route_is_a_problem(world: World) -> None:
    r = httpx.get(f"{world.base_url}/api/v1/nope")
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["code"] == "not_found" and body["status"] == 404
    assert body["type"].endswith("/not_found") and body["trace_id"] == r.headers["x-trace-id"]


def test_validation_errors_name_fields(world: World) -> None:
    with world.client("editor_a") as c:
        r = c.post(
            "/api/v1/projects", json={"name": "", "settings": {"resolution": "8k"}, "extra": 1}
        )
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert fields == {"name", "settings.resolution", "extra"}


def test_body_limit(world: World) -> None:
    with world.client("editor_a") as c:
        big = {"name": "p", "description": "x" * (BODY_LIMIT + 10)}
        r = c.post("/api/v1/projects", json=big)
    assert r.status_code == 413
    assert r.json()["code"] == "payload_too_large"


def test_story_upload_and_limits(world: World) -> None:
    path = f"/api/v1/projects/{world.ids['project_id']}/stories"
    with world.client("editor_a") as c:
        ok = c.post(
            f"{path}/upload", files={"file": ("tale.md", "# Title\n\n小明说：你好。".encode())}
        )
        assert ok.status_code == 201, ok.text
        story = ok.json()
        assert story["format"] == "md" and story["title"] == "tale"
        assert story["language"] in ("zh", "mixed")
        pdf = c.post(f"{path}/upload", files={"file": ("tale.pdf", b"%PDF-1.4")})
        assert pdf.status_code == 422 and pdf.json()["errors"][0]["field"] == "file"
        large = c.post(f"{path}/upload", files={"file": ("big.txt", b"a" * (STORY_LIMIT + 1))})
        assert large.status_code == 413 and large.json()["code"] == "input_too_large"
        binary = c.post(f"{path}/upload", files={"file": ("b.txt", b"\x00\x01\x02abc")})
        assert binary.status_code == 422 and binary.json()["code"] == "input_binary"
        empty = c.post(path, json={"title": "t", "text": "   \n "})
        assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "text"
        blank = c.post(f"{path}/upload", files={"file": ("blank.txt", "  \u200b\n ".encode())})
        assert blank.status_code == 422 and blank.json()["code"] == "input_empty"
        listed = c.get(path).json()["items"]
        assert story["story_id"] in {s["story_id"] for s in listed}
        assert "text" not in listed[0]
        assert c.get(f"/api/v1/stories/{story['story_id']}").json()["text"].startswith("# Title")


def test_project_crud(world: World) -> None:
    with world.client("editor_a") as c:
        made = c.post(
            "/api/v1/projects",
            json={
                "name": "Film",
                "settings": {"language": "zh", "voices": {"Mei": "zh-f1"}, "budget_usd": 3.5},
            },
        ).json()
        pid = made["project_id"]
        assert made["settings"]["resolution"] == "720p" and made["version"] == 1
        patched = c.patch(f"/api/v1/projects/{pid}", json={"name": "Film 2"}).json()
        assert patched["name"] == "Film 2" and patched["version"] == 2
        assert patched["settings"]["voices"] == {"Mei": "zh-f1"}
        assert c.delete(f"/api/v1/projects/{pid}").status_code == 204
        assert c.get(f"/api/v1/projects/{pid}").status_code == 404


def test_members_and_role_changes(world: World) -> None:
    with world.client("admin_a") as c:
        added = c.post(
            "/api/v1/members",
            json={"email": "new@a.example", "password": "a long enough pw", "role": "viewer"},
        )
        assert added.status_code == 201
        user_id = added.json()["user_id"]
        dup = c.post(
            "/api/v1/members",
            json={"email": "new@a.example", "password": "a long enough pw", "role": "viewer"},
        )
        assert dup.status_code == 409
        changed = c.patch(f"/api/v1/members/{user_id}", json={"role": "editor"})
        assert changed.json()["role"] == "editor"
        me = c.get("/api/v1/auth/me").json()
        last = c.patch(f"/api/v1/members/{me['user_id']}", json={"role": "viewer"})
        assert last.status_code == 409  # the last admin stays admin
        mine = f"/api/v1/members/{me['user_id']}"
        assert c.patch(mine, json={"suspended": True}).status_code == 409
        assert c.delete(mine).status_code == 409
        log = c.get("/api/v1/audit", params={"action": "member.role_change"}).json()["items"]
        assert log[0]["target_id"] == user_id
        assert log[0]["detail"] == {"from": "viewer", "to": "editor"}


def test_signed_download_supports_range_and_refuses_tampering(world: World) -> None:
    run_id, art = world.ids["run_id"], world.ids["artifact_id"]
    with world.client("viewer_a") as c:
        link = c.get(f"/api/v1/runs/{run_id}/artifacts/{art}/link").json()
        redirect = c.get(f"/api/v1/runs/{run_id}/artifacts/{art}/download")
    assert redirect.status_code == 307
    assert redirect.headers["location"].startswith(f"{world.base_url}/api/v1/downloads/")
    full = httpx.get(link["url"])  # no credentials: the signature is the credential
    assert full.status_code == 200 and full.headers["accept-ranges"] == "bytes"
    part = httpx.get(link["url"], headers={"Range": "bytes=2-9"})
    assert part.status_code == 206
    assert part.content == full.content[2:10]
    assert part.headers["content-range"] == f"bytes 2-9/{len(full.content)}"
    query = parse_qs(urlparse(link["url"]).query)
    tampered = link["url"].replace(query["name"][0], "other.json")
    assert httpx.get(tampered).status_code == 404
    expired = link["url"].replace(f"exp={query['exp'][0]}", "exp=1")
    assert httpx.get(expired).status_code == 404


def test_security_headers_and_closed_cors(world: World) -> None:
    r = httpx.get(
        f"{world.base_url}/api/v1/runs",
        headers={**world.headers("viewer_a"), "Origin": "https://evil.example"},
    )
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["cache-control"] == "no-store"
    assert "default-src 'none'" in r.headers["content-security-policy"]
    assert "access-control-allow-origin" not in r.headers
    pre = httpx.options(
        f"{world.base_url}/api/v1/runs",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in pre.headers


def test_traceparent_is_honoured(world: World) -> None:
    trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    r = httpx.get(
        f"{world.base_url}/healthz", headers={"traceparent": f"00-{trace}-00f067aa0ba902b7-01"}
    )
    assert r.headers["x-trace-id"] == trace


def test_health_readiness_and_metrics(world: World) -> None:
    assert httpx.get(f"{world.base_url}/healthz").json() == {"status": "ok"}
    ready = httpx.get(f"{world.base_url}/readyz").json()
    assert ready == {"status": "ok", "checks": {"database": "ok", "storage": "ok", "broker": "ok"}}
    httpx.get(
        f"{world.base_url}/api/v1/runs/{world.ids['run_id']}", headers=world.headers("viewer_a")
    )
    text = httpx.get(f"{world.base_url}/metrics").text
    assert 'nexus_http_requests_total{route="/api/v1/runs/{run_id}",status="200"}' in text
    assert "nexus_http_request_duration_seconds_bucket" in text
