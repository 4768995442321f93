"""The one place that maps errors to HTTP: NexusError (and framework errors) -> RFC 9457
problem+json carrying the ErrorCode, with field names for validation errors."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.core.logging import get_logger

PROBLEM_TYPE = "https://nexus.dev/problems/"
MEDIA_TYPE = "application/problem+json"
log = get_logger(__name__)

_STATUS_CODES = {
    400: ErrorCode.VALIDATION_FAILED,
    401: ErrorCode.UNAUTHENTICATED,
    403: ErrorCode.FORBIDDEN,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    412: ErrorCode.PRECONDITION_FAILED,
    415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    409: ErrorCode.CONFLICT,
    413: ErrorCode.PAYLOAD_TOO_LARGE,
    422: ErrorCode.VALIDATION_FAILED,
    429: ErrorCode.RATE_LIMITED,
}


def problem_body(
    code: ErrorCode,
    detail: str,
    *,
    status: int | None = None,
    instance: str | None = None,
    trace_id: str | None = None,
    fields: dict[str, str] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE + code.value,
        "title": code.message,
        "status": status or code.http_status,
        "detail": detail,
        "instance": instance,
        "code": code.value,
        "retryable": code.retryable,
        "trace_id": trace_id,
    }
    if fields:
        body["errors"] = [{"field": k, "message": v} for k, v in fields.items()]
    return body


def problem_response(
    request: Request | None,
    code: ErrorCode,
    detail: str,
    *,
    status: int | None = None,
    fields: dict[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    trace_id = None
    instance = None
    if request is not None:
        trace_id = getattr(request.state, "trace_id", None)
        instance = request.url.path
    body = problem_body(
        code, detail, status=status, instance=instance, trace_id=trace_id, fields=fields
    )
    return JSONResponse(body, status_code=body["status"], headers=headers, media_type=MEDIA_TYPE)


def nexus_error_response(request: Request | None, exc: NexusError) -> JSONResponse:
    headers: dict[str, str] = {}
    retry_after = exc.extra.get("retry_after_s")
    if retry_after is not None:
        headers["Retry-After"] = str(max(1, math.ceil(float(retry_after))))
    if exc.code is ErrorCode.UNAUTHENTICATED:
        headers["WWW-Authenticate"] = 'Bearer realm="nexus"'
    if exc.http_status >= 500:
        log.warning("request failed", code=exc.code.value, detail=exc.detail)
    return problem_response(request, exc.code, exc.detail, fields=exc.fields, headers=headers)


def field_name(loc: tuple[Any, ...] | list[Any]) -> str:
    """``("body", "settings", "language")`` -> ``settings.language``; query/path/header keep
    their source: ``query.limit``."""
    parts = [str(p) for p in loc]
    if parts and parts[0] == "body":
        parts = parts[1:]
    return ".".join(parts) or "body"


def validation_fields(errors: Any) -> dict[str, str]:
    fields: dict[str, str] = {}
    for err in errors:
        if err.get("type") == "json_invalid":
            # loc is ("body", <character offset>): name the body and say where it broke.
            loc = err.get("loc", ())
            at = f" at character {loc[1]}" if len(loc) > 1 else ""
            reason = (err.get("ctx") or {}).get("error", "malformed")
            fields.setdefault("body", f"the body is not valid JSON{at}: {reason}")
            continue
        fields.setdefault(field_name(err.get("loc", ())), str(err.get("msg", "invalid")))
    return fields


async def _on_nexus_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, NexusError)
    return nexus_error_response(request, exc)


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    fields = validation_fields(exc.errors())
    if set(fields) == {"body"} and fields["body"].startswith("the body is not valid JSON"):
        detail = fields["body"]
    else:
        detail = "invalid: " + ", ".join(fields)
    return problem_response(request, ErrorCode.VALIDATION_FAILED, detail, status=422, fields=fields)


METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at this path (Starlette names only the first route's).

    Asks each route whether it would fully match the request with another method: the
    public ``matches`` API, which also sees into included routers."""
    return [
        method
        for method in METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL
            for route in request.app.routes
        )
    ]


async def _on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _STATUS_CODES.get(exc.status_code, ErrorCode.INTERNAL)
    headers = dict(exc.headers or {})
    detail = str(exc.detail)
    if exc.status_code == 405:
        allow = allowed_methods(request)
        headers["Allow"] = ", ".join(allow)
        detail = f"{request.method} is not allowed here; allowed: {', '.join(allow)}"
    return problem_response(request, code, detail, status=exc.status_code, headers=headers)


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error", exc_info=exc, path=request.url.path)
    return problem_response(request, ErrorCode.INTERNAL, "an internal error occurred")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(NexusError, _on_nexus_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(Exception, _on_unexpected)
