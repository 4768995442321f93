"""The conformance table (cases.yaml): every case's input gives its expected decision."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from nexus.contracts.governance import PolicyInput
from nexus.governance.defaults import DEFAULT_POLICY
from nexus.governance.engine import CompiledPolicy, compile_policy

HERE = Path(__file__).parent
CASES: list[dict[str, Any]] = yaml.safe_load((HERE / "cases.yaml").read_text())["cases"]
SOURCES = {
    "default": DEFAULT_POLICY,
    **{name: (HERE / f"{name}.rego").read_text() for name in ("done_when", "seed", "flags")},
}
_compiled: dict[str, CompiledPolicy] = {}


def policy(name: str) -> CompiledPolicy:
    if name not in _compiled:
        _compiled[name] = compile_policy(SOURCES[name], version=7)
    return _compiled[name]


def input_text(case: dict[str, Any]) -> str:
    if "raw" in case:
        return json.dumps(case["raw"])
    return PolicyInput.model_validate(case["input"]).model_dump_json()


def as_host_binding(value: Any) -> Any:
    """What a binding that converts host objects makes of booleans: floats."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, dict):
        return {k: as_host_binding(v) for k, v in value.items()}  # pyright: ignore
    if isinstance(value, list):
        return [as_host_binding(v) for v in value]  # pyright: ignore
    return value


def test_the_table_is_broad() -> None:
    assert len(CASES) >= 25
    assert {c["expect"] for c in CASES} == {"allow", "deny", "needs_approval"}
    assert {c["policy"] for c in CASES} == set(SOURCES)
    assert len({c["name"] for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case(case: dict[str, Any]) -> None:
    decision = policy(case["policy"]).evaluate_json(input_text(case))
    assert decision.verdict == case["expect"], decision.reasons
    assert decision.policy_version == 7
    for wanted in case.get("reasons", []):
        assert any(wanted in r for r in decision.reasons), decision.reasons


@pytest.mark.parametrize(
    "case", [c for c in CASES if "host_binding_would_be" in c], ids=lambda c: c["name"]
)
def test_booleans_as_floats_would_mis_decide(case: dict[str, Any]) -> None:
    """The hazard the JSON-text rule prevents: the same case with True/False as 1.0/0.0
    lets the unapproved call through."""
    floats = json.dumps(as_host_binding(json.loads(input_text(case))))
    decision = policy(case["policy"]).evaluate_json(floats)
    assert decision.verdict == case["host_binding_would_be"] != case["expect"]


def test_the_seed_compiles_as_rego_v0_and_the_others_as_v1() -> None:
    assert policy("seed").syntax == "v0"
    assert policy("seed").package == "nexus.agent.policy"
    assert policy("done_when").syntax == policy("default").syntax == "v1"
    assert set(policy("done_when").rules) == {"allow", "deny", "needs_approval", "approval_ttl_s"}


def test_the_done_when_policy_gives_its_approval_ttl() -> None:
    case = next(c for c in CASES if c["name"].startswith("done editor run over"))
    assert policy("done_when").evaluate_json(input_text(case)).approval_ttl_s == 3600
