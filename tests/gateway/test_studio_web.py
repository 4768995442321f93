"""The studio's gateway surface: the built studio served at / (SPA fallback that never
shadows the API), first-run setup (exactly once), story preview, and a run's entities."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.gateway.conftest import World, free_port, server_env, start_server, stop_server

ZH_STORY = (Path(__file__).resolve().parents[2] / "examples/zh/lighthouse-zh.md").read_text()
ADMIN = {"email": "first@studio.example", "password": "a long first passphrase"}


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server with no user at all, serving a tiny built studio from its own web dir."""
    data_dir = tmp_path_factory.mktemp("fresh")
    dist = data_dir / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><title>studio</title><div id=app></div>")
    (dist / "assets" / "app-1234.js").write_text("console.log('studio')")
    (dist / "assets" / "app-1234.js.gz").write_bytes(gzip.compress(b"console.log('studio')"))
    (data_dir / "secret.txt").write_text("outside the web dir")
    port = free_port()
    proc = start_server(data_dir, port, server_env(data_dir, NEXUS_GATEWAY__WEB_DIR=str(dist)))
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_server(proc)


def test_studio_index_assets_and_spa_fallback(fresh: str) -> None:
    with httpx.Client(base_url=fresh) as c:
        index = c.get("/")
        assert index.status_code == 200 and "<div id=app>" in index.text
        assert "default-src 'self'" in index.headers["content-security-policy"]
        assert index.headers["cache-control"] == "no-cache"
        deep = c.get("/projects/prj_1/runs/run_2")  # a client-side route
        assert deep.status_code == 200 and deep.text == index.text
        asset = c.get("/assets/app-1234.js")  # httpx asks for gzip and inflates it
        assert asset.text == "console.log('studio')"
        assert asset.headers["content-encoding"] == "gzip"
        assert asset.headers["content-type"].startswith("text/javascript")
        assert "immutable" in asset.headers["cache-control"]
        plain = c.get("/assets/app-1234.js", headers={"accept-encoding": "identity"})
        assert plain.text == "console.log('studio')" and "content-encoding" not in plain.headers
        escaped = c.get("/assets/..%2F..%2Fsecret.txt")
        assert "outside" not in escaped.text


def test_fallback_never_shadows_the_api(fresh: str) -> None:
    with httpx.Client(base_url=fresh) as c:
        missing = c.get("/api/v1/nothing-here")
        assert missing.status_code == 404
        assert missing.headers["content-type"].startswith("application/problem+json")
        assert c.get("/api").status_code == 404
        assert c.get("/api/v1/auth/login").status_code == 405  # a POST-only route stays 405
        assert c.get("/docs").text.lower().count("swagger") > 0
        assert c.get("/openapi.json").json()["info"]["title"] == "Nexus API"
        assert c.get("/metrics").headers["content-type"].startswith("text/plain")
        assert c.get("/healthz").json() == {"status": "ok"}


def test_first_run_creates_one_admin_exactly_once(fresh: str) -> None:
    with httpx.Client(base_url=fresh, timeout=30) as c:
        assert c.get("/api/v1/setup").json() == {"needs_admin": True}
        short = c.post("/api/v1/setup", json={"email": "x@y.z", "password": "short"})
        assert short.status_code == 422 and short.json()["code"] == "validation_failed"
        assert c.get("/api/v1/setup").json() == {"needs_admin": True}  # nothing half-written

        def attempt(i: int) -> int:
            body = {"email": f"racer{i}@studio.example", "password": ADMIN["password"]}
            return c.post("/api/v1/setup", json=body).status_code

        with ThreadPoolExecutor(4) as pool:
            codes = sorted(pool.map(attempt, range(4)))
        assert codes == [201, 409, 409, 409]
        assert c.get("/api/v1/setup").json() == {"needs_admin": False}
        again = c.post("/api/v1/setup", json=ADMIN)
        assert again.status_code == 409 and again.json()["code"] == "conflict"


def test_first_run_pair_signs_in_as_admin(tmp_path: Path) -> None:
    port = free_port()
    proc = start_server(tmp_path, port, server_env(tmp_path))
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as c:
            pair = c.post("/api/v1/setup", json={**ADMIN, "tenant": "acme"}).json()
            assert pair["role"] == "admin"
            me = c.get(
                "/api/v1/auth/me", headers={"Authorization": "Bearer " + pair["access_token"]}
            )
            assert me.json()["email"] == ADMIN["email"] and "admin" in me.json()["scopes"]
            audit = c.get(
                "/api/v1/audit", headers={"Authorization": "Bearer " + pair["access_token"]}
            ).json()["items"]
            assert any(e["action"] == "setup.admin_created" for e in audit)
    finally:
        stop_server(proc)


def test_setup_is_closed_on_a_server_with_users(world: World) -> None:
    with world.client() as c:
        assert c.get("/api/v1/setup").json() == {"needs_admin": False}
        assert c.post("/api/v1/setup", json=ADMIN).status_code == 409


def test_story_preview_plans_like_the_pipeline(world: World) -> None:
    with world.client("viewer_a") as c:
        r = c.post("/api/v1/stories/preview", json={"text": ZH_STORY})
        assert r.status_code == 200, r.text
        body = r.json()
    assert body["detected_language"] == "zh" and body["language"] == "zh"
    assert body["scenes"] and sum(s["shots"] for s in body["scenes"]) == len(body["shots"])
    assert body["characters"] and all(ch["voice"] for ch in body["characters"])
    assert body["duration_s"] == pytest.approx(
        sum(s["duration_target_s"] for s in body["shots"]), abs=0.05
    )


def test_story_preview_refuses_bad_text_with_its_code(world: World) -> None:
    with world.client("viewer_a") as c:
        blank = c.post("/api/v1/stories/preview", json={"text": "  \n\n "})
        assert blank.status_code == 422 and blank.json()["errors"][0]["field"] == "text"
        short = c.post("/api/v1/stories/preview", json={"text": "One."})
        assert short.status_code == 200, short.text
        assert short.json()["problem_code"] == "input_too_short" and short.json()["shots"] == []
        extra = c.post("/api/v1/stories/preview", json={"text": "a", "language": "fr"})
        assert extra.json()["errors"][0]["field"] == "language"
    with world.client() as anonymous:
        assert anonymous.post("/api/v1/stories/preview", json={"text": "a"}).status_code == 401


def test_entities_of_a_run_without_a_plan(world: World) -> None:
    with world.client("viewer_a") as c:
        body = c.get(f"/api/v1/runs/{world.ids['run_id']}/entities").json()
        assert body == {"run_id": world.ids["run_id"], "ready": False, "pack": None}
    with world.client("admin_b") as other:
        assert other.get(f"/api/v1/runs/{world.ids['run_id']}/entities").status_code == 404


def test_graph_lists_every_job_and_edge(world: World) -> None:
    run_id = world.ids["run_id"]
    with world.client("viewer_a") as c:
        graph = c.get(f"/api/v1/runs/{run_id}/graph").json()
        jobs = c.get(f"/api/v1/runs/{run_id}/jobs").json()["items"]
    assert graph["nodes"] == jobs
    ids = {j["job_id"] for j in jobs}
    assert graph["edges"], "the demo pipeline has dependencies"
    assert all(e["job_id"] in ids and e["upstream_job_id"] in ids for e in graph["edges"])
    with world.client("admin_b") as other:
        assert other.get(f"/api/v1/runs/{run_id}/graph").status_code == 404


def test_media_carries_signed_urls_that_download(world: World) -> None:
    run_id = world.ids["run_id"]
    with world.client("viewer_a") as c:
        media = c.get(f"/api/v1/runs/{run_id}/media").json()["items"]
        artifacts = c.get(f"/api/v1/runs/{run_id}/artifacts").json()["items"]
    assert {m["sha256"] for m in media} == {a["sha256"] for a in artifacts}
    with httpx.Client() as anonymous:
        blob = anonymous.get(media[0]["url"])
    assert blob.status_code == 200 and len(blob.content) == media[0]["size_bytes"]
    with world.client("admin_b") as other:
        assert other.get(f"/api/v1/runs/{run_id}/media").status_code == 404
