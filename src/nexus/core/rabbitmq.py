"""RabbitMQ implementation of the ``Broker`` protocol (cluster mode), on aio-pika.

Per pool: a durable quorum queue, a dead-letter exchange ``<queue>.dlx`` and its queue
``<queue>.dlq``. Persistent JSON messages carrying ids only, publisher confirms, manual acks.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator, Mapping
from contextlib import asynccontextmanager, suppress
from typing import Any

import aio_pika
import aiormq
from aio_pika.abc import (
    AbstractIncomingMessage,
    AbstractQueue,
    AbstractRobustChannel,
    AbstractRobustConnection,
)
from tenacity import (
    AsyncRetrying,
    retry_if_exception,
    retry_if_exception_type,
    stop_after_delay,
    wait_exponential,
)

from nexus.contracts.errors import ErrorCode
from nexus.core.broker import Handler, Message
from nexus.core.errors import NexusError
from nexus.core.logging import get_logger
from nexus.core.telemetry import TRACEPARENT

log = get_logger(__name__)

# What a lost or refused connection looks like from aio-pika / aiormq / the socket.
TRANSPORT_ERRORS: tuple[type[BaseException], ...] = (
    aiormq.exceptions.AMQPError,
    ConnectionError,
    OSError,
    TimeoutError,
    aiormq.exceptions.ChannelInvalidStateError,  # an operation on a channel that just closed
)


def is_transient(exc: BaseException) -> bool:
    return isinstance(exc, NexusError) and exc.code is ErrorCode.DEPENDENCY_UNAVAILABLE


def dead_letter_names(queue: str) -> tuple[str, str]:
    """The dead-letter exchange and queue that belong to ``queue``."""
    return f"{queue}.dlx", f"{queue}.dlq"


def encode_message(message: Message) -> aio_pika.Message:
    """The body carries the ids; a ``traceparent`` (tracing on) travels as a message header."""
    body = {k: v for k, v in message.items() if k != TRACEPARENT}
    headers: dict[str, Any] = {}
    if TRACEPARENT in message:
        headers[TRACEPARENT] = str(message[TRACEPARENT])
    return aio_pika.Message(
        json.dumps(body, separators=(",", ":")).encode(),
        content_type="application/json",
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        headers=headers or None,
    )


def decode_message(body: bytes, headers: Mapping[str, Any] | None = None) -> Message:
    value = json.loads(body)
    if not isinstance(value, dict):
        raise ValueError("a broker message must be a JSON object")
    message: Message = dict(value)  # pyright: ignore[reportUnknownArgumentType]
    parent = (headers or {}).get(TRACEPARENT)
    if parent is not None:
        message[TRACEPARENT] = parent.decode() if isinstance(parent, bytes) else str(parent)
    return message


class RabbitBroker:
    """Durable per-pool quorum queues; connects lazily and recovers with backoff.

    ``consume`` acks a message only after ``handler`` returns, so the handler must be short:
    the worker claims the job in the database and returns; the long work runs after the
    claim and the orchestrator (not the broker) owns retries. That is why no broker consumer
    timeout can kill a long job. A handler that raises sends the message to the dead-letter
    queue; so does a message delivered more than ``delivery_limit`` times (a crash loop).
    """

    def __init__(
        self,
        url: str,
        *,
        delivery_limit: int = 5,
        connect_timeout_s: float = 30.0,
        reconnect_interval_s: float = 1.0,
        publish_timeout_s: float = 30.0,
        connection_name: str = "nexus",
    ) -> None:
        self.url = url
        self.delivery_limit = delivery_limit
        self.connect_timeout_s = connect_timeout_s
        self.reconnect_interval_s = reconnect_interval_s
        self.publish_timeout_s = publish_timeout_s
        self.connection_name = connection_name
        self._connection: AbstractRobustConnection | None = None
        self._publish_channel: AbstractRobustChannel | None = None
        self._declared: set[str] = set()
        self._connect_lock = asyncio.Lock()

    def queue_arguments(self, queue: str) -> dict[str, Any]:
        dlx, _ = dead_letter_names(queue)
        return {
            "x-queue-type": "quorum",
            "x-dead-letter-exchange": dlx,
            "x-delivery-limit": self.delivery_limit,
            # at-least-once: a dead-lettered message is kept until the DLQ confirms it.
            "x-dead-letter-strategy": "at-least-once",
            "x-overflow": "reject-publish",
        }

    async def _connect(self) -> AbstractRobustConnection:
        async with self._connect_lock:
            if self._connection is not None:
                return self._connection
            try:
                async for attempt in AsyncRetrying(
                    retry=retry_if_exception_type(TRANSPORT_ERRORS),
                    wait=wait_exponential(multiplier=0.2, max=5.0),
                    stop=stop_after_delay(self.connect_timeout_s),
                    reraise=True,
                ):
                    with attempt:
                        self._connection = await aio_pika.connect_robust(
                            self.url,
                            reconnect_interval=self.reconnect_interval_s,
                            client_properties={"connection_name": self.connection_name},
                        )
            except TRANSPORT_ERRORS as exc:
                raise NexusError(
                    ErrorCode.DEPENDENCY_UNAVAILABLE, f"cannot connect to RabbitMQ: {exc}"
                ) from exc
            assert self._connection is not None
            return self._connection

    async def _ready_connection(self) -> AbstractRobustConnection:
        """The connection, waiting (bounded) while it recovers from a drop."""
        connection = await self._connect()
        try:
            await asyncio.wait_for(connection.connected.wait(), self.publish_timeout_s)
        except TimeoutError as exc:
            raise NexusError(
                ErrorCode.DEPENDENCY_UNAVAILABLE, "RabbitMQ connection is still recovering"
            ) from exc
        return connection

    def _retrying(self) -> AsyncRetrying:
        """Bounded retries of an operation while the robust connection recovers."""
        return AsyncRetrying(
            retry=retry_if_exception(is_transient),
            wait=wait_exponential(multiplier=0.05, max=2.0),
            stop=stop_after_delay(self.publish_timeout_s),
            reraise=True,
        )

    async def _channel(self) -> AbstractRobustChannel:
        if self._publish_channel is None or self._publish_channel.is_closed:
            connection = await self._ready_connection()
            channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
            self._publish_channel = channel  # type: ignore[assignment]
        assert self._publish_channel is not None
        return self._publish_channel

    async def declare_queue(self, channel: AbstractRobustChannel, queue: str) -> AbstractQueue:
        """Declare the pool queue and its dead-letter pair (idempotent)."""
        dlx_name, dlq_name = dead_letter_names(queue)
        dlx = await channel.declare_exchange(dlx_name, aio_pika.ExchangeType.FANOUT, durable=True)
        dlq = await channel.declare_queue(
            dlq_name, durable=True, arguments={"x-queue-type": "quorum"}
        )
        await dlq.bind(dlx)
        declared = await channel.declare_queue(
            queue, durable=True, arguments=self.queue_arguments(queue)
        )
        self._declared.add(queue)
        return declared

    @asynccontextmanager
    async def _transport_errors(self, what: str) -> AsyncGenerator[None]:
        try:
            yield
        except NexusError:
            raise
        except aiormq.exceptions.ChannelPreconditionFailed as exc:
            raise NexusError(
                ErrorCode.CONFIG_INVALID, f"queue exists with other arguments: {exc}"
            ) from exc
        except aiormq.exceptions.DeliveryError as exc:
            raise NexusError(
                ErrorCode.DEPENDENCY_UNAVAILABLE, f"RabbitMQ refused {what}: {exc}"
            ) from exc
        except TRANSPORT_ERRORS as exc:
            raise NexusError(
                ErrorCode.DEPENDENCY_UNAVAILABLE, f"RabbitMQ {what} failed: {exc!r}"
            ) from exc

    async def publish(self, queue: str, message: Message) -> None:
        await self.publish_many(queue, [message])

    async def publish_many(self, queue: str, messages: list[Message]) -> None:
        """Send every message, then wait for all confirms (pipelined, not one round-trip each).

        Returns only when the broker has confirmed every message to disk; raises
        ``DEPENDENCY_UNAVAILABLE`` otherwise, and the caller (the outbox relay) publishes again.
        """
        if not messages:
            return
        try:
            # A dropped connection is noticed a moment after it drops: retry the whole batch
            # (bounded) while the robust connection recovers. A resend can duplicate a message
            # whose confirm was lost; messages carry ids and claims are fenced, so that is safe.
            async for attempt in self._retrying():
                with attempt:
                    await self._publish_once(queue, messages)
        except TRANSPORT_ERRORS as exc:
            raise NexusError(
                ErrorCode.DEPENDENCY_UNAVAILABLE, f"RabbitMQ publish failed: {exc!r}"
            ) from exc

    async def _publish_once(self, queue: str, messages: list[Message]) -> None:
        async with self._transport_errors("publish"):
            channel = await self._channel()
            if queue not in self._declared:
                await self.declare_queue(channel, queue)
            exchange = channel.default_exchange
            await asyncio.wait_for(
                asyncio.gather(
                    *(exchange.publish(encode_message(m), routing_key=queue) for m in messages)
                ),
                self.publish_timeout_s,
            )

    async def consume(self, queue: str, handler: Handler, *, prefetch: int) -> None:
        """Deliver messages to ``handler``, at most ``prefetch`` unacked, until cancelled."""
        in_flight: set[asyncio.Task[Any]] = set()

        async def on_message(message: AbstractIncomingMessage) -> None:
            task = asyncio.current_task()
            if task is not None:
                in_flight.add(task)
            try:
                await self._handle(queue, message, handler)
            finally:
                in_flight.discard(task)  # type: ignore[arg-type]

        channel, declared, consumer_tag = await self._start_consumer(queue, prefetch, on_message)
        try:
            await asyncio.Future[None]()  # runs until the caller cancels consume()
        finally:
            await self._stop_consumer(declared, consumer_tag, channel, in_flight)

    async def _start_consumer(
        self, queue: str, prefetch: int, on_message: Any
    ) -> tuple[AbstractRobustChannel, AbstractQueue, str]:
        """Channel, queue and consumer tag. Retried (bounded) like publishing: the server can
        drop the connection while it recovers, and a quorum queue declared a moment ago can
        refuse its first consumer (RabbitMQ closes the connection with INTERNAL_ERROR, the
        queue's replica not yet started). The robust connection comes back; the consumer must
        not be lost with it."""
        async for attempt in self._retrying():
            with attempt:
                return await self._start_consumer_once(queue, prefetch, on_message)
        raise AssertionError("unreachable: tenacity re-raises the last error")

    async def _start_consumer_once(
        self, queue: str, prefetch: int, on_message: Any
    ) -> tuple[AbstractRobustChannel, AbstractQueue, str]:
        channel: AbstractRobustChannel | None = None
        try:
            async with self._transport_errors("consume"):
                connection = await self._ready_connection()
                channel = await connection.channel()  # type: ignore[assignment]
                assert channel is not None
                await channel.set_qos(prefetch_count=prefetch)
                declared = await self.declare_queue(channel, queue)
                return channel, declared, await declared.consume(on_message)
        except NexusError:
            if channel is not None:
                with suppress(*TRANSPORT_ERRORS):
                    await channel.close()
            raise

    async def _handle(self, queue: str, message: AbstractIncomingMessage, handler: Handler) -> None:
        try:
            payload = decode_message(message.body, message.headers)
            await handler(payload)
        except asyncio.CancelledError:
            raise  # shutting down: leave it unacked, the broker redelivers it
        except Exception as exc:  # noqa: BLE001 - any handler failure dead-letters the message
            log.warning("broker.message_dead_lettered", queue=queue, error=repr(exc))
            await self._settle(message, ack=False)
            return
        await self._settle(message, ack=True)

    async def _settle(self, message: AbstractIncomingMessage, *, ack: bool) -> None:
        try:
            if ack:
                await message.ack()
            else:
                await message.nack(requeue=False)
        except TRANSPORT_ERRORS as exc:
            # The channel dropped after the handler ran: the broker redelivers the message,
            # and the worker's attempt-fenced database claim turns the duplicate into a no-op.
            log.warning("broker.settle_failed", ack=ack, error=repr(exc))

    async def _stop_consumer(
        self,
        declared: AbstractQueue,
        consumer_tag: str,
        channel: AbstractRobustChannel,
        in_flight: set[asyncio.Task[Any]],
    ) -> None:
        for task in list(in_flight):
            task.cancel()
        await asyncio.gather(*in_flight, return_exceptions=True)
        try:
            await declared.cancel(consumer_tag)
            await channel.close()
        except TRANSPORT_ERRORS as exc:
            log.info("broker.consumer_stop_incomplete", error=repr(exc))

    async def queue_depth(self, queue: str) -> int:
        """Messages ready in ``queue`` (unacked ones not counted); 0 if it does not exist.

        The autoscaling signal. Works for the dead-letter queue (``<queue>.dlq``) too.
        """
        async with self._transport_errors("queue_depth"):
            connection = await self._ready_connection()
            # A passive declare of a missing queue closes its channel: use a throwaway one.
            channel = await connection.channel(publisher_confirms=False)
            try:
                declared = await channel.declare_queue(queue, passive=True)
                return int(declared.declaration_result.message_count or 0)
            except aiormq.exceptions.ChannelNotFoundEntity:
                return 0
            finally:
                with suppress(*TRANSPORT_ERRORS):
                    await channel.close()

    async def close(self) -> None:
        connection, self._connection = self._connection, None
        self._publish_channel = None
        self._declared.clear()
        if connection is not None:
            await connection.close()
