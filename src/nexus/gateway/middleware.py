"""One pure-ASGI middleware for every request: trace id, body size limit, security headers,
the Prometheus request metrics and one structured log line per request (cheaper than a
stack of BaseHTTPMiddleware layers)."""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nexus.contracts.errors import ErrorCode
from nexus.core import telemetry
from nexus.core.logging import bind_context, get_logger
from nexus.gateway.errors import MEDIA_TYPE, problem_body

TRACEPARENT = re.compile(r"^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$")
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]
API_HEADERS = [
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
    (b"cache-control", b"no-store"),
]
API_PREFIX = "/api/v1"
HSTS = (b"strict-transport-security", b"max-age=63072000; includeSubDomains")
REQUEST_LOGGER = "nexus.gateway.requests"
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """The gateway's Prometheus metrics, in a registry of their own (one per app)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "nexus_http_requests_total",
            "HTTP requests by route template and status.",
            ["route", "status"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "nexus_http_request_duration_seconds",
            "HTTP request duration by route template.",
            ["route"],
            buckets=BUCKETS,
            registry=self.registry,
        )

    def observe(self, route: str, status: int, seconds: float) -> None:
        self.requests.labels(route, str(status)).inc()
        self.duration.labels(route).observe(seconds)


class BodyTooLarge(HTTPException):
    """An HTTPException, so FastAPI's body parsing re-raises it instead of answering 400."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body exceeds {limit} bytes")


def trace_id_of(scope: Scope) -> str:
    """The request span's trace id (tracing on), else the ``traceparent``'s, else new."""
    if telemetry.ENABLED:
        ids = telemetry.current_ids()
        if ids is not None:
            return ids[0]
    for name, value in scope["headers"]:
        if name == b"traceparent":
            match = TRACEPARENT.match(value.decode("latin-1"))
            if match and match.group(1) != "0" * 32:
                return match.group(1)
    return secrets.token_hex(16)


_UPLOAD_PATH = re.compile(r"^/api/v1/projects/[^/]+/assets$")


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _route_label(scope: Scope) -> str:
    """The route template (bounded label cardinality); FastAPI hands over the route as
    declared in its router, so the API prefix is put back here."""
    template = getattr(scope.get("route"), "path", None)
    if template is None:
        return "unmatched"
    if scope["path"].startswith(API_PREFIX) and not template.startswith(API_PREFIX):
        return API_PREFIX + template
    return template


def log_request(
    log: Any, scope: Scope, route: str, status: int, seconds: float, trace_id: str
) -> None:
    """The request line: who (user, tenant, key) did what (method, route template), how it
    ended and how long it took. No path parameters or query: ids and secrets stay out."""
    principal = scope["state"].get("principal")
    emit = log.warning if status >= 500 else log.info
    emit(
        "request",
        method=scope["method"],
        route=route,
        status=status,
        duration_ms=round(seconds * 1000, 2),
        user_id=getattr(principal, "user_id", None),
        tenant_id=getattr(principal, "tenant_id", None),
        key_id=getattr(principal, "key_id", None),
        trace_id=trace_id,
        pid=os.getpid(),  # which worker process answered (``--workers``)
    )


class GatewayMiddleware:
    def __init__(
        self, app: ASGIApp, *, metrics: Metrics, max_body_bytes: int, upload_max_bytes: int = 0
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body_bytes = max_body_bytes
        # Asset uploads (POST .../assets, multipart) have the asset library's own limit.
        self.upload_max_bytes = max(upload_max_bytes, max_body_bytes)
        # Bound once (the stack is built after logging is configured): a lazy proxy would
        # rebuild the logger on every request.
        self.log = get_logger(REQUEST_LOGGER).bind()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        trace_id = trace_id_of(scope)
        scope.setdefault("state", {})["trace_id"] = trace_id
        bind_context(trace_id=trace_id)  # every log line of this request carries it
        extra = self._headers(scope, trace_id)
        status = 500
        response_started = False

        async def send_wrapped(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        limit = self._limit(scope)
        try:
            declared = _declared_length(scope)
            if declared is not None and declared > limit:
                raise BodyTooLarge(limit)
            await self.app(scope, self._limited(receive, limit), send_wrapped)
        except BodyTooLarge:
            if response_started:
                raise
            await self._too_large(scope, send_wrapped, trace_id, limit)
        finally:
            label = _route_label(scope)
            elapsed = time.perf_counter() - started
            self.metrics.observe(label, status, elapsed)
            log_request(self.log, scope, label, status, elapsed, trace_id)

    def _headers(self, scope: Scope, trace_id: str) -> list[tuple[bytes, bytes]]:
        headers = [*SECURITY_HEADERS, (b"x-trace-id", trace_id.encode())]
        path: str = scope["path"]
        if path.startswith("/api/") and not path.startswith("/api/v1/downloads/"):
            headers.extend(API_HEADERS)
        if scope.get("scheme") == "https":
            headers.append(HSTS)
        return headers

    def _limit(self, scope: Scope) -> int:
        if scope.get("method") == "POST" and _UPLOAD_PATH.match(scope["path"]):
            return self.upload_max_bytes
        return self.max_body_bytes

    def _limited(self, receive: Receive, limit: int) -> Receive:
        seen = 0

        async def receive_limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        return receive_limited

    async def _too_large(self, scope: Scope, send: Send, trace_id: str, limit: int) -> None:
        body: dict[str, Any] = problem_body(
            ErrorCode.PAYLOAD_TOO_LARGE,
            f"the request body exceeds {limit} bytes",
            instance=scope["path"],
            trace_id=trace_id,
        )
        payload = json.dumps(body).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", MEDIA_TYPE.encode()),
                    (b"content-length", str(len(payload)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})
