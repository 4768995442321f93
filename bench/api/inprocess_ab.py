"""What each per-request addition of the gateway hardening costs: GET run driven straight
through the ASGI app (no sockets, no load generator) in a fresh process per variant, with
one addition switched off each time; variants interleaved, median of the rounds.

    uv run python bench/api/inprocess_ab.py [--requests 3000] [--rounds 3]

Variants: ``full`` (as shipped: JSON request line at INFO), ``no-log`` (request line off),
``no-guard`` (415/If-Match guard off), ``no-membership`` (membership version check off).
Prints server CPU microseconds per request (process time).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

VARIANTS = ("full", "no-log", "no-guard", "no-membership")


def _switch_off(variant: str) -> None:
    """Monkeypatch one addition away (bench only) before the app is built."""
    from nexus.gateway import deps, guards, middleware

    if variant == "no-log":
        middleware.log_request = lambda *a, **k: None  # type: ignore[assignment]
    elif variant == "no-guard":
        guards.install = lambda app: setattr(app.state, "route_facts", {})  # type: ignore[assignment]
    elif variant == "no-membership":

        async def current_version(gw: Any, tenant_id: str, user_id: str) -> int:
            return 1

        deps.members.current_version = current_version  # type: ignore[assignment]


async def _call(
    app: Any, method: str, path: str, headers: dict[str, str], body: bytes = b""
) -> Any:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
        "state": {},
    }
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    out: dict[str, Any] = {"body": b""}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            out["status"] = message["status"]
        elif message["type"] == "http.response.body":
            out["body"] += message.get("body", b"")

    await app(scope, receive, send)
    return out


async def _measure(app: Any, requests: int) -> float:
    from nexus.gateway.security import Passwords
    from nexus.gateway.services import accounts

    async with app.router.lifespan_context(app):
        gw = app.state.gateway
        await accounts.create_user(
            gw.platform.db,
            Passwords(),
            email="a@b.c",
            password="p" * 12,
            role="admin",
            tenant_slug="t",
        )
        js = {"content-type": "application/json"}
        login = await _call(
            app,
            "POST",
            "/api/v1/auth/login",
            js,
            json.dumps({"email": "a@b.c", "password": "p" * 12}).encode(),
        )
        auth = {"authorization": "Bearer " + json.loads(login["body"])["access_token"]}
        made = await _call(app, "POST", "/api/v1/projects", {**auth, **js}, b'{"name": "x"}')
        body = {"project_id": json.loads(made["body"])["project_id"], "pipeline": "chain"}
        run = await _call(app, "POST", "/api/v1/runs", {**auth, **js}, json.dumps(body).encode())
        path = "/api/v1/runs/" + json.loads(run["body"])["run_id"]
        for _ in range(300):
            await _call(app, "GET", path, auth)
        started = time.process_time()
        for _ in range(requests):
            assert (await _call(app, "GET", path, auth))["status"] == 200
        return (time.process_time() - started) / requests * 1e6


def child(variant: str, requests: int) -> None:
    data_dir = tempfile.mkdtemp(prefix="nexus-bench-ab-")
    os.environ.update(
        NEXUS_ENV="test",
        NEXUS_DATA_DIR=data_dir,
        NEXUS_GATEWAY__JWT_SECRET="x" * 40,
        NEXUS_GATEWAY__RATE_LIMIT_PER_MINUTE="60000000",
        NEXUS_ORCHESTRATOR__PROCESS_WORKERS="0",
    )
    out = sys.stdout
    sys.stderr = Path(os.devnull).open("w")  # noqa: SIM115 - request lines rendered, then dropped
    from nexus.core.logging import configure_logging
    from nexus.core.settings import load_settings

    configure_logging("json", "INFO")
    _switch_off(variant)
    from nexus.gateway.app import create_app

    app = create_app(load_settings(), mode="embedded")
    print(
        json.dumps({"variant": variant, "cpu_us": asyncio.run(_measure(app, requests))}), file=out
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", default="")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.requests)
        return
    results: dict[str, list[float]] = {v: [] for v in VARIANTS}
    for r in range(args.rounds):
        order = VARIANTS[r % len(VARIANTS) :] + VARIANTS[: r % len(VARIANTS)]
        for variant in order:
            cmd = [sys.executable, __file__, "--child", variant, "--requests", str(args.requests)]
            line = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
            results[variant].append(json.loads(line.strip().splitlines()[-1])["cpu_us"])
    print(f"load average {os.getloadavg()[0]:.1f}; {args.requests} requests x {args.rounds} rounds")
    print("| variant | CPU us/request, median | rounds |")
    print("|---|---|---|")
    for variant, values in results.items():
        rounds = ", ".join(f"{v:.0f}" for v in values)
        print(f"| {variant} | {statistics.median(values):.0f} | {rounds} |")


if __name__ == "__main__":
    main()
