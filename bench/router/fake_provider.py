"""The OpenAI-compatible protocol fake (tests/fakes/openai_server.py) as the benchmark's
provider: every chat completion takes ``--latency-ms`` (a provider's think time) and the
submissions are counted, so what reached the provider is known exactly.

    uv run python bench/router/fake_provider.py --port N [--latency-ms 20]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.fakes.base import Reply, Request
from tests.fakes.openai_server import OpenAIServer

CHAT = "POST /v1/chat/completions"


class BenchProvider(OpenAIServer):
    """Adds ``GET /bench/count`` (chat submissions so far) and ``POST /bench/reset``."""

    def __init__(self, port: int) -> None:
        super().__init__(port, api_key="sk-test")
        self.routes[("GET", "/bench/count")] = self.count
        self.routes[("POST", "/bench/reset")] = self.reset

    def count(self, _: Request) -> Reply:
        return Reply.of({"chat": self.submissions("/v1/chat/completions")})

    def reset(self, _: Request) -> Reply:
        with self.lock:
            self.counts.clear()
        return Reply.of({"chat": 0})


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--latency-ms", type=float, default=0.0)
    args = p.parse_args()
    server = BenchProvider(args.port)
    server.httpd.socket.listen(1024)  # the default backlog (5) resets 100 concurrent callers
    server.requests = _Discard()  # the benchmark sends thousands of bodies: keep none
    if args.latency_ms > 0:
        server.fail("/v1/chat/completions", "slow", delay_s=args.latency_ms / 1000)
    print(f"listening on {server.port}", flush=True)
    server.httpd.serve_forever()


class _Discard(list):  # type: ignore[type-arg]
    def append(self, _: object) -> None:
        return None


if __name__ == "__main__":
    main()
