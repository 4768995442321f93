"""`explain_run` over real failing and succeeding demo runs, the graph walk on a chain of
failures, and the evidence read from a log file and an obs-core span file."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from nexus.core.errors import NexusError
from nexus.gateway.services.observe import explain_run, trace_file
from nexus.observer import evidence
from nexus.observer.explain import Graph, incident_of
from tests.observer.conftest import PlatformFactory, run_demo


@pytest.fixture
def backend() -> str:
    return "sqlite"  # explain only reads through the orchestrator's queries


async def test_a_fatal_failure_names_the_job_its_code_and_what_it_blocked(
    make_platform: PlatformFactory, tmp_path: Path
) -> None:
    log = tmp_path / "nexus.log"
    platform = await make_platform(log_file=str(log))
    run_id = await run_demo(platform, n=3, fatal_node=1)
    x = await explain_run(platform, run_id, tenant_id="t1")
    assert x.status == "failed" and x.error_code == "skill_failed"
    (incident,) = x.incidents
    assert (incident.node_key, incident.skill, incident.status) == (
        "work[1]",
        "demo.work",
        "failed",
    )
    assert incident.error_code == "skill_failed"
    assert incident.error_message == "work[1] was told to fail"
    assert incident.root_cause and incident.upstream_causes == []
    assert sorted(incident.blocked) == ["digest", "join"]
    assert [(a.attempt, a.outcome, a.error_code) for a in incident.attempts] == [
        (1, "failed", "skill_failed")
    ]
    assert incident.attempts[0].duration_s is not None
    assert any("nexus.job.failed" in line and "skill_failed" in line for line in incident.log_lines)
    assert x.headline.startswith("work[1] (demo.work) failed with skill_failed after 1 attempt")
    assert "2 downstream jobs did not run" in x.headline
    assert x.jobs_by_status["failed"] == 1 and x.jobs_by_status["skipped"] == 2
    assert x.sources == ["events", "log"]


async def test_retries_exhausted_lists_every_attempt(make_platform: PlatformFactory) -> None:
    platform = await make_platform()
    run_id = await run_demo(platform, n=1, fail_attempts=10)
    (incident,) = (await explain_run(platform, run_id, tenant_id=None)).incidents
    assert incident.error_code == "retries_exhausted" and incident.max_attempts == 4
    outcomes = [(a.attempt, a.outcome, a.error_code) for a in incident.attempts]
    assert outcomes == [
        (1, "retried", "transient_failure"),
        (2, "retried", "transient_failure"),
        (3, "retried", "transient_failure"),
        (4, "failed", "retries_exhausted"),
    ]
    assert incident.attempts[-1].message == "simulated failure 4"


async def test_a_succeeded_run_explains_where_its_time_went(make_platform: PlatformFactory) -> None:
    platform = await make_platform()
    run_id = await run_demo(platform, n=4, sleep_s=0.05)
    x = await explain_run(platform, run_id, tenant_id="t1")
    assert x.status == "succeeded" and x.incidents == []
    assert x.headline == "run succeeded: no job failed"
    took = [t.duration_s or 0 for t in x.slowest]
    assert len(took) == 5 and took == sorted(took, reverse=True)
    assert x.slowest[0].skill in {"demo.work", "demo.digest"}
    with pytest.raises(NexusError) as err:
        await explain_run(platform, run_id, tenant_id="someone-else")
    assert err.value.code == "run_not_found"


@dataclass
class Job:
    job_id: str
    node_key: str
    status: str
    error_code: str | None
    skill: str = "s"
    attempt: int = 1
    max_attempts: int = 3
    error_message: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    cache_hit: bool = False


def test_upstream_causes_are_found_through_the_graph() -> None:
    """a (failed) -> b (skipped) -> c (failed: validation) -> d (pending)"""
    jobs = {
        "a": Job("a", "a", "failed", "skill_failed"),
        "b": Job("b", "b", "skipped", "upstream_failed"),
        "c": Job("c", "c", "failed", "validation_failed"),
        "d": Job("d", "d", "pending", None),
        "x": Job("x", "x", "succeeded", None),
    }
    graph = Graph([("b", "a"), ("c", "b"), ("c", "x"), ("d", "c")])
    incident = incident_of(jobs["c"], dict(jobs), graph, [])
    assert [(u.node_key, u.status, u.distance) for u in incident.upstream_causes] == [
        ("b", "skipped", 1),
        ("a", "failed", 2),
    ]
    assert not incident.root_cause and incident.blocked == ["d"]
    assert incident_of(jobs["a"], dict(jobs), graph, []).blocked == ["b", "c", "d"]


def test_log_lines_of_a_job_are_read_tolerantly_and_redacted(tmp_path: Path) -> None:
    log = tmp_path / "nexus.log"
    lines = [
        {"timestamp": "T1", "level": "info", "event": "job.started", "job_id": "job_1"},
        {"timestamp": "T2", "level": "warning", "event": "job.failed", "job_id": "job_2"},
        {"timestamp": "T3", "level": "error", "event": "ffmpeg", "job_id": "job_1", "rc": 1,
         "detail": "card 4111 1111 1111 1111"},
    ]  # fmt: skip
    text = "\n".join(json.dumps(line) for line in lines) + "\nnot json job_1 here\n"
    log.write_text(text)
    found = evidence.job_log_lines(log, "job_1")
    assert found[0] == "log T1 info job.started"
    assert found[1].startswith("log T3 error ffmpeg rc=1 detail=")
    assert "4111 1111 1111 1111" not in found[1]
    assert found[2] == "not json job_1 here"
    assert evidence.job_log_lines(tmp_path / "missing.log", "job_1") == []
    assert evidence.job_log_lines(None, "job_1") == []


def test_the_failed_span_is_the_jobs_error_span(tmp_path: Path) -> None:
    trace = "ab" * 16
    spans = [
        {"trace_id": trace, "span_id": "01", "name": "api POST /runs", "status": "OK"},
        {"trace_id": trace, "span_id": "02", "name": "orchestrator.step", "status": "ERROR",
         "attributes": {}},
        {"trace_id": trace, "span_id": "03", "name": "job demo.work", "attributes":
         {"nexus.job_id": "job_9", "exception.message": "boom"},
         "status": {"status_code": "ERROR", "description": "boom"},
         "start_time": 1_764_763_200_000_000_000, "end_time": 1_764_763_200_250_000_000},
        {"trace_id": "cd" * 16, "span_id": "04", "name": "other", "status": "ERROR"},
    ]  # fmt: skip
    path = tmp_path / "spans.jsonl"
    path.write_text("garbage\n" + "\n".join(json.dumps(s) for s in spans) + "\n")
    span = evidence.failed_span(path, trace, "job_9")
    assert span is not None
    assert (span.span_id, span.name, span.status, span.error) == (
        "03",
        "job demo.work",
        "error",
        "boom",
    )
    assert span.duration_ms == pytest.approx(250.0)
    other = evidence.failed_span(path, trace, "job_without_span")
    assert other is not None and other.span_id == "03"  # the trace's last error span
    assert evidence.failed_span(path, "ef" * 16, "job_9") is None
    assert trace_file(SimpleNamespace(telemetry=SimpleNamespace(file=str(path)))) == path  # type: ignore[arg-type]
    assert trace_file(SimpleNamespace()) is None  # type: ignore[arg-type]
    iso = {"trace_id": trace, "span_id": "05", "name": "iso", "status": "ERROR",
           "start": "2026-12-03T12:00:00Z", "end": "2026-12-03T12:00:01.5+00:00"}  # fmt: skip
    path.write_text(json.dumps(iso) + "\n")
    span = evidence.failed_span(path, trace, "job_9")
    assert span is not None and span.duration_ms == pytest.approx(1500.0)
