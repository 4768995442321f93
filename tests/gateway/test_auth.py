"""Authentication: expired, forged and revoked tokens; refresh rotation and reuse detection;
API key scopes and revocation; role limits; brute-force login throttling."""

from __future__ import annotations

import time
from typing import Any

import httpx
import jwt

from nexus.gateway.security import TokenIssuer
from tests.gateway.conftest import JWT_SECRET, LOGIN_LIMIT, PASSWORD, USERS, World, login


def me(world: World, token: str) -> httpx.Response:
    return httpx.get(
        f"{world.base_url}/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}
    )


def claims_of(world: World) -> dict[str, Any]:
    return jwt.decode(world.tokens["admin_a"], options={"verify_signature": False})


def test_valid_token_is_accepted(world: World) -> None:
    r = me(world, world.tokens["admin_a"])
    assert r.status_code == 200
    assert r.json()["role"] == "admin"


def test_missing_credentials_are_401_problem(world: World) -> None:
    r = httpx.get(f"{world.base_url}/api/v1/runs")
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == "unauthenticated"
    assert r.headers["www-authenticate"].startswith("Bearer")


def test_expired_token_is_refused(world: World) -> None:
    c = claims_of(world)
    issuer = TokenIssuer(JWT_SECRET, access_ttl_s=-60)
    token = issuer.issue_access(
        user_id=c["sub"],
        tenant_id=c["tid"],
        role="admin",
        session_id=c["sid"],
        membership_version=c["mv"],
    )
    assert me(world, token).status_code == 401
    fresh = TokenIssuer(JWT_SECRET, access_ttl_s=60).issue_access(
        user_id=c["sub"],
        tenant_id=c["tid"],
        role="admin",
        session_id=c["sid"],
        membership_version=c["mv"],
    )
    assert me(world, fresh).status_code == 200  # the same claims, unexpired, pass


def test_forged_tokens_are_refused(world: World) -> None:
    c = claims_of(world)
    other = TokenIssuer("another-secret-" + "y" * 40, access_ttl_s=60)
    forged = other.issue_access(
        user_id=c["sub"],
        tenant_id=c["tid"],
        role="admin",
        session_id=c["sid"],
        membership_version=c["mv"],
    )
    assert me(world, forged).status_code == 401
    unsigned = jwt.encode({**c, "exp": int(time.time()) + 60}, key=None, algorithm="none")
    assert me(world, unsigned).status_code == 401
    header, _payload, sig = world.tokens["viewer_a"].split(".")
    admin_payload = world.tokens["admin_a"].split(".")[1]
    assert me(world, f"{header}.{admin_payload}.{sig}").status_code == 401
    assert me(world, "garbage").status_code == 401


def test_logout_revokes_access_and_refresh_tokens(world: World) -> None:
    pair = login(world.base_url, USERS["editor_a"][0])
    assert me(world, pair["access_token"]).status_code == 200
    r = httpx.post(
        f"{world.base_url}/api/v1/auth/logout", json={"refresh_token": pair["refresh_token"]}
    )
    assert r.status_code == 204
    assert me(world, pair["access_token"]).status_code == 401
    again = httpx.post(
        f"{world.base_url}/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}
    )
    assert again.status_code == 401


def test_refresh_rotates_and_reuse_revokes_the_session(world: World) -> None:
    pair = login(world.base_url, USERS["viewer_a"][0])
    url = f"{world.base_url}/api/v1/auth/refresh"
    first = httpx.post(url, json={"refresh_token": pair["refresh_token"]})
    assert first.status_code == 200
    rotated = first.json()
    assert rotated["refresh_token"] != pair["refresh_token"]
    assert me(world, rotated["access_token"]).status_code == 200
    # an attacker replays the spent token: the whole session dies
    reuse = httpx.post(url, json={"refresh_token": pair["refresh_token"]})
    assert reuse.status_code == 401
    assert httpx.post(url, json={"refresh_token": rotated["refresh_token"]}).status_code == 401
    assert me(world, rotated["access_token"]).status_code == 401
    with world.client("admin_a") as c:
        actions = [e["action"] for e in c.get("/api/v1/audit").json()["items"]]
    assert "auth.refresh_reused" in actions


def test_api_key_scopes_are_enforced(world: World) -> None:
    key = {"X-API-Key": world.ids["key"]}
    base = world.base_url
    assert httpx.get(f"{base}/api/v1/runs", headers=key).status_code == 200
    bearer = {"Authorization": f"Bearer {world.ids['key']}"}
    assert httpx.get(f"{base}/api/v1/runs/{world.ids['run_id']}", headers=bearer).status_code == 200
    body = {"project_id": world.ids["project_id"], "pipeline": "demo", "params": {}}
    r = httpx.post(f"{base}/api/v1/runs", headers=key, json=body)
    assert r.status_code == 403
    assert r.json()["code"] == "forbidden"
    assert httpx.get(f"{base}/api/v1/projects", headers=key).status_code == 403
    made = httpx.post(
        f"{base}/api/v1/api-keys", headers=key, json={"name": "x", "scopes": ["runs:read"]}
    )
    assert made.status_code == 403  # keys cannot mint keys


def test_revoked_key_stops_working_and_last_use_is_recorded(world: World) -> None:
    with world.client("editor_a") as c:
        made = c.post("/api/v1/api-keys", json={"name": "temp", "scopes": ["runs:write"]})
        assert made.status_code == 201
        key = made.json()
        assert key["key"].startswith("nxk_") and key["prefix"] == key["key"][:12]
        headers = {"X-API-Key": key["key"]}
        assert httpx.get(f"{world.base_url}/api/v1/runs", headers=headers).status_code == 403
        listed = {k["key_id"]: k for k in c.get("/api/v1/api-keys").json()["items"]}
        assert "key" not in listed[key["key_id"]]
        assert listed[key["key_id"]]["last_used_at"] is not None
        assert c.delete(f"/api/v1/api-keys/{key['key_id']}").status_code == 200
    r = httpx.post(
        f"{world.base_url}/api/v1/runs",
        headers=headers,
        json={"project_id": world.ids["project_id"], "pipeline": "demo"},
    )
    assert r.status_code == 401


def test_roles_bound_what_keys_and_users_may_do(world: World) -> None:
    with world.client("viewer_a") as c:
        r = c.post("/api/v1/api-keys", json={"name": "x", "scopes": ["runs:write"]})
        assert r.status_code == 403
        assert c.post("/api/v1/projects", json={"name": "p"}).status_code == 403
        assert c.get("/api/v1/audit").status_code == 403
        assert c.get(f"/api/v1/runs/{world.ids['run_id']}").status_code == 200
    with world.client("editor_a") as c:
        assert c.get("/api/v1/members").status_code == 403


def test_login_is_throttled_per_account(world: World) -> None:
    url = f"{world.base_url}/api/v1/auth/login"
    body = {"email": "nobody@a.example", "password": "wrong password!"}
    codes = [httpx.post(url, json=body).status_code for _ in range(LOGIN_LIMIT)]
    assert codes == [401] * LOGIN_LIMIT
    r = httpx.post(url, json={**body, "password": PASSWORD})
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) >= 1
    assert r.json()["code"] == "rate_limited"
    with world.client("admin_a") as c:
        entries = c.get("/api/v1/audit", params={"action": "auth.login"}).json()["items"]
    # failures for unknown emails belong to no tenant: no admin sees them
    assert all(e["detail"].get("email") != body["email"] for e in entries)


def test_wrong_password_is_401_and_audited(world: World) -> None:
    email = USERS["admin_b"][0]
    r = httpx.post(
        f"{world.base_url}/api/v1/auth/login", json={"email": email, "password": "not the password"}
    )
    assert r.status_code == 401
    assert "tenant" in r.json()["detail"]  # one message for every failure reason
    with world.client("admin_b") as c:
        entries = c.get("/api/v1/audit", params={"action": "auth.login"}).json()["items"]
    failed = [e for e in entries if e["outcome"] == "failure"]
    assert failed and failed[0]["detail"]["email"] == email
    assert failed[0]["ip"] == "127.0.0.1" and failed[0]["user_agent"].startswith("python-httpx")
