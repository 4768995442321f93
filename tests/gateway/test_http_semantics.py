"""HTTP semantics every route gets from the app wiring: 405 with a complete Allow, 415 for
a body of the wrong media type, readable malformed-JSON errors, cursors that must be ids,
ETag/If-Match with 412 (also for routes that keep no ETags), the Last-Event-ID schema."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import pytest

from tests.gateway.conftest import World


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("OPTIONS", "/api/v1/api-keys", "GET, POST"),
        ("PUT", "/api/v1/projects/{project_id}", "GET, PATCH, DELETE"),
        ("DELETE", "/api/v1/runs", "GET, POST"),
        ("POST", "/api/v1/members/{user_id}", "GET, PATCH, DELETE"),
        ("PATCH", "/healthz", "GET"),
    ],
)
def test_405_names_every_allowed_method(world: World, method: str, path: str, allow: str) -> None:
    r = httpx.request(
        method, world.base_url + path.format(**world.ids), headers=world.headers("admin_a")
    )
    assert r.status_code == 405
    assert r.headers["allow"] == allow
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == "method_not_allowed"
    assert allow in r.json()["detail"]


def test_wrong_content_type_is_415(world: World) -> None:
    with world.client("editor_a") as c:
        text = c.post(
            "/api/v1/projects", content=b'{"name": "x"}', headers={"content-type": "text/plain"}
        )
        assert text.status_code == 415 and text.json()["code"] == "unsupported_media_type"
        assert "application/json" in text.json()["detail"]
        form = c.post("/api/v1/projects", data={"name": "x"})
        assert form.status_code == 415
        upload = c.post(
            f"/api/v1/projects/{world.ids['project_id']}/stories/upload",
            json={"file": "Once upon a time."},
        )
        assert upload.status_code == 415 and "multipart/form-data" in upload.json()["detail"]
        vendor = c.post(
            "/api/v1/projects",
            content=b'{"name": "json suffix"}',
            headers={"content-type": "application/merge-patch+json; charset=utf-8"},
        )
        assert vendor.status_code == 201
        assert c.get("/api/v1/projects").status_code == 200  # bodiless requests pass


def test_malformed_json_names_the_problem(world: World) -> None:
    with world.client("editor_a") as c:
        r = c.post(
            "/api/v1/projects",
            content=b'{"name": 8',
            headers={"content-type": "application/json"},
        )
    assert r.status_code == 422
    problem = r.json()
    assert problem["detail"].startswith("the body is not valid JSON at character 10")
    assert problem["errors"] == [{"field": "body", "message": problem["detail"]}]


@pytest.mark.parametrize(
    ("path", "good"),
    [
        ("/api/v1/runs", "run_" + "0" * 32),
        ("/api/v1/projects", "prj_" + "f" * 32),
        ("/api/v1/projects/{project_id}/stories", "sty_" + "0" * 32),
        ("/api/v1/audit", "5"),
    ],
)
def test_malformed_cursor_is_422(world: World, path: str, good: str) -> None:
    url = path.format(**world.ids)
    with world.client("admin_a") as c:
        bad = c.get(url, params={"cursor": "not-a-cursor"})
        assert bad.status_code == 422, bad.text
        assert bad.json()["errors"][0]["field"] == "query.cursor"
        assert c.get(url, params={"cursor": good}).status_code == 200


def test_last_event_id_is_digits_in_document_and_server(world: World) -> None:
    doc = httpx.get(f"{world.base_url}/openapi.json").json()
    params = doc["paths"]["/api/v1/runs/{run_id}/events"]["get"]["parameters"]
    header = next(p for p in params if p["name"] == "Last-Event-ID")
    assert header["schema"]["type"] == "string" and "anyOf" not in header["schema"]
    url = f"/api/v1/runs/{world.ids['run_id']}/events"
    with world.client("viewer_a") as c:
        assert c.get(url, headers={"Last-Event-ID": "null"}).status_code == 422
        ok = c.get(url, headers={"Last-Event-ID": "1"})
    assert ok.status_code == 200 and "id: 1\n" not in ok.text and "id: 2" in ok.text


def _project(world: World) -> dict[str, Any]:
    with world.client("editor_a") as c:
        made = c.post("/api/v1/projects", json={"name": "etag"})
    assert made.status_code == 201 and made.headers["etag"] == '"1"'
    return made.json()


def test_project_patch_honours_if_match(world: World) -> None:
    pid = _project(world)["project_id"]
    with world.client("editor_a") as c:
        tag = c.get(f"/api/v1/projects/{pid}").headers["etag"]
        first = c.patch(f"/api/v1/projects/{pid}", json={"name": "a"}, headers={"If-Match": tag})
        assert first.status_code == 200 and first.headers["etag"] == '"2"'
        lost = c.patch(f"/api/v1/projects/{pid}", json={"name": "b"}, headers={"If-Match": tag})
        assert lost.status_code == 412 and lost.json()["code"] == "precondition_failed"
        weak = c.patch(f"/api/v1/projects/{pid}", json={"name": "b"}, headers={"If-Match": 'W/"2"'})
        assert weak.status_code == 412  # If-Match compares strongly
        listed = c.patch(
            f"/api/v1/projects/{pid}", json={"name": "c"}, headers={"If-Match": '"9", "2"'}
        )
        assert listed.status_code == 200
        star = c.patch(f"/api/v1/projects/{pid}", json={"name": "d"}, headers={"If-Match": "*"})
        assert star.status_code == 200
        junk = c.patch(f"/api/v1/projects/{pid}", json={"name": "e"}, headers={"If-Match": "2"})
        assert junk.status_code == 422  # not an entity tag
        assert c.get(f"/api/v1/projects/{pid}").json()["name"] == "d"


def test_concurrent_patches_with_one_etag_cannot_both_win(world: World) -> None:
    pid = _project(world)["project_id"]
    barrier = threading.Barrier(6)
    statuses: list[int] = []

    def patch(i: int) -> None:
        with world.client("editor_a") as c:
            barrier.wait()
            r = c.patch(
                f"/api/v1/projects/{pid}", json={"name": f"w{i}"}, headers={"If-Match": '"1"'}
            )
            statuses.append(r.status_code)

    threads = [threading.Thread(target=patch, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200] + [412] * 5
    with world.client("editor_a") as c:
        assert c.get(f"/api/v1/projects/{pid}").json()["version"] == 2


def test_if_match_on_a_route_without_etags_is_refused_not_ignored(world: World) -> None:
    with world.client("editor_a") as c:
        story = c.post(
            f"/api/v1/projects/{world.ids['project_id']}/stories",
            json={"title": "t", "text": "Kept."},
        ).json()
        url = f"/api/v1/stories/{story['story_id']}"
        refused = c.delete(url, headers={"If-Match": '"1"'})
        assert refused.status_code == 412
        assert c.get(url).status_code == 200  # nothing happened
        assert c.delete(url, headers={"If-Match": "*"}).status_code == 204
