"""The exported JSON Schemas in docs/contracts must match the code; the registry is sane."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from nexus.cli.contracts import render_schemas
from nexus.contracts.errors import REGISTRY, ErrorCode
from nexus.contracts.tasks import DispatchDecision

DOCS = Path(__file__).resolve().parents[2] / "docs" / "contracts"


def test_exported_schemas_are_current() -> None:
    files = render_schemas()
    on_disk = {p.name for p in DOCS.glob("*.json")}
    assert on_disk == set(files), "run: uv run nexus contracts export"
    for name, text in files.items():
        assert (DOCS / name).read_text(encoding="utf-8") == text, (
            f"{name} is stale; run: uv run nexus contracts export"
        )


def test_every_code_is_registered_with_a_status() -> None:
    assert set(REGISTRY) == set(ErrorCode)
    for code in ErrorCode:
        assert 400 <= code.http_status < 600
    assert ErrorCode.TRANSIENT_FAILURE.retryable and not ErrorCode.VALIDATION_FAILED.retryable


def test_inputs_refuse_unknown_fields() -> None:
    with pytest.raises(ValidationError):
        DispatchDecision.model_validate({"job_id": "j", "surprise": 1})
