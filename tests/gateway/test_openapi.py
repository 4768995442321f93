"""docs/openapi.json is the document the gateway serves; regenerate it when this fails:
``uv run nexus admin export-openapi``."""

from __future__ import annotations

import json
from pathlib import Path

from nexus.cli.admin import document_app

DOC = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def test_exported_document_is_current() -> None:
    current = document_app().openapi()
    exported = json.loads(DOC.read_text())
    assert exported == current, "docs/openapi.json is stale: run `nexus admin export-openapi`"


def test_every_api_operation_documents_problem_responses() -> None:
    doc = json.loads(DOC.read_text())
    for path, item in doc["paths"].items():
        if not path.startswith("/api/"):
            continue
        for method, op in item.items():
            content = op["responses"]["404"]["content"]
            assert list(content) == ["application/problem+json"], (method, path)
            public = path.startswith("/api/v1/auth/") or "downloads" in path or "setup" in path
            assert op.get("security") or public
