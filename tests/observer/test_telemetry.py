"""Tracing in one process: off builds nothing; on, a run is one trace whose id is the run's,
the run span parents the jobs' spans, messages carry the traceparent, spans are redacted,
and log lines carry the span's ids."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import structlog
from opentelemetry.instrumentation.utils import is_instrumentation_enabled
from opentelemetry.trace import SpanKind

from nexus.core import metrics, telemetry, telemetry_setup
from nexus.core.logging import configure_logging, get_logger
from nexus.core.rabbitmq import decode_message, encode_message
from nexus.core.settings import Settings
from nexus.core.trace_export import read_spans
from nexus.model_router import build_client
from nexus.observer.traces import span_tree
from nexus.platform import Platform
from tests.fakes.openai_server import OpenAIServer
from tests.model_router.conftest import SCOPE, LedgerGuard, openai_provider, settings_with
from tests.observer.obs_helpers import by_name


def settings_for(tmp_path: Path, enabled: bool) -> Settings:
    return Settings(
        env="test",
        data_dir=tmp_path,
        telemetry={"enabled": enabled, "exporter": "file", "instrument_libraries": False},
        orchestrator={"process_workers": 0, "retry_base_s": 0.02},
    )


@pytest.fixture
def traced(tmp_path: Path) -> Iterator[Settings]:
    settings = settings_for(tmp_path, True)
    assert telemetry_setup.configure(settings, "embedded")
    yield settings
    telemetry_setup.shutdown()


@pytest.fixture
async def platform(traced: Settings) -> AsyncIterator[Platform]:
    platform = Platform(traced)
    await platform.start_embedded()
    yield platform
    await platform.close()


def test_off_builds_no_span(tmp_path: Path) -> None:
    assert not telemetry_setup.configure(settings_for(tmp_path, False), "embedded")
    assert not telemetry.ENABLED
    with telemetry.span("x") as first, telemetry.span("y") as second:
        assert first is None and second is None
    message: dict[str, str] = {"job_id": "j"}
    telemetry.inject(message)
    assert message == {"job_id": "j"}
    assert telemetry.extract({"traceparent": "00-" + "1" * 32 + "-" + "2" * 16 + "-01"}) is None


async def test_run_is_one_trace_with_job_spans(platform: Platform, traced: Settings) -> None:
    run_id, _ = await platform.create_run("chain", {"n": 3})
    run = await platform.wait_for_run(run_id, timeout_s=30)
    assert run.status == "succeeded"
    assert telemetry.valid_trace_id(run.trace_id)
    telemetry_setup.flush()
    spans = read_spans(telemetry_setup.trace_file(traced), run.trace_id)
    ids = {s["span_id"]: s for s in spans}
    (root,) = by_name(spans, "nexus.run")
    assert int(root["span_id"], 16) == telemetry.run_span_id(run.trace_id)
    assert root["parent_id"] is None
    jobs = [s for s in spans if s["name"].startswith("nexus.job demo.")]
    assert len(jobs) == 3  # one attempt per chain node
    for job in jobs:
        attrs = job["attributes"]  # one span per attempt, the skill's and the commit's time
        assert attrs["nexus.execute_s"] >= 0 and attrs["nexus.commit_s"] > 0
        assert (
            job["end_ns"] - job["start_ns"]
            >= (attrs["nexus.execute_s"] + attrs["nexus.commit_s"]) * 1e9
        )
        # every job span hangs (through dispatches and commits) under the run span
        node = job
        while node["parent_id"] is not None:
            node = ids[node["parent_id"]]
        assert node is root
    assert {s["service"] for s in spans} == {"nexus-embedded"}
    (tree,) = span_tree(spans)
    assert tree.span is root


async def test_a_failed_attempt_is_an_error_span_with_its_code(
    platform: Platform, traced: Settings
) -> None:
    run_id, _ = await platform.create_run(
        "demo", {"n": 2, "sleep_s": 0, "rounds": 10, "fatal_node": 1}
    )
    run = await platform.wait_for_run(run_id, timeout_s=30)
    assert run.status == "failed"
    telemetry_setup.flush()
    spans = read_spans(telemetry_setup.trace_file(traced), run.trace_id)
    works = {s["attributes"]["nexus.job_id"]: s for s in by_name(spans, "nexus.job demo.work")}
    failed = [s for s in works.values() if s["status"] == "error"]
    (span,) = failed
    assert span["attributes"]["error.type"] == "skill_failed"
    assert "nexus.commit_s" not in span["attributes"]  # nothing was committed
    assert all(s["status"] == "unset" for s in works.values() if s is not span)  # the others


def test_library_spans_outside_a_trace_are_not_recorded(traced: Settings) -> None:
    tracer = telemetry.tracer()
    with tracer.start_as_current_span("SELECT", kind=SpanKind.CLIENT) as orphan:
        assert not orphan.is_recording()  # a background statement: no trace of its own
    with tracer.start_as_current_span("POST /x", kind=SpanKind.SERVER) as request:
        assert request.is_recording()  # a request starts a trace
        with tracer.start_as_current_span("SELECT", kind=SpanKind.CLIENT) as statement:
            assert statement.is_recording()  # ...and its statements are in it
        with telemetry.quiet():
            assert not is_instrumentation_enabled()  # the step statements: the step's span
            with telemetry.span("nexus.job.commit") as own:
                assert own is not None and own.is_recording()  # Nexus's spans still are
        assert is_instrumentation_enabled()


async def test_provider_span_follows_genai_conventions(traced: Settings) -> None:
    """A chat call to the OpenAI protocol fake: one GenAI span, and the provider metrics."""
    before = metrics.PROVIDER_CALLS.labels("main", "fake-chat", "chat", "ok")._value.get()
    with OpenAIServer(api_key="sk-test") as fake:
        ledger = LedgerGuard()
        client = build_client(
            settings_with(openai_provider("main", fake.url)), ledger, ledger, None
        )
        try:
            with telemetry.span("caller"):
                trace_id = telemetry.new_trace_id()
                await client.chat(SCOPE, [{"role": "user", "content": "hello there"}])
        finally:
            await client.close()
    telemetry_setup.flush()
    spans = read_spans(telemetry_setup.trace_file(traced), trace_id)
    (call,) = [s for s in spans if "gen_ai.operation.name" in s["attributes"]]
    assert call["name"] == "chat fake-chat"
    attrs = call["attributes"]
    assert attrs["gen_ai.operation.name"] == "chat"
    assert attrs["gen_ai.provider.name"] == "main"
    assert attrs["gen_ai.request.model"] == "fake-chat"
    assert attrs["gen_ai.usage.input_tokens"] > 0
    assert attrs["nexus.cost_usd"] > 0
    after = metrics.PROVIDER_CALLS.labels("main", "fake-chat", "chat", "ok")._value.get()
    assert after == before + 1


def test_spans_are_redacted(traced: Settings) -> None:
    with telemetry.span("x", {"user": "mail me at jane.doe@example.com", "api_key": "sk-1"}):
        trace_id = telemetry.new_trace_id()
    telemetry_setup.flush()
    (span,) = read_spans(telemetry_setup.trace_file(traced), trace_id)
    assert "jane.doe@example.com" not in json.dumps(span)
    assert span["attributes"]["api_key"] != "sk-1"


def test_generated_ids_pass_whole_and_repeats_stay_redacted(traced: Settings) -> None:
    job_id = "job_0a13812345678" + "f" * 19  # hex digits that look like a phone number
    attrs = {"nexus.job_id": job_id, "note": job_id, "who": "jane.doe@example.com"}
    with telemetry.span("x", attrs), telemetry.span("y", attrs):  # the second: remembered
        trace_id = telemetry.new_trace_id()
    with telemetry.span("z", {"nexus.job_id": "jane.doe@example.com"}):  # not an id
        other = telemetry.new_trace_id()
    telemetry_setup.flush()
    spans = read_spans(telemetry_setup.trace_file(traced), trace_id)
    assert [s["name"] for s in spans] == ["x", "y"]
    for span in spans:
        assert span["attributes"]["nexus.job_id"] == job_id
        assert span["attributes"]["note"] == "job_0a[phone]" + "f" * 19
        assert span["attributes"]["who"] == "[email]"
    (z,) = read_spans(telemetry_setup.trace_file(traced), other)
    assert z["attributes"]["nexus.job_id"] == "[email]"


def test_traceparent_travels_in_amqp_headers(traced: Settings) -> None:
    with telemetry.span("dispatch"):
        message: dict[str, str] = {"job_id": "job_1"}
        telemetry.inject(message)
        expected = telemetry.current_ids()
    encoded = encode_message(message)
    assert json.loads(encoded.body) == {"job_id": "job_1"}  # the body stays ids only
    decoded = decode_message(encoded.body, encoded.headers)
    assert decoded["job_id"] == "job_1"
    parent = telemetry.extract(decoded)
    with telemetry.span("job", parent=parent):
        ids = telemetry.current_ids()
    assert expected is not None and ids is not None and ids[0] == expected[0]


def test_log_lines_carry_span_ids(traced: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("json", "INFO")
    try:
        with telemetry.span("x"):
            ids = telemetry.current_ids()
            get_logger("t").info("inside")
        line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    finally:
        structlog.reset_defaults()
    assert ids is not None
    assert (line["trace_id"], line["span_id"]) == ids
