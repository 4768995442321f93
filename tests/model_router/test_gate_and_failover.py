"""The router in a run: the gate routes skills with a capability, denies what nothing can
serve, and a run whose primary provider answers 5xx completes on the secondary with the
failover in the event log."""

from __future__ import annotations

from pathlib import Path

from nexus.core.settings import Settings
from nexus.model_router import build_client
from nexus.orchestrator import queries
from nexus.orchestrator.gate import GateRequest
from nexus.orchestrator.router_gate import RouterGate
from nexus.platform import Platform, build_registry
from tests.fakes.openai_server import OpenAIServer
from tests.model_router.conftest import openai_provider, settings_with


def request(skill: str, pool: str = "cpu") -> GateRequest:
    return GateRequest("r1", "j1", "n", skill, "1", "cpu", pool, "t1", "p1")


def test_gate_routes_capable_skills_and_passes_others_through(openai_fake: OpenAIServer) -> None:
    registry = build_registry()
    client = build_client(settings_with(openai_provider("main", openai_fake.url)), None, None, None)
    gate = RouterGate(registry, client)
    ask = gate.review(request("demo.ask"))
    assert ask.action == "dispatch" and ask.decision is not None
    assert (ask.decision.provider, ask.decision.model, ask.decision.job_id) == (
        "main",
        "fake-chat",
        "j1",
    )
    tts = gate.review(request("audio.tts"))
    assert tts.decision is not None and tts.decision.model == "fake-tts"
    lips = gate.review(request("lipsync.animate"))
    assert lips.decision is not None and lips.decision.provider == "offline"
    noop = gate.review(request("demo.noop"))
    assert noop.decision is not None and noop.decision.reason == "pass-through"


def test_gate_denies_a_capability_nothing_serves() -> None:
    client = build_client(settings_with(offline_fallback=False), None, None, None)
    gate = RouterGate(build_registry(), client)
    verdict = gate.review(request("demo.ask"))
    assert verdict.action == "deny" and verdict.code is not None
    assert verdict.code.value == "no_capable_provider"
    assert gate.review(request("audio.tts")).action == "deny"  # offline not allowed


async def test_a_run_fails_over_to_the_secondary_when_the_primary_answers_5xx(
    tmp_path: Path, openai_fake: OpenAIServer, openai_backup: OpenAIServer
) -> None:
    openai_fake.fail("/v1/chat", "500")
    settings = Settings(
        env="test",
        data_dir=tmp_path,
        providers=[
            openai_provider("primary", openai_fake.url, max_retries=0),
            openai_provider("secondary", openai_backup.url),
        ],
        router={"preferences": {"chat": ["primary", "secondary"]}},
        orchestrator={"sweep_interval_s": 0.2, "process_workers": 0},
    )
    platform = await Platform(settings, registry=build_registry()).start_embedded()
    try:
        run_id, _ = await platform.create_run("models", {"n": 8})
        run = await platform.wait_for_run(run_id, timeout_s=60)
        async with platform.db.read() as conn:
            jobs = await queries.list_jobs(conn, run_id)
            outputs = [await queries.read_job_output(conn, j) or {} for j in jobs]
            events = await queries.list_events(conn, run_id, after_id=0, limit=10_000)
    finally:
        await platform.close()
    assert run.status == "succeeded"
    assert {o["provider"] for o in outputs} == {"secondary"}
    assert all(j.attempt == 1 for j in jobs)  # no job failed, none retried
    hops = [e for e in events if e.type == "nexus.dispatch.failed_over"]
    assert 1 <= len(hops) <= 8
    assert hops[0].payload["from_provider"] == "primary"
    assert hops[0].payload["to_provider"] == "secondary"
    assert hops[0].payload["code"] == "provider_error"
    # the breaker opened after min_calls failures: later jobs went straight to the secondary
    assert openai_fake.submissions("/v1/chat/completions") == len(hops)
    assert sum(1 for o in outputs if o["failed_over_from"]) == len(hops)
