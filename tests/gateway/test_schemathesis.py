"""Property-based run over the served OpenAPI document, as the admin of a tenant of its own,
with every schemathesis check on, in both modes: no 5xx; every response matches its
documented status, media type, headers and schema; schema-valid requests are accepted and
schema-violating ones rejected; undocumented methods answer 405 with a complete Allow;
credentials are not ignored.

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
from schemathesis.checks import CHECKS, load_all_checks

from tests.gateway.conftest import World

DOC = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
OPERATIONS = {
    f"{method.upper()} {path}": bool(op.get("parameters") or op.get("requestBody"))
    for path, item in json.loads(DOC.read_text())["paths"].items()
    for method, op in item.items()
}
# Negative data needs something to negate: operations without inputs run positive only.
CASES: list[Any] = [(label, GenerationMode.POSITIVE) for label in sorted(OPERATIONS)] + [
    (label, GenerationMode.NEGATIVE) for label, has_input in sorted(OPERATIONS.items()) if has_input
]
# Known gap: a schema-violating preview whose JSON body (12 bytes per escaped astral
# character) exceeds gateway.max_body_bytes is refused with 413 before validation, which
# negative_data_rejection does not count as a rejection. Not strict: other examples pass.
# Known gaps, each with why the document cannot say it (non-strict: a fix shows as XPASS).
KNOWN_GAPS = {
    ("POST /api/v1/stories/preview", GenerationMode.NEGATIVE): "413 before validation",
    # Rego source text is a string to JSON Schema: whether it compiles is the engine's answer
    ("PUT /api/v1/policies", GenerationMode.POSITIVE): "policy text compiles or not",
    ("POST /api/v1/policies/evaluate", GenerationMode.POSITIVE): "policy text compiles or not",
    # the manifest may be a file part or a form field (one of two shapes the generator mixes)
    ("POST /api/v1/skills/user", GenerationMode.POSITIVE): "manifest as a file or a field",
}
CASES = [
    pytest.param(
        *case,
        marks=pytest.mark.xfail(reason=f"{KNOWN_GAPS[case]} (see KNOWN_GAPS)", strict=False),
    )
    if case in KNOWN_GAPS
    else case
    for case in CASES
]


def all_checks() -> list[Any]:
    load_all_checks()
    return list(CHECKS.get_all())


def test_every_check_is_on() -> None:
    names = {check.__name__ for check in all_checks()}
    assert {
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "response_headers_conformance",
        "positive_data_acceptance",
        "negative_data_rejection",
        "missing_required_header",
        "unsupported_method",
        "allow_header_conformance",
        "ignored_auth",
    } <= names


@pytest.fixture(scope="session")
def api_schema(world: World) -> Any:
    return schemathesis.openapi.from_url(f"{world.base_url}/openapi.json")


IDS = [
    f"{c.values[1].value} {c.values[0]}" if hasattr(c, "values") else f"{c[1].value} {c[0]}"
    for c in CASES
]


@pytest.mark.parametrize(("label", "mode"), CASES, ids=IDS)
def test_api_conforms_to_its_document(
    api_schema: Any, world: World, label: str, mode: GenerationMode
) -> None:
    operation = api_schema.find_operation_by_label(label)
    assert operation is not None, f"{label} is not served"
    headers = world.headers("admin_s")
    checks = all_checks()

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
