"""GET run and POST run against `nexus serve` (embedded: API + orchestrator + workers in one
process) with the load from a second process (loadgen.py) on loopback.

    uv run python bench/api/run_bench.py [--seconds 10] [--users 32]

Prints a Markdown table and writes bench/api/results.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from nexus.core.db import Database
from nexus.core.migrate import migrate
from nexus.gateway.security import Passwords
from nexus.gateway.services import accounts

HERE = Path(__file__).resolve().parent
PASSWORD = "bench password 1234"


async def seed(data_dir: Path, users: int) -> None:
    db = Database.from_url(f"sqlite+aiosqlite:///{data_dir / 'nexus.db'}")
    await migrate(db.engine)
    passwords = Passwords()
    for i in range(users):
        await accounts.create_user(
            db,
            passwords,
            email=f"u{i}@bench.example",
            password=PASSWORD,
            role="editor",
            tenant_slug="bench",
        )
    await db.dispose()


def start_server(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("NEXUS_")},
        "NEXUS_ENV": "test",
        "NEXUS_DATA_DIR": str(data_dir),
        "NEXUS_GATEWAY__JWT_SECRET": "bench-" + "z" * 40,
        "NEXUS_GATEWAY__RATE_LIMIT_PER_MINUTE": "600000",
        "NEXUS_GATEWAY__LOGIN_ATTEMPTS_PER_MINUTE": "1000",
        "NEXUS_LOG_LEVEL": "WARNING",
    }
    code = f"from nexus.cli.serve import run_server; run_server('embedded', '127.0.0.1', {port})"
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(data_dir / "server.log").open("wb"),
    )
    for _ in range(600):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError("server did not start")


def load(
    url: str, tokens: Path, *, method: str, body: str, seconds: float, connections: int
) -> dict[str, object]:
    """The load runs in its own process (loadgen.py), one user per connection."""
    cmd = [
        sys.executable,
        str(HERE / "loadgen.py"),
        "--url",
        url,
        "--method",
        method,
        "--tokens",
        str(tokens),
        "--connections",
        str(connections),
        "--seconds",
        str(seconds),
    ]
    if body:
        cmd += ["--body", body]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="nexus-bench-api-"))
    asyncio.run(seed(data_dir, args.connections))
    port = 18000 + os.getpid() % 1000
    base = f"http://127.0.0.1:{port}"
    server = start_server(data_dir, port)
    try:
        tokens = [
            httpx.post(
                f"{base}/api/v1/auth/login",
                json={"email": f"u{i}@bench.example", "password": PASSWORD},
            ).json()["access_token"]
            for i in range(args.connections)
        ]
        token_file = data_dir / "tokens.txt"
        token_file.write_text("\n".join(tokens))
        auth = {"Authorization": f"Bearer {tokens[0]}"}
        project = httpx.post(
            f"{base}/api/v1/projects", json={"name": "bench"}, headers=auth
        ).json()["project_id"]
        run_body = {"project_id": project, "pipeline": "chain", "params": {"n": 1}}
        run_id = httpx.post(f"{base}/api/v1/runs", json=run_body, headers=auth).json()["run_id"]
        results = {
            "GET /api/v1/runs/{run_id}": load(
                f"{base}/api/v1/runs/{run_id}",
                token_file,
                method="GET",
                body="",
                seconds=args.seconds,
                connections=args.connections,
            ),
            "POST /api/v1/runs": load(
                f"{base}/api/v1/runs",
                token_file,
                method="POST",
                body=json.dumps(run_body),
                seconds=args.seconds,
                connections=args.connections,
            ),
        }
    finally:
        server.terminate()
        server.wait(timeout=30)
    env = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_avg_1m": os.getloadavg()[0],
        "seconds": args.seconds,
    }
    (HERE / "results.json").write_text(json.dumps({"env": env, "results": results}, indent=2))
    print(f"env: {env}")
    print("| operation | req/s | p50 ms | p99 ms | max ms | statuses | connections |")
    print("|---|---|---|---|---|---|---|")
    for name, r in results.items():
        print(
            f"| {name} | {r['rps']} | {r['p50_ms']} | {r['p99_ms']} | {r['max_ms']} | "
            f"{r['statuses']} | {r['connections']} |"
        )


if __name__ == "__main__":
    main()
