"""``/api/v1/skills``: any member lists the catalogue (paged by name, filtered by category)
and reads one skill with its schemas, permissions and versions; runs show their skill pins."""

from __future__ import annotations

from tests.gateway.conftest import World


def test_members_list_and_page_the_catalogue(world: World) -> None:
    with world.client("viewer_a") as c:
        page = c.get("/api/v1/skills", params={"limit": 5})
        assert page.status_code == 200, page.text
        body = page.json()
        assert len(body["items"]) == 5 and body["total"] > 5 and body["next"]
        names = [s["name"] for s in body["items"]]
        assert names == sorted(names)
        rest = c.get("/api/v1/skills", params={"cursor": body["next"], "limit": 200}).json()
        assert rest["next"] is None and rest["items"][0]["name"] > names[-1]
        assert len(body["items"]) + len(rest["items"]) == body["total"]
        text = c.get("/api/v1/skills", params={"category": "text"}).json()["items"]
        assert text and all(s["category"] == "text" for s in text)
        assert c.get("/api/v1/skills", params={"category": "nope"}).status_code == 422
    with world.client() as anonymous:
        assert anonymous.get("/api/v1/skills").status_code == 401


def test_one_skill_with_schemas_permissions_and_versions(world: World) -> None:
    with world.client("admin_b") as c:
        detail = c.get("/api/v1/skills/demo.work").json()
        spec = detail["spec"]
        assert spec["version"] == "1" and spec["category"] == "data"
        assert spec["input_schema"]["required"] == ["i"] and len(spec["digest"]) == 64
        assert spec["permissions"]["network_hosts"] == []
        assert [v["version"] for v in detail["versions"]] == ["1"]
        missing = c.get("/api/v1/skills/demo.ghost")
        assert missing.status_code == 404 and missing.json()["code"] == "not_found"
        old = c.get("/api/v1/skills/demo.work", params={"version": "9"})
        assert old.status_code == 404


def test_a_run_shows_its_skill_pins(world: World) -> None:
    with world.client("viewer_a") as c:
        run = c.get(f"/api/v1/runs/{world.ids['run_id']}").json()
    assert run["skill_pins"]["demo.work"] == "1" and run["skill_pins"]["demo.digest"] == "1"
