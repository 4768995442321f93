"""RabbitBroker against the real RabbitMQ server, each test in its own vhost."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aio_pika
import aiormq
import pytest
from aio_pika.robust_queue import RobustQueue

from nexus.contracts.errors import ErrorCode
from nexus.core.broker import Message
from nexus.core.errors import NexusError
from nexus.core.rabbitmq import RabbitBroker, dead_letter_names

from .conftest import RabbitVhost, free_port, wait_until

pytestmark = pytest.mark.cluster

QUEUE = "jobs.cpu"


@pytest.fixture
async def broker(rabbit_vhost: RabbitVhost) -> AsyncIterator[RabbitBroker]:
    b = RabbitBroker(rabbit_vhost.amqp_url, delivery_limit=2, reconnect_interval_s=0.2)
    yield b
    await b.close()


class Collector:
    def __init__(self) -> None:
        self.seen: list[Message] = []

    async def __call__(self, message: Message) -> None:
        self.seen.append(message)


async def test_publish_consume_ack(broker: RabbitBroker) -> None:
    got = Collector()
    await broker.publish_many(QUEUE, [{"job_id": f"j{i}"} for i in range(5)])
    consumer = asyncio.create_task(broker.consume(QUEUE, got, prefetch=2))

    async def all_seen() -> bool:
        return len(got.seen) == 5

    await wait_until(all_seen)
    consumer.cancel()
    await asyncio.gather(consumer, return_exceptions=True)
    assert sorted(m["job_id"] for m in got.seen) == [f"j{i}" for i in range(5)]
    # Had any message been left unacked, closing the consumer would have requeued it.
    assert await broker.queue_depth(QUEUE) == 0


async def test_publish_many_is_confirmed_durable_and_persistent(
    broker: RabbitBroker, rabbit_vhost: RabbitVhost
) -> None:
    await broker.publish_many(QUEUE, [{"job_id": f"j{i}", "attempt": 1} for i in range(300)])
    # Confirmed means enqueued: the depth is exact the moment publish_many returns.
    assert await broker.queue_depth(QUEUE) == 300
    info = await rabbit_vhost.queue_info(QUEUE)
    assert info["durable"] is True
    assert info["type"] == "quorum"
    args = info["arguments"]
    assert isinstance(args, dict)
    assert args["x-dead-letter-exchange"] == dead_letter_names(QUEUE)[0]
    connection = await aio_pika.connect(rabbit_vhost.amqp_url)
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(QUEUE, passive=True)
        message = await queue.get()
        assert message is not None
        assert message.delivery_mode == aio_pika.DeliveryMode.PERSISTENT
        assert message.content_type == "application/json"
        await message.nack(requeue=True)


async def test_failing_handler_dead_letters_the_message(broker: RabbitBroker) -> None:
    good = Collector()

    async def handler(message: Message) -> None:
        if message.get("poison"):
            raise ValueError("cannot handle this one")
        await good(message)

    await broker.publish_many(QUEUE, [{"job_id": "a"}, {"poison": True}, {"job_id": "b"}])
    consumer = asyncio.create_task(broker.consume(QUEUE, handler, prefetch=1))
    _, dlq = dead_letter_names(QUEUE)

    async def settled() -> bool:
        return len(good.seen) == 2 and await broker.queue_depth(dlq) == 1

    await wait_until(settled)
    consumer.cancel()
    await asyncio.gather(consumer, return_exceptions=True)
    assert await broker.queue_depth(QUEUE) == 0


async def test_non_json_body_is_dead_lettered(
    broker: RabbitBroker, rabbit_vhost: RabbitVhost
) -> None:
    await broker.publish(QUEUE, {"job_id": "declares-the-queue"})
    connection = await aio_pika.connect(rabbit_vhost.amqp_url)
    async with connection:
        channel = await connection.channel()
        await channel.default_exchange.publish(aio_pika.Message(b"\xff not json"), QUEUE)
    got = Collector()
    consumer = asyncio.create_task(broker.consume(QUEUE, got, prefetch=4))

    async def settled() -> bool:
        return len(got.seen) == 1 and await broker.queue_depth(dead_letter_names(QUEUE)[1]) == 1

    await wait_until(settled)
    consumer.cancel()
    await asyncio.gather(consumer, return_exceptions=True)


async def test_redelivery_loop_hits_the_delivery_limit(
    broker: RabbitBroker, rabbit_vhost: RabbitVhost
) -> None:
    """A message whose consumer keeps dying before the ack ends in the DLQ, not forever."""
    await broker.publish(QUEUE, {"job_id": "crashes-its-worker"})
    deliveries = 0
    connection = await aio_pika.connect(rabbit_vhost.amqp_url)
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(QUEUE, passive=True)
        while (message := await queue.get(fail=False)) is not None:
            deliveries += 1
            await message.nack(requeue=True)  # what a crash before the ack amounts to
            assert deliveries <= 10
    assert deliveries == broker.delivery_limit + 1

    async def dead_lettered() -> bool:  # dead-lettering completes asynchronously
        return await broker.queue_depth(dead_letter_names(QUEUE)[1]) == 1

    await wait_until(dead_lettered)


async def test_prefetch_bounds_messages_in_flight(broker: RabbitBroker) -> None:
    prefetch = 3
    release = asyncio.Event()
    in_flight = 0
    peak = 0
    done = 0

    async def slow_handler(message: Message) -> None:
        nonlocal in_flight, peak, done
        in_flight += 1
        peak = max(peak, in_flight)
        await release.wait()
        in_flight -= 1
        done += 1

    await broker.publish_many(QUEUE, [{"job_id": f"j{i}"} for i in range(10)])
    consumer = asyncio.create_task(broker.consume(QUEUE, slow_handler, prefetch=prefetch))

    async def saturated() -> bool:
        return in_flight == prefetch

    await wait_until(saturated)
    await asyncio.sleep(0.3)  # room for the broker to over-deliver, were prefetch ignored
    assert in_flight == prefetch
    assert await broker.queue_depth(QUEUE) == 10 - prefetch
    release.set()

    async def finished() -> bool:
        return done == 10

    await wait_until(finished)
    consumer.cancel()
    await asyncio.gather(consumer, return_exceptions=True)
    assert peak == prefetch


async def test_recovers_after_server_closes_the_connection(
    broker: RabbitBroker, rabbit_vhost: RabbitVhost
) -> None:
    got = Collector()
    consumer = asyncio.create_task(broker.consume(QUEUE, got, prefetch=4))
    await broker.publish(QUEUE, {"job_id": "before"})

    async def seen_before() -> bool:
        return [m["job_id"] for m in got.seen] == ["before"]

    await wait_until(seen_before)
    closed = await rabbit_vhost.close_connections()
    assert closed != 0
    # publish waits for the robust connection to come back, then the restored consumer
    # (same broker object, no re-subscription by the caller) receives the new message.
    await broker.publish(QUEUE, {"job_id": "after"})

    async def seen_after() -> bool:
        return [m["job_id"] for m in got.seen] == ["before", "after"]

    await wait_until(seen_after)
    assert not consumer.done()
    consumer.cancel()
    await asyncio.gather(consumer, return_exceptions=True)


async def test_a_refused_first_consume_does_not_lose_the_consumer(
    broker: RabbitBroker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """RabbitMQ can refuse the first consumer of a quorum queue declared a moment before
    (its replica not started yet: the server closes the connection with INTERNAL_ERROR).
    Injected here at the consume call; everything else is the real server."""
    real = RobustQueue.consume
    refused: list[str] = []

    async def consume(self: RobustQueue, *args: Any, **kwargs: Any) -> Any:
        if not refused:
            refused.append(self.name)
            raise aiormq.exceptions.ConnectionInternalError("INTERNAL_ERROR")
        return await real(self, *args, **kwargs)

    monkeypatch.setattr(RobustQueue, "consume", consume)
    got = Collector()
    consumer = asyncio.create_task(broker.consume(QUEUE, got, prefetch=4))
    await broker.publish(QUEUE, {"job_id": "x"})

    async def seen() -> bool:
        return [m["job_id"] for m in got.seen] == ["x"]

    await wait_until(seen)
    assert refused == [QUEUE] and not consumer.done()
    consumer.cancel()
    await asyncio.gather(consumer, return_exceptions=True)


async def test_unreachable_server_is_a_retryable_dependency_error() -> None:
    url = f"amqp://guest:guest@127.0.0.1:{free_port()}/"
    broker = RabbitBroker(url, connect_timeout_s=0.3, publish_timeout_s=0.5)
    with pytest.raises(NexusError) as err:
        await broker.publish(QUEUE, {"job_id": "x"})
    assert err.value.code is ErrorCode.DEPENDENCY_UNAVAILABLE
    assert err.value.retryable
    await broker.close()
