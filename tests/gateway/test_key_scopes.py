"""Key endpoints need the ``keys:manage`` scope, and a key never revokes a key with scopes
it lacks (ADR 0151)."""

from __future__ import annotations

import httpx

from tests.gateway.conftest import World


def make_key(world: World, who: str, scopes: list[str]) -> dict[str, str]:
    with world.client(who) as c:
        r = c.post("/api/v1/api-keys", json={"name": "+".join(scopes), "scopes": scopes})
    assert r.status_code == 201, r.text
    return r.json()


def test_a_key_without_the_scope_cannot_list_or_revoke_keys(world: World) -> None:
    key = {"X-API-Key": world.ids["key"]}  # runs:read only
    other = make_key(world, "admin_a", ["runs:read"])
    base = f"{world.base_url}/api/v1/api-keys"
    listed = httpx.get(base, headers=key)
    assert listed.status_code == 403 and "keys:manage" in listed.json()["detail"]
    revoked = httpx.delete(f"{base}/{other['key_id']}", headers=key)
    assert revoked.status_code == 403
    with world.client("admin_a") as c:
        rows = {k["key_id"]: k for k in c.get("/api/v1/api-keys").json()["items"]}
    assert rows[other["key_id"]]["revoked_at"] is None


def test_a_managing_key_revokes_only_keys_no_stronger_than_itself(world: World) -> None:
    manager = make_key(world, "editor_a", ["keys:manage", "runs:read"])
    weaker = make_key(world, "editor_a", ["runs:read"])
    stronger = make_key(world, "editor_a", ["runs:read", "runs:write"])
    headers = {"X-API-Key": manager["key"]}
    base = f"{world.base_url}/api/v1/api-keys"
    listed = {k["key_id"] for k in httpx.get(base, headers=headers).json()["items"]}
    assert {manager["key_id"], weaker["key_id"], stronger["key_id"]} <= listed
    refused = httpx.delete(f"{base}/{stronger['key_id']}", headers=headers)
    assert refused.status_code == 403 and "runs:write" in refused.json()["detail"]
    assert httpx.get(f"{world.base_url}/api/v1/runs", headers={"X-API-Key": stronger["key"]})
    assert httpx.delete(f"{base}/{weaker['key_id']}", headers=headers).status_code == 200
    gone = httpx.get(f"{world.base_url}/api/v1/runs", headers={"X-API-Key": weaker["key"]})
    assert gone.status_code == 401
    # the user (not a key) may revoke any of their own keys
    with world.client("editor_a") as c:
        assert c.delete(f"/api/v1/api-keys/{stronger['key_id']}").status_code == 200


def test_a_managing_key_sees_only_its_owners_keys(world: World) -> None:
    manager = make_key(world, "viewer_a", ["keys:manage", "runs:read"])
    editor_key = make_key(world, "editor_a", ["runs:read"])
    headers = {"X-API-Key": manager["key"]}
    listed = httpx.get(f"{world.base_url}/api/v1/api-keys", headers=headers).json()["items"]
    assert editor_key["key_id"] not in {k["key_id"] for k in listed}
    other = httpx.delete(
        f"{world.base_url}/api/v1/api-keys/{editor_key['key_id']}", headers=headers
    )
    assert other.status_code == 404
