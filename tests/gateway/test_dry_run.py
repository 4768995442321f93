"""``POST /api/v1/runs?dry_run=true`` against a real server whose settings point at the
OpenAI protocol fake: the estimate per stage and provider, nothing created; the budget
degradation and its refusal (``budget_insufficient``) on real run creation too."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from tests.gateway.conftest import (
    USERS,
    free_port,
    login,
    seed_users,
    server_env,
    start_server,
    stop_server,
)
from tests.llm_oracle import OracleOpenAIServer, openai_provider

STORY = (
    "# The Keeper\n\nMara climbed the lighthouse stairs. The lamp was cold.\n\n"
    '"Is anyone there?" Mara called.\n\n"Only me," said Tom. He held a brass key.\n'
)


@dataclass
class Priced:
    client: httpx.Client
    project_id: str
    fake: OracleOpenAIServer


@pytest.fixture(scope="module")
def priced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Priced]:
    data_dir = tmp_path_factory.mktemp("dry-run")
    asyncio.run(seed_users(data_dir))
    with OracleOpenAIServer() as fake:
        providers = json.dumps([openai_provider("fakeai", fake.url)])
        env = server_env(data_dir, NEXUS_PROVIDERS=providers)
        port = free_port()
        proc = start_server(data_dir, port, env)
        try:
            base = f"http://127.0.0.1:{port}"
            token = login(base, USERS["admin_a"][0])["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
                project = client.post("/api/v1/projects", json={"name": "priced"}).json()
                yield Priced(client, project["project_id"], fake)  # type: ignore[misc]
        finally:
            stop_server(proc)


def run_body(p: Priced, **params: object) -> dict[str, object]:
    return {"project_id": p.project_id, "pipeline": "studio", "params": {"story": STORY, **params}}


def test_dry_run_prices_each_stage_and_creates_nothing(priced: Priced) -> None:
    before = priced.client.get("/api/v1/runs").json()["items"]
    r = priced.client.post("/api/v1/runs", params={"dry_run": "true"}, json=run_body(priced))
    assert r.status_code == 200, r.text
    body = r.json()
    stages = {s["stage"]: s for s in body["estimate"]["stages"]}
    assert stages["shots"]["provider"] == "fakeai" and stages["shots"]["model"] == "fake-chat"
    assert stages["images"]["workload"]["images"] == body["estimate"]["shots"] > 0
    assert stages["images"]["cost_usd"] == pytest.approx(0.04 * body["estimate"]["shots"])
    assert stages["speech"]["cost_usd"] > 0
    assert body["estimate"]["total_usd"] == pytest.approx(
        sum(s["cost_usd"] for s in stages.values())
    )
    assert body["params"]["engines"]["images"] == "fakeai/fake-image"
    assert body["changes"] == []
    assert priced.client.get("/api/v1/runs").json()["items"] == before
    assert priced.fake.submissions("/v1/chat/completions") == 0  # an estimate calls no model


def test_over_budget_the_policy_degrades_and_says_what_changed(priced: Priced) -> None:
    r = priced.client.post(
        "/api/v1/runs", params={"dry_run": "true"}, json=run_body(priced, budget_usd=0.0)
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["estimate"]["total_usd"] == 0.0
    assert body["budget_usd"] == 0.0
    assert any("offline engine" in c for c in body["changes"])
    assert set(body["params"]["engines"].values()) == {"offline"}


def test_a_refusing_policy_answers_budget_insufficient(priced: Priced) -> None:
    for dry in ("true", "false"):
        r = priced.client.post(
            "/api/v1/runs",
            params={"dry_run": dry},
            json=run_body(priced, budget_usd=0.001, degrade=["refuse"]),
        )
        assert r.status_code >= 400, r.text
        assert r.json()["code"] == "budget_insufficient"
