"""On the real RabbitMQ and PostgreSQL: malformed job messages (undecodable, not an object,
no job id) never stop a one-slot worker, and an invalid input fails its run cleanly."""

from __future__ import annotations

from pathlib import Path

import aio_pika
import pytest

from nexus.core.settings import load_settings
from nexus.platform import Platform
from tests.integration.conftest import PgDatabase, RabbitVhost, rabbit_vhost  # noqa: F401
from tests.skills.conftest import skills_registry

pytestmark = [pytest.mark.cluster, pytest.mark.postgres]


async def test_malformed_messages_and_invalid_input_over_rabbitmq(
    tmp_path: Path,
    pg_database: PgDatabase,
    rabbit_vhost: RabbitVhost,  # noqa: F811
) -> None:
    settings = load_settings(
        env="test",
        data_dir=tmp_path,
        database={"url": pg_database.url, "auto_migrate": True},
        broker={"url": rabbit_vhost.amqp_url},
        orchestrator={"concurrency": 1, "process_workers": 0, "lease_s": 2.0},
    )
    platform = Platform(settings, registry=skills_registry())
    await platform.start_embedded()
    try:
        warm, _ = await platform.create_run("chain", {"n": 1})  # the pool's queue is consumed
        assert (await platform.wait_for_run(warm, timeout_s=60)).status == "succeeded"
        connection = await aio_pika.connect(rabbit_vhost.amqp_url)
        async with connection:
            channel = await connection.channel()
            await channel.declare_queue("nexus.jobs.cpu", passive=True)  # exists: not dropped
            for body in (b"not json", b"[1, 2]", b'{"nope": 1}', b'{"job_id": 7}'):
                await channel.default_exchange.publish(
                    aio_pika.Message(body, content_type="application/json"),
                    routing_key="nexus.jobs.cpu",
                )
        run_id, _ = await platform.create_run("chain", {"n": 3})
        run = await platform.wait_for_run(run_id, timeout_s=60)
        assert run.status == "succeeded"
        bad_id, _ = await platform.create_run("t.bad_root", {})
        bad = await platform.wait_for_run(bad_id, timeout_s=60)
        assert bad.status == "failed" and bad.error_code == "invalid_input"
    finally:
        await platform.close()
