"""A lean HTTP/1.1 keep-alive load generator (raw asyncio streams, uvloop), run as its own
process so the server under test keeps its core. Prints one JSON line of results.

    python bench/api/loadgen.py --url http://127.0.0.1:8000/api/v1/runs/run_x \
        --tokens tokens.txt --connections 16 --seconds 10
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from pathlib import Path
from urllib.parse import urlsplit

import uvloop


def build_request(method: str, url: str, headers: list[str], body: bytes) -> tuple[str, int, bytes]:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}", *headers]
    if body:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return host, port, ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def connection(
    host: str,
    port: int,
    requests: list[bytes],
    start: float,
    stop: float,
    latencies: list[float],
    statuses: dict[int, int],
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    i = 0
    try:
        while True:
            sent = time.perf_counter()
            if sent >= stop:
                return
            writer.write(requests[i % len(requests)])
            i += 1
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            await reader.readexactly(length)
            done = time.perf_counter()
            statuses[-1] = statuses.get(-1, 0) + 1  # every answer, warm-up included
            if sent >= start:  # after the warm-up
                latencies.append(done - sent)
                statuses[status] = statuses.get(status, 0) + 1
    finally:
        writer.close()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


async def main(args: argparse.Namespace) -> dict[str, object]:
    body = args.body.encode()
    tokens: list[str] = args.token_list
    per_connection = []
    for i in range(args.connections):
        token = tokens[i % len(tokens)]
        headers = [*args.header, f"Authorization: Bearer {token}"] if token else args.header
        host, port, raw = build_request(args.method, args.url, headers, body)
        per_connection.append([raw])
    now = time.perf_counter()
    start, stop = now + args.warmup, now + args.warmup + args.seconds
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    await asyncio.gather(
        *[
            connection(host, port, per_connection[i], start, stop, latencies, statuses)
            for i in range(args.connections)
        ]
    )
    answered = statuses.pop(-1, 0)
    return {
        "answered": answered,
        "requests": len(latencies),
        "rps": round(len(latencies) / args.seconds, 1),
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 2),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
        "max_ms": round(max(latencies, default=0) * 1000, 2),
        "statuses": statuses,
        "connections": args.connections,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--method", default="GET")
    parser.add_argument("--header", action="append", default=[])
    parser.add_argument("--body", default="")
    parser.add_argument(
        "--tokens",
        default="",
        help="A file of bearer tokens, one a line; "
        "connection i uses token i mod n (one rate-limit bucket each).",
    )
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parsed = parser.parse_args()
    parsed.token_list = Path(parsed.tokens).read_text().split() if parsed.tokens else [""]
    print(json.dumps(uvloop.run(main(parsed))))
