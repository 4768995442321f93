"""DAG behaviour: fan-out/fan-in, dynamic expansion, cache hits, regenerate exactness."""

from __future__ import annotations

from pathlib import Path

from nexus.platform import Platform
from tests.orchestrator.conftest import PlatformFactory
from tests.orchestrator.helpers import events, jobs_by_key, node_counts, read_log


async def test_fan_out_and_fan_in(platform: Platform, tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    run_id, created = await platform.create_run(
        "demo", {"n": 5, "sleep_s": 0.01, "log_path": str(log), "rounds": 10}
    )
    run = await platform.wait_for_run(run_id, timeout_s=60)
    assert created and run.status == "succeeded"
    jobs = await jobs_by_key(platform, run_id)
    assert sorted(k for k in jobs if k.startswith("work[")) == [f"work[{i}]" for i in range(5)]
    assert all(j.status == "succeeded" for j in jobs.values())
    joins = [r for r in read_log(log) if r["event"] == "join"]
    assert joins == [{"event": "join", "node": "join", "count": 5}]
    async with platform.db.read() as conn:
        from nexus.orchestrator import queries  # noqa: PLC0415 - test-local import

        out = await queries.read_job_output(conn, jobs["join"])
    assert out == {"total": sum(i * i for i in range(5)), "count": 5}


async def test_empty_fan_out_still_reaches_the_fan_in(platform: Platform) -> None:
    run_id, _ = await platform.create_run("demo", {"n": 0, "rounds": 10})
    run = await platform.wait_for_run(run_id, timeout_s=60)
    assert run.status == "succeeded"
    assert "work[0]" not in await jobs_by_key(platform, run_id)


async def test_identical_run_is_all_cache_hits(platform: Platform, tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    params = {"n": 3, "sleep_s": 0.01, "log_path": str(log), "rounds": 10}
    first, _ = await platform.create_run("demo", params)
    await platform.wait_for_run(first, timeout_s=60)
    executed_before = len(read_log(log))
    second, created = await platform.create_run("demo", params)
    run = await platform.wait_for_run(second, timeout_s=60)
    assert created and second != first and run.status == "succeeded"
    hits = node_counts(await events(platform, second, "nexus.job.cache_hit"))
    assert set(hits) == {"split", "work[0]", "work[1]", "work[2]", "join", "digest"}
    assert not await events(platform, second, "nexus.job.started")
    assert len(read_log(log)) == executed_before  # nothing ran again


def descendants_of(node: str, layers: int, width: int) -> set[str]:
    """Independent of the orchestrator: walk the layered DAG definition."""
    layer, k = (int(x) for x in node[1:].split("."))
    frontier, found = {k}, set()
    for child_layer in range(layer + 1, layers):
        frontier = {c for c in range(width) if c in frontier or (c + 1) % width in frontier}
        found |= {f"n{child_layer}.{c}" for c in frontier}
    return found


async def test_regenerate_reruns_exactly_the_descendants(platform: Platform) -> None:
    run_id, _ = await platform.create_run("dag", {"layers": 5, "width": 10})
    await platform.wait_for_run(run_id, timeout_s=60)
    last = (await events(platform, run_id))[-1].event_id
    affected = await platform.regenerate(run_id, "n1.3")
    run = await platform.wait_for_run(run_id, timeout_s=60)
    assert run.status == "succeeded"
    started = set(node_counts(await events(platform, run_id, "nexus.job.started", last)))
    expected = {"n1.3"} | descendants_of("n1.3", 5, 10)
    assert started == expected
    assert len(affected) == len(expected)
    jobs = await jobs_by_key(platform, run_id)
    assert jobs["n1.3"].variant == 1


async def test_regenerate_with_explicit_variant(platform: Platform) -> None:
    run_id, _ = await platform.create_run("dag", {"layers": 3, "width": 2})
    await platform.wait_for_run(run_id, timeout_s=60)
    await platform.regenerate(run_id, "n2.0", variant=7)
    await platform.wait_for_run(run_id, timeout_s=60)
    assert (await jobs_by_key(platform, run_id))["n2.0"].variant == 7


async def test_regenerate_an_expander_keeps_unchanged_children(
    platform: Platform, tmp_path: Path
) -> None:
    log = tmp_path / "log.jsonl"
    run_id, _ = await platform.create_run(
        "demo", {"n": 3, "sleep_s": 0.01, "log_path": str(log), "rounds": 10}
    )
    await platform.wait_for_run(run_id, timeout_s=60)
    last = (await events(platform, run_id))[-1].event_id
    await platform.regenerate(run_id, "split")
    run = await platform.wait_for_run(run_id, timeout_s=60)
    assert run.status == "succeeded"
    started = set(node_counts(await events(platform, run_id, "nexus.job.started", last)))
    # split re-ran; its children were unchanged so they kept their outputs; join reads the
    # same children's keys but its upstream 'split' key changed, so join and digest re-ran.
    assert started == {"split", "join", "digest"}


async def test_chain_runs_in_order(make_platform: PlatformFactory) -> None:
    platform = await make_platform()
    run_id, _ = await platform.create_run("chain", {"n": 30})
    run = await platform.wait_for_run(run_id, timeout_s=60)
    assert run.status == "succeeded"
    order = [e.payload["node_key"] for e in await events(platform, run_id, "nexus.job.succeeded")]
    assert order == [f"step[{i}]" for i in range(30)]
