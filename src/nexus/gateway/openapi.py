"""The OpenAPI document: problem+json error responses on every operation, and the export to
``docs/openapi.json`` that a test keeps current."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from nexus.gateway.errors import MEDIA_TYPE
from nexus.gateway.schemas import Problem

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
API_ERRORS = {
    "400": "Malformed request.",
    "401": "Missing, expired or invalid credentials.",
    "403": "The role or key scope does not allow this.",
    "404": "No such object in your tenant.",
    "409": "Conflicting state.",
    "413": "Body too large.",
    "422": "Validation failed; ``errors`` names the fields.",
    "429": "Rate limited; see Retry-After.",
}
# Only where they can happen: a body's media type (415), If-Match on a change (412).
BODY_ERRORS = {"415": "The body's Content-Type is not one this operation accepts."}
CHANGE_ERRORS = {"412": "If-Match does not match the object's current ETag."}
CHANGES = {"patch", "put", "delete"}
PUBLIC = {
    "/api/v1/auth/login",
    "/api/v1/auth/refresh",
    "/api/v1/auth/logout",
    "/api/v1/downloads/{sha256}",
    "/api/v1/setup",
}
SECURITY_SCHEMES = {
    "HTTPBearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "An access token, or an API key (nxk_...).",
    },
    "APIKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
}
SECURITY = [{"HTTPBearer": []}, {"APIKeyHeader": []}]


def _add_problems(operation: dict[str, Any], errors: dict[str, str]) -> None:
    responses = operation.setdefault("responses", {})
    for status, description in errors.items():
        entry = responses.setdefault(status, {"description": description})
        content = entry.setdefault("content", {})
        content.pop("application/json", None)
        content[MEDIA_TYPE] = {"schema": PROBLEM_REF}


def build_document(app: FastAPI) -> dict[str, Any]:
    doc = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    problem = _problem_schema()
    schemas.update(problem["$defs"])
    schemas["Problem"] = {k: v for k, v in problem.items() if k != "$defs"}
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    doc["components"]["securitySchemes"] = SECURITY_SCHEMES
    for path, item in doc.get("paths", {}).items():
        for method, operation in item.items():
            _drop_null_from_parameters(operation)
            if path.startswith("/api/"):
                _add_problems(operation, API_ERRORS)
                if "requestBody" in operation:
                    _add_problems(operation, BODY_ERRORS)
                if method in CHANGES:
                    _add_problems(operation, CHANGE_ERRORS)
                if path not in PUBLIC:
                    operation["security"] = SECURITY
            elif path == "/readyz":
                operation["responses"].pop("422", None)
    return doc


def _drop_null_from_parameters(operation: dict[str, Any]) -> None:
    """An optional header or query parameter is absent or a string, never null: FastAPI's
    ``X | None`` would otherwise invite clients (and fuzzers) to send the text "null"."""
    for parameter in operation.get("parameters", []):
        schema = parameter.get("schema", {})
        options = schema.get("anyOf")
        if not options or parameter.get("required"):
            continue
        kept = [o for o in options if o.get("type") != "null"]
        if len(kept) == 1 and len(kept) < len(options):
            del schema["anyOf"]
            schema.update(kept[0])


def _problem_schema() -> dict[str, Any]:
    raw = json.dumps(Problem.model_json_schema(ref_template="#/components/schemas/{model}"))
    schema: dict[str, Any] = json.loads(raw)
    schema.setdefault("$defs", {})
    return schema


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_document(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def export_openapi(app: FastAPI, path: Path) -> bool:
    """Write the document (stable key order); returns True when the file changed."""
    text = json.dumps(app.openapi(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if path.exists() and path.read_text() == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return True
