"""Property-based run over the served OpenAPI document, as the admin of a tenant of its own:
no 5xx, and every response matches its documented status, media type and schema.

Schemathesis's own pytest loader does not run on this pytest; its strategies are driven
with Hypothesis directly, one test per operation of docs/openapi.json.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.gateway.conftest import World

DOC = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
OPERATIONS = {
    f"{method.upper()} {path}": bool(op.get("parameters") or op.get("requestBody"))
    for path, item in json.loads(DOC.read_text())["paths"].items()
    for method, op in item.items()
}
# Negative data needs something to negate: operations without inputs run positive only.
CASES = [(label, GenerationMode.POSITIVE) for label in sorted(OPERATIONS)] + [
    (label, GenerationMode.NEGATIVE) for label, has_input in sorted(OPERATIONS.items()) if has_input
]


@pytest.fixture(scope="session")
def api_schema(world: World) -> Any:
    return schemathesis.openapi.from_url(f"{world.base_url}/openapi.json")


@pytest.mark.parametrize(("label", "mode"), CASES, ids=[f"{m.value} {lb}" for lb, m in CASES])
def test_api_conforms_to_its_document(
    api_schema: Any, world: World, label: str, mode: GenerationMode
) -> None:
    operation = api_schema.find_operation_by_label(label)
    assert operation is not None, f"{label} is not served"
    headers = world.headers("admin_s")
    checks = CHECKS if mode is GenerationMode.POSITIVE else [not_a_server_error]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=8,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def check(case: Any) -> None:
        case.call_and_validate(base_url=world.base_url, headers=headers, checks=checks, timeout=30)

    check()
