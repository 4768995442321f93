"""Role changes, suspension and removal take effect on the member's next request: the
access token's membership version is checked per request (ADR 0150); members' ETags."""

from __future__ import annotations

import httpx

from tests.gateway.conftest import PASSWORD, World, login

PW = "a long enough pw"


def add_member(world: World, email: str, role: str) -> str:
    with world.client("admin_a") as c:
        r = c.post("/api/v1/members", json={"email": email, "password": PW, "role": role})
    assert r.status_code == 201, r.text
    assert r.headers["etag"] == '"1"'
    return str(r.json()["user_id"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def get(world: World, path: str, headers: dict[str, str]) -> httpx.Response:
    return httpx.get(f"{world.base_url}{path}", headers=headers)


def patch_member(world: World, user_id: str, body: dict[str, object]) -> httpx.Response:
    with world.client("admin_a") as c:
        return c.patch(f"/api/v1/members/{user_id}", json=body)


def test_a_demoted_admin_loses_admin_powers_on_the_next_request(world: World) -> None:
    user_id = add_member(world, "second-admin@a.example", "admin")
    pair = login(world.base_url, "second-admin@a.example", PW)
    old = bearer(pair["access_token"])
    assert get(world, "/api/v1/audit", old).status_code == 200
    assert get(world, "/api/v1/members", old).status_code == 200
    assert patch_member(world, user_id, {"role": "viewer"}).status_code == 200
    for path in ("/api/v1/audit", "/api/v1/members", "/api/v1/runs"):
        r = get(world, path, old)
        assert r.status_code == 401, (path, r.text)
        assert "membership changed" in r.json()["detail"]
    refreshed = httpx.post(
        f"{world.base_url}/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}
    ).json()
    assert refreshed["role"] == "viewer"
    new = bearer(refreshed["access_token"])
    assert get(world, "/api/v1/audit", new).status_code == 403
    assert get(world, "/api/v1/runs", new).status_code == 200


def test_a_promotion_also_needs_a_fresh_token(world: World) -> None:
    user_id = add_member(world, "promoted@a.example", "viewer")
    old = bearer(login(world.base_url, "promoted@a.example", PW)["access_token"])
    assert patch_member(world, user_id, {"role": "editor"}).status_code == 200
    assert get(world, "/api/v1/runs", old).status_code == 401
    again = login(world.base_url, "promoted@a.example", PW)
    assert again["role"] == "editor"
    assert get(world, "/api/v1/runs", bearer(again["access_token"])).status_code == 200


def test_suspension_cuts_off_tokens_keys_login_and_refresh(world: World) -> None:
    user_id = add_member(world, "suspended@a.example", "editor")
    pair = login(world.base_url, "suspended@a.example", PW)
    token = bearer(pair["access_token"])
    made = httpx.post(
        f"{world.base_url}/api/v1/api-keys",
        headers=token,
        json={"name": "k", "scopes": ["runs:read"]},
    )
    key = {"X-API-Key": made.json()["key"]}
    assert get(world, "/api/v1/runs", key).status_code == 200
    suspended = patch_member(world, user_id, {"suspended": True})
    assert suspended.status_code == 200 and suspended.json()["suspended"] is True
    assert get(world, "/api/v1/runs", token).status_code == 401
    assert get(world, "/api/v1/runs", key).status_code == 401
    url = f"{world.base_url}/api/v1/auth"
    body = {"email": "suspended@a.example", "password": PW}
    assert httpx.post(f"{url}/login", json=body).status_code == 401
    refresh = {"refresh_token": pair["refresh_token"]}
    assert httpx.post(f"{url}/refresh", json=refresh).status_code == 401
    resumed = patch_member(world, user_id, {"suspended": False})
    assert resumed.json()["suspended"] is False
    assert get(world, "/api/v1/runs", key).status_code == 200
    assert get(world, "/api/v1/runs", token).status_code == 401  # issued before: stays dead
    assert httpx.post(f"{url}/login", json=body).status_code == 200
    with world.client("admin_a") as c:
        actions = [e["action"] for e in c.get("/api/v1/audit").json()["items"]]
    assert "member.suspend" in actions and "member.resume" in actions


def test_removal_revokes_tokens_sessions_and_keys_for_good(world: World) -> None:
    email = "removed@a.example"
    user_id = add_member(world, email, "editor")
    pair = login(world.base_url, email, PW)
    token = bearer(pair["access_token"])
    made = httpx.post(
        f"{world.base_url}/api/v1/api-keys",
        headers=token,
        json={"name": "k", "scopes": ["runs:read"]},
    )
    key = {"X-API-Key": made.json()["key"]}
    with world.client("admin_a") as c:
        assert c.delete(f"/api/v1/members/{user_id}").status_code == 204
        assert c.get(f"/api/v1/members/{user_id}").status_code == 404
    assert get(world, "/api/v1/runs", token).status_code == 401
    assert get(world, "/api/v1/runs", key).status_code == 401
    refresh = {"refresh_token": pair["refresh_token"]}
    assert httpx.post(f"{world.base_url}/api/v1/auth/refresh", json=refresh).status_code == 401
    # invited again: the old key and session do not come back
    with world.client("admin_a") as c:
        back = c.post("/api/v1/members", json={"email": email, "password": PW, "role": "editor"})
    assert back.status_code == 201
    assert get(world, "/api/v1/runs", key).status_code == 401
    assert httpx.post(f"{world.base_url}/api/v1/auth/refresh", json=refresh).status_code == 401


def test_member_changes_honour_if_match(world: World) -> None:
    user_id = add_member(world, "etag@a.example", "viewer")
    with world.client("admin_a") as c:
        read = c.get(f"/api/v1/members/{user_id}")
        tag = read.headers["etag"]
        assert tag == f'"{read.json()["version"]}"'
        changed = c.patch(
            f"/api/v1/members/{user_id}", json={"role": "editor"}, headers={"If-Match": tag}
        )
        assert changed.status_code == 200 and changed.headers["etag"] != tag
        stale = c.patch(
            f"/api/v1/members/{user_id}", json={"role": "viewer"}, headers={"If-Match": tag}
        )
        assert stale.status_code == 412 and stale.json()["code"] == "precondition_failed"
        assert c.get(f"/api/v1/members/{user_id}").json()["role"] == "editor"
        gone = c.delete(f"/api/v1/members/{user_id}", headers={"If-Match": tag})
        assert gone.status_code == 412
        current = changed.headers["etag"]
        assert (
            c.delete(f"/api/v1/members/{user_id}", headers={"If-Match": current}).status_code == 204
        )


def test_other_tenants_are_untouched_by_a_change(world: World) -> None:
    """A membership version belongs to one tenant: tenant B's admin keeps working."""
    assert get(world, "/api/v1/members", world.headers("admin_b")).status_code == 200
    assert login(world.base_url, "admin@b.example", PASSWORD)["role"] == "admin"
