"""``/api/v1/providers``: members list, admins of the operator tenant add/switch/test; keys
never accepted inline nor returned."""

from __future__ import annotations

from tests.fakes.openai_server import OpenAIServer
from tests.gateway.conftest import World


def test_providers_list_add_disable_test(world: World) -> None:
    with OpenAIServer() as fake:
        body = {
            "name": "gw-fake",
            "kind": "openai",
            "base_url": f"{fake.url}/v1",
            "models": [{"name": "m", "capabilities": ["embeddings"]}],
        }
        with world.client("viewer_a") as c:
            names = [p["name"] for p in c.get("/api/v1/providers").json()["items"]]
            assert "offline" in names
            assert c.post("/api/v1/providers", json=body).status_code == 403
        with world.client("admin_a") as c:
            inline = c.post("/api/v1/providers", json={**body, "api_key": "sk-inline-1"})
            assert inline.status_code == 422 and "sk-inline-1" not in inline.text
            added = c.post("/api/v1/providers", json=body)
            assert added.status_code == 201, added.text
            assert added.json()["source"] == "api" and added.json()["credential"] == "none"
            assert c.post("/api/v1/providers", json=body).status_code == 409
            probe = c.post("/api/v1/providers/gw-fake/test").json()
            assert probe["ok"] and fake.submissions("/v1/models", "GET") == 1
            off = c.post("/api/v1/providers/gw-fake/disable").json()
            assert off["enabled"] is False
            assert c.post("/api/v1/providers/ghost/disable").status_code == 404
        with world.client("editor_a") as c:
            assert c.post("/api/v1/providers/gw-fake/enable").status_code == 403
        # Providers serve every tenant: another tenant's admin may read them, never change them.
        with world.client("admin_b") as c:
            assert "gw-fake" in [p["name"] for p in c.get("/api/v1/providers").json()["items"]]
            refused = c.post("/api/v1/providers/gw-fake/enable")
            assert refused.status_code == 403, refused.text
            assert refused.json()["code"] == "forbidden"
            assert c.post("/api/v1/providers", json={**body, "name": "b-fake"}).status_code == 403


def test_project_routing_over_the_api(world: World) -> None:
    project = world.ids["project_id"]
    url = f"/api/v1/projects/{project}/routing"
    with world.client("viewer_a") as c:
        shown = c.get(url)
        assert shown.status_code == 200 and shown.json()["version"] == 0
        assert c.put(url, json={"offline_fallback": False}).status_code == 403
    with world.client("editor_a") as c:
        unknown = c.put(url, json={"preferences": {"image": ["ghost"]}})
        assert unknown.status_code == 404 and unknown.json()["code"] == "provider_not_found"
        incapable = c.put(url, json={"preferences": {"chat": ["offline"]}})
        assert incapable.status_code == 422 and incapable.json()["code"] == "validation_failed"
        bad_capability = c.put(url, json={"preferences": {"telepathy": ["offline"]}})
        assert bad_capability.status_code == 422
        done = c.put(url, json={"preferences": {"image": ["offline/image-storyboard"]}})
        assert done.status_code == 200, done.text
        assert done.json()["version"] == 1
        assert done.json()["effective"]["image"][0] == "offline/image-storyboard"
    with world.client("admin_b") as c:  # another tenant's project does not exist
        assert c.get(url).status_code == 404
        assert c.put(url, json={"offline_fallback": True}).status_code == 404
    with world.client("admin_a") as c:
        assert c.put(url, json={}).json()["version"] == 0  # back to the defaults
        actions = [e["action"] for e in c.get("/api/v1/audit").json()["items"]]
        assert "project.routing" in actions
